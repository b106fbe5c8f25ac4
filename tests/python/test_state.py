"""Durable engines from Python (Engine.open): a reopened engine has the same
customers, outbox and audit log; batched mode acknowledges on flush; a file
already open is locked; a damaged file is DataLossError; closing releases it;
checkpoints are loaded on reopen; erasure on a durable engine lasts."""
import datetime as dt

import pytest

import saleskit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 2, 12, 0, tzinfo=UTC)

PLAYBOOK = {
    "version": "v1",
    "rules": [{"name": "welcome", "trigger": {"event": {"type": "signup"}},
               "actions": [{"send_email": {"template_id": "welcome"}}]}],
}


def signup(id_, customer, minutes):
    return {"id": id_, "customer_id": customer, "type": "signup",
            "occurred_at": T0 - dt.timedelta(minutes=minutes)}


def fill(eng):
    eng.define_playbook(PLAYBOOK)
    eng.upsert_customers([{"id": "c1", "email": "ada@example.com"}, {"id": "c2"}])
    eng.ingest_events([signup("e1", "c1", 60), signup("e2", "c2", 50)])


def test_reopen_keeps_outbox_and_audit(tmp_path):
    path = tmp_path / "crm.saleskit"
    with saleskit.Engine.open(path, start=T0) as eng:
        assert eng.durable
        fill(eng)
        [entry] = eng.poll_outbox(limit=1)
        eng.ack(entry["id"])
        assert eng.acknowledged == 4  # playbook, customers, events, ack
        eng.ack([entry["id"], entry["id"]])  # a batch: one entry
        assert eng.acknowledged == 5
        outbox, audit = eng.outbox(), eng.audit()
        assert list(outbox["state"]) == ["done", "pending"]
        assert len(audit) == 2
    with saleskit.Engine.open(str(path)) as again:
        assert again.now == T0  # the file's start
        assert len(again) == 2
        assert again.acknowledged == 5
        pd_testing = pytest.importorskip("pandas.testing")
        pd_testing.assert_frame_equal(again.outbox(), outbox)
        pd_testing.assert_frame_equal(again.audit(), audit)
        assert again.playbook()["version"] == "v1"


def test_batched_mode_acknowledges_on_flush(tmp_path):
    path = tmp_path / "batched.saleskit"
    with saleskit.Engine.open(path, durability="batched", batch_records=100, batch_interval=3600, start=T0) as eng:
        fill(eng)
        assert eng.acknowledged == 0
        eng.flush()
        assert eng.acknowledged == 3
        eng.ingest_events([signup("e3", "c1", 10)])
        assert eng.acknowledged == 3
    # Closing commits what was pending.
    with saleskit.Engine.open(path, durability="batched",
                              batch_interval=dt.timedelta(milliseconds=5)) as again:
        assert again.acknowledged == 4
        assert again.get_activity("c1")["signup"]["count"] == 2


def test_second_open_of_an_open_file_is_locked(tmp_path):
    path = tmp_path / "locked.saleskit"
    first = saleskit.Engine.open(path)
    with pytest.raises(saleskit.FailedPreconditionError, match="is locked by another process") as info:
        saleskit.Engine.open(path)
    assert str(path) in str(info.value)
    first.close()
    first.close()  # twice is fine
    with pytest.raises(saleskit.FailedPreconditionError, match="closed"):
        len(first)
    assert repr(first) == "saleskit.Engine(closed)"
    saleskit.Engine.open(path).close()  # released


def test_damaged_file_is_data_loss(tmp_path):
    path = tmp_path / "garbage.saleskit"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(8192)))
    with pytest.raises(saleskit.DataLossError) as info:
        saleskit.Engine.open(path)
    assert info.value.code == "DATA_LOSS"
    assert str(path) in str(info.value)


def test_bad_options(tmp_path):
    path = tmp_path / "x.saleskit"
    with pytest.raises(saleskit.InvalidArgumentError, match="durability"):
        saleskit.Engine.open(path, durability="eventually")
    with pytest.raises(saleskit.InvalidArgumentError, match="batch_records"):
        saleskit.Engine.open(path, durability="batched", batch_records=0)
    with pytest.raises(saleskit.InvalidArgumentError, match="batch_interval"):
        saleskit.Engine.open(path, batch_interval="soon")
    with pytest.raises(saleskit.InvalidArgumentError, match="outbox_max_attempts"):
        saleskit.Engine.open(path, outbox_max_attempts=0)
    with pytest.raises(saleskit.InvalidArgumentError, match="checkpoint_every"):
        saleskit.Engine.open(path, checkpoint_every=-1)
    assert not path.exists()


