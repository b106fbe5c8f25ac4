"""The automation runner from Python: a small playbook (routing by round robin
with an owner on leave, a welcome email with one customer opted out, a
frequency cap), the owners it assigns, the outbox (poll, ack, nack, retries,
dead letters), the audit log with its reasons, tasks, rule statistics, and
the errors (bad playbooks, unknown outbox ids, bad options)."""
import datetime as dt

import pandas as pd
import pytest

import saleskit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 6, 15, 0, tzinfo=UTC)  # a Friday, 15:00 UTC

PLAYBOOK = {
    "version": "2026-11",
    "segments": [{"name": "hot", "condition": "customer.employee_count >= 100"}],
    "owners": [{"id": "ann"}, {"id": "bob", "unavailable": True}, {"id": "cy"}],
    "pools": [{"name": "reps", "strategy": "ROUND_ROBIN", "owners": ["ann", "bob", "cy"]}],
    "policies": {"caps": [{"channel": "email", "max": 1, "window": dt.timedelta(days=1)}]},
    "rules": [
        {"name": "route",
         "trigger": {"segment": {"segment": "hot", "on": "ENTER"}},
         "actions": [{"assign_owner": {"pool": "reps"}},
                     {"create_task": {"title": "Call", "due_in_business_hours": 4}}]},
        {"name": "welcome",
         "trigger": {"event": {"type": "signup"}},
         "actions": [{"send_email": {"template_id": "welcome"}}]},
    ],
}


def signup(id_, customer, at):
    return {"id": id_, "customer_id": customer, "type": "signup", "occurred_at": at}


@pytest.fixture
def eng() -> saleskit.Engine:
    e = saleskit.Engine(start=T0, outbox_max_attempts=2, outbox_retry_base=dt.timedelta(minutes=1))
    e.define_playbook(PLAYBOOK)
    e.upsert_customers([
        {"id": "c1", "employee_count": 500},
        {"id": "c2", "employee_count": 200, "consent": {"email": {"status": "opted_out"}}},
        {"id": "c3", "employee_count": 300},
        {"id": "c4", "employee_count": 10},
    ])
    e.ingest_events([
        signup("e1", "c1", T0 - dt.timedelta(hours=1)),
        signup("e2", "c2", T0 - dt.timedelta(hours=1)),
        signup("e3", "c1", T0 - dt.timedelta(minutes=30)),  # a second email the same day: capped
    ])
    return e


def test_define_playbook_keeps_the_automation(eng):
    pb = eng.playbook()
    assert pb["version"] == "2026-11"
    assert [r["name"] for r in pb["rules"]] == ["route", "welcome"]
    assert [o["id"] for o in pb["owners"]] == ["ann", "bob", "cy"]
    assert pb["pools"][0]["strategy"] == "ROUND_ROBIN"
    assert pb["policies"]["caps"][0]["window"] == "86400s"  # the timedelta went in as a duration


def test_round_robin_skips_the_unavailable_owner(eng):
    owners = {c: eng.get_customer(c).get("owner_id") for c in ("c1", "c2", "c3", "c4")}
    assert owners == {"c1": "ann", "c2": "cy", "c3": "ann", "c4": None}
    tasks = eng.tasks()
    assert list(tasks.columns) == ["seq", "id", "customer_id", "owner_id", "title", "rule", "created_at", "due_at"]
    assert list(tasks["customer_id"]) == ["c1", "c2", "c3"]
    assert list(tasks["seq"]) == [1, 2, 3] and str(tasks["seq"].dtype) == "int64"
    c1 = eng.tasks(customer="c1")
    assert len(c1) == 1 and c1["owner_id"][0] == "ann" and c1["title"][0] == "Call"
    # 4 business hours from Friday 15:00 (Mon-Fri 09:00-17:00 UTC): Monday 11:00.
    assert c1["due_at"][0] == pd.Timestamp("2026-11-09T11:00:00Z")
    assert eng.tasks(customer="nobody").empty


def test_a_host_takes_tasks_since_a_seq_and_trims_them(eng):
    assert eng.last_task == 3
    assert list(eng.tasks(after=1)["customer_id"]) == ["c2", "c3"]
    assert list(eng.tasks(after=0, limit=2)["seq"]) == [1, 2]
    assert list(eng.tasks(customer="c3", after=2)["seq"]) == [3]
    assert eng.tasks(customer="c1", after=1).empty
    eng.trim_tasks(2)
    assert list(eng.tasks()["seq"]) == [3]
    assert eng.last_task == 3  # trimming keeps the newest seq
    eng.trim_tasks(10)
    assert eng.tasks().empty and eng.last_task == 3
    with pytest.raises(ValueError):
        eng.trim_tasks("all")


