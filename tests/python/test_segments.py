"""Live segments from Python: definitions and their errors, members as numpy
arrays, change records as a DataFrame, time-driven exits, explain, derived
event kinds, and agreement with the batch evaluation and with eval's match."""
import datetime as dt

import numpy as np
import pytest

import saleskit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)


def make_engine() -> saleskit.Engine:
    eng = saleskit.Engine(start=T0)
    eng.define_event_kinds([{
        "name": "pricing_view",
        "condition": 'event.type == "page_view" && event.properties.url.startsWith("/pricing")',
    }])
    # hot reads saas before saas is listed: the order of a batch does not matter.
    eng.define_segments([
        {"name": "hot", "condition": 'in_segment("saas") && events.count("pricing_view", days(14)) >= 2'},
        {"name": "saas", "condition": 'customer.industry == "SaaS"', "description": "software companies"},
    ])
    eng.upsert_customers([{"id": "c1", "industry": "SaaS"}, {"id": "c2", "industry": "Retail"},
                          {"id": "c3", "industry": "SaaS"}])
    return eng


def events(*rows):
    return [{"customer_id": c, "type": "page_view", "occurred_at": t, "properties": {"url": u}} for c, t, u in rows]


def test_members_are_numpy_arrays_kept_current_by_events():
    eng = make_engine()
    members = eng.segment_members("saas")
    assert isinstance(members, np.ndarray)
    assert list(members) == ["c1", "c3"]
    assert eng.segment_count("hot") == 0
    eng.ingest_events(events(("c1", "2026-03-01T09:00:00Z", "/pricing"),
                             ("c1", "2026-03-01T10:00:00Z", "/pricing/team"),
                             ("c2", "2026-03-01T10:00:00Z", "/pricing"),
                             ("c3", "2026-03-01T10:00:00Z", "/blog")))
    assert list(eng.segment_members("hot")) == ["c1"]
    assert eng.is_member("hot", "c1") and not eng.is_member("hot", "c3")
    with pytest.raises(saleskit.NotFoundError, match='no segment named "nope"'):
        eng.segment_count("nope")
    with pytest.raises(saleskit.NotFoundError):
        eng.is_member("hot", "nobody")


def test_changes_dataframe_and_time_driven_exit():
    eng = make_engine()
    eng.ingest_events(events(("c1", "2026-03-01T09:00:00Z", "/pricing"),
                             ("c1", "2026-03-02T09:00:00Z", "/pricing")))
    eng.advance_to(dt.datetime(2026, 4, 1, tzinfo=UTC))
    changes = eng.segment_changes()
    assert list(changes.columns) == ["seq", "at", "segment", "customer_id", "kind"]
    rows = [(r.seq, r.at.isoformat(), r.segment, r.customer_id, r.kind) for r in changes.itertuples()]
    assert rows == [
        (1, "2026-03-01T00:00:00+00:00", "saas", "c1", "enter"),
        (2, "2026-03-01T00:00:00+00:00", "saas", "c3", "enter"),
        (3, "2026-03-02T00:00:00+00:00", "hot", "c1", "enter"),  # the second view enters the window
        # The first view (March 1) leaves the 14-day window when March 15 begins.
        (4, "2026-03-15T00:00:00+00:00", "hot", "c1", "exit"),
    ]
    assert eng.last_segment_change == 4
    assert list(eng.segment_changes(after=2, limit=1).seq) == [3]
    eng.trim_segment_changes(3)
    assert list(eng.segment_changes().seq) == [4]


def test_explain_gives_each_clause():
    eng = make_engine()
    x = eng.explain_segment("hot", "c3")
    assert x["member"] is False
    assert x["clauses"] == [
        {"depth": 0, "text": 'in_segment("saas")', "value": True, "error": None},
        {"depth": 0, "text": 'events.count("pricing_view", days(14)) >= 2', "value": False, "error": None},
    ]
    eng.define_segment("big", 'customer.employee_count >= 50 || customer.industry == "SaaS"')
    clauses = eng.explain_segment("big", "c2")["clauses"]
    assert clauses[0]["value"] is None and "no such overload" in clauses[0]["error"]
    assert clauses[1] == {"depth": 0, "text": 'customer.industry == "SaaS"', "value": False, "error": None}


def test_bad_definitions_raise_naming_the_segment_and_change_nothing():
    eng = make_engine()
    with pytest.raises(saleskit.InvalidArgumentError, match='segment "n": the condition must be bool, not int'):
        eng.define_segment("n", "customer.employee_count + 1")
    with pytest.raises(saleskit.InvalidArgumentError, match="in a cycle: a -> b -> a"):
        eng.define_segments([{"name": "a", "condition": 'in_segment("b")'},
                             {"name": "b", "condition": 'in_segment("a")'}])
    with pytest.raises(saleskit.InvalidArgumentError, match='in_segment\\("ghost"\\): there is no segment named'):
        eng.define_segment("x", 'in_segment("ghost")')
    with pytest.raises(saleskit.InvalidArgumentError, match="already exists"):
        eng.define_segment("saas", "true")
    with pytest.raises(saleskit.InvalidArgumentError, match=r'segment "s": Syntax error: 1:\d+'):
        eng.define_segment("s", "customer.country ==")
    with pytest.raises(saleskit.InvalidArgumentError, match="event kind \"k\": ERROR"):
        eng.define_playbook({"event_kinds": [{"name": "k", "condition": "event.nope"}],
                             "segments": [{"name": "fine", "condition": "true"}]})
    assert [s["name"] for s in eng.playbook()["segments"]] == ["saas", "hot"]
    assert [k["name"] for k in eng.playbook()["event_kinds"]] == ["pricing_view"]
    with pytest.raises(saleskit.FailedPreconditionError, match='read by segment "hot"'):
        eng.remove_segment("saas")
    eng.remove_segment("hot")
    eng.remove_segment("saas")
    assert eng.playbook()["segments"] == []


def test_live_members_equal_batch_evaluation_and_match():
    eng = saleskit.Engine(start=T0)
    conditions = {
        "clicky": 'events.count("email_click", days(3)) >= 2',
        "de_or_big": 'customer.country == "DE" || customer.employee_count >= 100',
        "both": 'in_segment("clicky") && in_segment("de_or_big")',
    }
    eng.define_segments([{"name": n, "condition": c} for n, c in conditions.items()])
    rng = np.random.default_rng(7)
    eng.upsert_customers([{"id": "c%02d" % i, "country": ["DE", "FR"][i % 2], "employee_count": int(rng.integers(0, 200))}
                          for i in range(40)])
    for day in range(10):
        eng.ingest_events([{"customer_id": "c%02d" % rng.integers(0, 40), "type": "email_click",
                            "occurred_at": (T0 + dt.timedelta(days=day, hours=int(rng.integers(0, 24)))).isoformat()}
                           for _ in range(15)])
        eng.advance_to(T0 + dt.timedelta(days=day + 1))
        batch = eng.evaluate_segments()
        for name in conditions:
            live = eng.segment_members(name)
            assert list(live) == list(batch[name])
            if name != "both":
                assert list(live) == eng.match(conditions[name])