def test_in_memory_engine_flush_is_a_no_op():
    eng = saleskit.Engine()
    eng.flush()
    eng.checkpoint()
    assert eng.acknowledged == 0 and not eng.durable and eng.checkpoint_seq == 0


def test_checkpoint_is_loaded_on_reopen(tmp_path):
    path = tmp_path / "checkpointed.saleskit"
    with saleskit.Engine.open(path, start=T0, checkpoint_every=0) as eng:
        fill(eng)
        assert eng.checkpoint_seq == 0  # 0: only when asked
        eng.checkpoint()
        assert eng.checkpoint_seq == 3
        eng.ingest_events([signup("e3", "c1", 10)])  # journaled after the checkpoint
        audit = eng.audit()
    with saleskit.Engine.open(path) as again:
        assert again.checkpoint_seq == 3
        assert again.acknowledged == 4
        assert again.get_activity("c1")["signup"]["count"] == 2
        pd_testing = pytest.importorskip("pandas.testing")
        pd_testing.assert_frame_equal(again.audit(), audit)
    # Automatic checkpoints: every 2 inputs.
    with saleskit.Engine.open(tmp_path / "auto.saleskit", start=T0, checkpoint_every=2) as eng:
        fill(eng)
        assert eng.checkpoint_seq >= 2


def test_erasure_on_a_durable_engine_lasts(tmp_path):
    path = tmp_path / "erase.saleskit"
    with saleskit.Engine.open(path, start=T0) as eng:
        fill(eng)
        eng.erase_customer("c1")
        assert eng.checkpoint_seq == eng.acknowledged  # the erasure checkpointed at once
    with saleskit.Engine.open(path) as again:
        assert len(again) == 1
        with pytest.raises(saleskit.NotFoundError):
            again.get_customer("c1")
        assert "c1" not in set(again.audit()["customer_id"])
    assert b"ada@example.com" not in path.read_bytes()


def test_erase_customers_is_all_or_none_with_one_checkpoint(tmp_path):
    path = tmp_path / "erase_many.saleskit"
    with saleskit.Engine.open(path, start=T0, checkpoint_every=0) as eng:
        fill(eng)
        eng.upsert_customers([{"id": "c3", "email": "grace@example.com"}])
        inputs = eng.acknowledged
        refused = r'erase 2 of 3: no customer with id "nobody"; nothing was erased'
        with pytest.raises(saleskit.NotFoundError, match=refused):
            eng.erase_customers(["c1", "nobody", "c3"])
        with pytest.raises(saleskit.InvalidArgumentError, match=r'erase 2 of 2: customer "c1" is erase 1 too'):
            eng.erase_customers(iter(["c1", "c1"]))
        with pytest.raises(TypeError, match=r"ids\[1\] is int"):
            eng.erase_customers(["c1", 3])
        assert len(eng) == 3 and eng.acknowledged == inputs  # nothing erased, nothing written
        eng.erase_customers(("c1", "c3"))
        assert eng.acknowledged == inputs + 1 == eng.checkpoint_seq  # one entry, checkpointed at once
    with saleskit.Engine.open(path) as again:
        assert len(again) == 1
        again.get_customer("c2")
    data = path.read_bytes()
    assert b"ada@example.com" not in data and b"grace@example.com" not in data


def test_owner_availability_survives_a_reopen(tmp_path):
    path = tmp_path / "owners.saleskit"
    playbook = {
        "segments": [{"name": "hot", "condition": "customer.employee_count >= 100"}],
        "owners": [{"id": "ann"}, {"id": "cy"}],
        "pools": [{"name": "reps", "strategy": "ROUND_ROBIN", "owners": ["ann", "cy"]}],
        "rules": [{"name": "route", "trigger": {"segment": {"segment": "hot", "on": "ENTER"}},
                   "actions": [{"assign_owner": {"pool": "reps"}}]}],
    }
    with saleskit.Engine.open(path, start=T0) as eng:
        eng.define_playbook(playbook)
        eng.set_owner_available("ann", False)
        assert eng.acknowledged == 2
    with saleskit.Engine.open(path) as eng:
        eng.upsert_customers([{"id": "c1", "employee_count": 500}, {"id": "c2", "employee_count": 500}])
        assert [eng.get_customer(c)["owner_id"] for c in ("c1", "c2")] == ["cy", "cy"]