def test_outbox_holds_only_what_consent_and_caps_allow(eng):
    entries = eng.poll_outbox(10)
    assert len(entries) == 1
    e = entries[0]
    assert e["customer_id"] == "c1" and e["rule"] == "welcome" and e["owner_id"] == "ann"
    assert e["action"] == {"send_email": {"template_id": "welcome"}}
    assert e["state"] == "pending" and e["attempts"] == 0 and e["last_error"] is None
    assert e["created_at"] == T0 and e["available_at"] == T0
    assert e["trigger"].startswith("event signup e1 ")
    assert eng.poll_outbox(10) == []  # in flight until acked
    frame = eng.outbox()
    assert list(frame.columns) == ["seq", "id", "customer_id", "rule", "trigger", "action", "owner_id",
                                   "created_at", "available_at", "attempts", "state", "last_error"]
    assert list(frame["customer_id"]) == ["c1"]  # c2 opted out, c1's second email capped
    assert frame["seq"].dtype == "int64" and frame["attempts"].dtype == "int64"
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)


def test_audit_names_the_reasons(eng):
    audit = eng.audit()
    assert list(audit.columns) == ["seq", "at", "rule", "playbook_version", "customer_id", "trigger", "depth",
                                   "outcome", "reason", "reads", "actions"]
    assert list(audit["seq"]) == list(range(1, len(audit) + 1))
    assert set(audit["playbook_version"]) == {"2026-11"}

    c2 = eng.audit(customer="c2", rule="welcome")
    assert len(c2) == 1 and c2["outcome"][0] == "fired"
    assert [(a["result"], a["reason"]) for a in c2["actions"][0]] == [("skipped", "no_consent")]

    c1 = eng.audit(customer="c1", rule="welcome")
    assert [[(a["result"], a["reason"]) for a in acts] for acts in c1["actions"]] == [
        [("outbox", None)], [("skipped", "frequency_cap")]]
    assert c1["actions"][0][0]["id"] == eng.outbox()["id"][0]

    routed = eng.audit(rule="route")
    assert list(routed["customer_id"]) == ["c1", "c2", "c3"]
    assert all(r == [("applied", None), ("applied", None)]
               for r in ([(a["result"], a["reason"]) for a in acts] for acts in routed["actions"]))

    assert len(eng.audit(after=2, limit=1)) == 1 and eng.audit(after=2, limit=1)["seq"][0] == 3
    last = int(audit["seq"].iloc[-1])
    eng.trim_audit(last - 1)
    assert list(eng.audit()["seq"]) == [last]
    assert eng.audit(customer="nobody").empty


def test_rule_stats(eng):
    stats = eng.rule_stats()
    assert list(stats.index) == ["route", "welcome"]
    assert list(stats.columns) == ["fired", "skipped", "applied", "outbox", "blocked"]
    assert stats.loc["route", "fired"] == 3
    assert stats.loc["welcome", "fired"] == 3
    assert stats.loc["welcome", "outbox"] == 1
    assert stats.loc["welcome", "blocked"] == 2  # no consent, frequency cap


def test_ack_nack_and_dead_letters(eng):
    first = eng.poll_outbox()[0]
    eng.ack(first["id"])
    eng.ack(first["id"])  # twice is fine
    assert list(eng.outbox(state="done")["id"]) == [first["id"]]

    eng.ingest_events([signup("e4", "c3", T0)])
    (entry,) = eng.poll_outbox()
    assert entry["customer_id"] == "c3"
    eng.nack(entry["id"], "smtp 451")
    assert eng.poll_outbox() == []  # backing off for a minute
    eng.advance_to(T0 + dt.timedelta(minutes=1))
    (again,) = eng.poll_outbox()
    assert again["id"] == entry["id"] and again["attempts"] == 1 and again["last_error"] == "smtp 451"
    eng.nack(entry["id"], "smtp 550")  # the second attempt: dead
    dead = eng.outbox(state="dead")
    assert list(dead["id"]) == [entry["id"]]
    assert dead["attempts"][0] == 2 and dead["last_error"][0] == "smtp 550"
    assert eng.outbox(state="pending").empty
    assert len(eng.outbox()) == 2 and len(eng.outbox(after=1)) == 1

    with pytest.raises(saleskit.FailedPreconditionError):
        eng.ack(entry["id"])
    with pytest.raises(saleskit.FailedPreconditionError):
        eng.nack(first["id"], "done already")


