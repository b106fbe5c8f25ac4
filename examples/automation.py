"""The automation runner on a durable engine, from Python: a playbook whose
rule sends a welcome email to new sign-ups from Europe and routes them to an
owner with a task to call; the host polls the outbox, delivers and acks, and
hands the tasks to its CRM; the audit says what each decision read. After a
checkpoint and a reopen the outbox, audit and task seqs are back.

    python examples/automation.py
"""
import datetime as dt
import pathlib
import tempfile

import saleskit

PLAYBOOK = {
    "version": "2026.11-example",
    "owners": [{"id": "ann"}, {"id": "bob"}],
    "pools": [{"name": "eu_reps", "strategy": "ROUND_ROBIN", "owners": ["ann", "bob"]}],
    "rules": [{
        "name": "welcome_eu",
        "trigger": {"event": {"type": "signup"}},
        "condition": 'customer.country in ["DE", "FR", "ES"]',
        "actions": [{"send_email": {"template_id": "welcome"}}, {"assign_owner": {"pool": "eu_reps"}},
                    {"create_task": {"title": "Call", "due_in_business_hours": 8}}],
    }],
}

T0 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc)


def signup(event_id, customer, minute):
    return {"id": event_id, "customer_id": customer, "type": "signup",
            "occurred_at": dt.datetime(2026, 11, 2, 9, minute, tzinfo=dt.timezone.utc)}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        run(pathlib.Path(tmp) / "crm.saleskit")


def run(path):
    with saleskit.Engine.open(path, start=T0) as eng:  # every call journaled; close releases the file
        eng.define_playbook(PLAYBOOK)
        eng.upsert_customers([{"id": "c1", "country": "DE"}, {"id": "c2", "country": "US"},
                              {"id": "c3", "country": "FR"}])
        eng.ingest_events([signup("e1", "c1", 0), signup("e2", "c2", 5), signup("e3", "c3", 10)])

        # One record per decision: fired, or skipped and why, with what the condition read.
        for row in eng.audit().itertuples():
            reads = " ".join("%s=%s" % (r["name"], r["value"]) for r in row.reads)
            print("audit", row.seq, row.rule, row.customer_id, row.outcome, reads)

        # Deliver, then ack what was delivered in one call (or nack an entry:
        # retried with backoff, dead after max attempts).
        delivered = []
        for entry in eng.poll_outbox(limit=1):
            print("deliver", entry["customer_id"], entry["rule"])
            delivered.append(entry["id"])
        eng.ack(delivered)
        print("owner of c1:", eng.get_customer("c1")["owner_id"])

        # Tasks since the last one handed to the CRM (0: none yet), then trimmed.
        for row in eng.tasks(after=0).itertuples():
            print("task", row.seq, row.customer_id, row.owner_id, row.title, "due", row.due_at.isoformat())
        eng.trim_tasks(eng.last_task)

        eng.checkpoint()  # the whole state; a reopen loads it instead of replaying every input
        print("checkpoint through input", eng.checkpoint_seq)

    with saleskit.Engine.open(path) as again:
        print("reopened:", again.acknowledged, "inputs,", len(again.audit()), "audit records,",
              len(again.tasks()), "tasks, last task", again.last_task)
        for row in again.outbox().itertuples():
            print("  outbox", row.seq, row.customer_id, row.rule, row.state)


if __name__ == "__main__":
    main()