def test_ack_a_batch_all_or_none(eng):
    eng.ingest_events([signup("e4", "c3", T0)])
    ids = [e["id"] for e in eng.poll_outbox()]
    assert len(ids) == 2
    with pytest.raises(saleskit.NotFoundError, match='ack 2 of 3: no outbox entry with id "nope"; nothing was acked'):
        eng.ack([ids[0], "nope", ids[1]])
    assert eng.outbox(state="done").empty
    with pytest.raises(TypeError, match="ids\\[1\\] is int"):
        eng.ack([ids[0], 7])
    eng.ack(iter(ids + ids[:1]))  # any iterable; a repeat is fine
    assert sorted(eng.outbox(state="done")["id"]) == sorted(ids)
    eng.ack([])


def test_unknown_outbox_id_is_not_found(eng):
    with pytest.raises(saleskit.NotFoundError, match='no outbox entry with id "nope"') as info:
        eng.ack("nope")
    assert isinstance(info.value, saleskit.Error) and info.value.code == "NOT_FOUND"
    with pytest.raises(saleskit.NotFoundError, match="nope"):
        eng.nack("nope", "x")


def test_errors():
    eng = saleskit.Engine(start=T0)
    with pytest.raises(saleskit.InvalidArgumentError, match='rule "r": trigger.segment: there is no segment'):
        eng.define_playbook({"rules": [{"name": "r", "trigger": {"segment": {"segment": "nope", "on": "ENTER"}},
                                        "actions": [{"add_tag": "t"}]}]})
    assert eng.playbook()["rules"] == []  # all or nothing
    with pytest.raises(saleskit.InvalidArgumentError, match="state"):
        eng.outbox(state="lost")
    with pytest.raises(saleskit.InvalidArgumentError, match="outbox_max_attempts"):
        saleskit.Engine(outbox_max_attempts=0)
    with pytest.raises(saleskit.InvalidArgumentError, match="retry_base"):
        saleskit.Engine(outbox_retry_base=dt.timedelta(hours=7))
    with pytest.raises(saleskit.InvalidArgumentError, match="outbox_retry_max"):
        saleskit.Engine(outbox_retry_max=5)  # type: ignore[arg-type]
    # Empty logs still have their columns.
    assert list(eng.audit().columns)[:3] == ["seq", "at", "rule"]
    assert eng.outbox().empty and eng.tasks().empty and eng.rule_stats().empty
    assert eng.poll_outbox() == []


def test_json_text_playbook_and_a_new_version():
    import json

    eng = saleskit.Engine(start=T0)
    text = dict(PLAYBOOK, policies={"caps": [{"channel": "email", "max": 1, "window": "86400s"}]})
    eng.define_playbook(json.dumps(text))
    eng.upsert_customers([{"id": "c1", "employee_count": 500}])
    v2 = dict(PLAYBOOK, version="v2", owners=[{"id": "ann", "unavailable": True}, {"id": "bob"}, {"id": "cy"}])
    eng.define_playbook(v2)
    eng.upsert_customers([{"id": "c2", "employee_count": 900}])
    assert eng.get_customer("c2")["owner_id"] == "bob"
    assert eng.audit(customer="c2")["playbook_version"][0] == "v2"


def test_set_owner_available_without_a_new_version(eng):
    owners = lambda ids: [eng.get_customer(i).get("owner_id") for i in ids]  # noqa: E731
    assert owners(["c1", "c2", "c3"]) == ["ann", "cy", "ann"]
    eng.set_owner_available("cy", False)
    eng.upsert_customers([{"id": "c5", "employee_count": 900}, {"id": "c6", "employee_count": 900}])
    assert owners(["c5", "c6"]) == ["ann", "ann"]
    eng.set_owner_available("cy", True)
    eng.upsert_customers([{"id": "c7", "employee_count": 900}])
    assert owners(["c7"]) == ["cy"]
    # Everyone away and no fallback: audited as no_owner, the customer stays unassigned.
    for owner in ("ann", "cy"):
        eng.set_owner_available(owner, False)
    eng.upsert_customers([{"id": "c8", "employee_count": 900}])
    assert eng.get_customer("c8").get("owner_id") is None
    [record] = eng.audit(customer="c8", rule="route")["actions"]
    assert (record[0]["result"], record[0]["reason"]) == ("skipped", "no_owner")
    assert record[0]["detail"] == "pool reps has no available owner"
    with pytest.raises(saleskit.NotFoundError, match='"zed"'):
        eng.set_owner_available("zed", False)
    with pytest.raises(saleskit.InvalidArgumentError, match="bool"):
        eng.set_owner_available("ann", "yes")
