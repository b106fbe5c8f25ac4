"""Events, their aggregates through stats, de-duplication, and the engine clock."""

import datetime as dt

import pytest

import saleskit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 1, 9, tzinfo=UTC)


def test_events_update_stats(engine):
    engine.upsert_customers([{"id": "c1"}, {"id": "c2"}])
    rep = engine.ingest_events([
        {"customer_id": "c1", "type": "email_open", "occurred_at": T0},
        {"customer_id": "c1", "type": "email_click", "occurred_at": T0 + dt.timedelta(minutes=5),
         "properties": {"campaign": "spring", "n": 2, "first": True}},
        {"customer_id": "c2", "type": "purchase", "occurred_at": T0, "value": 99.5},
    ])
    assert (rep.received, rep.inserted) == (3, 3)
    s = engine.stats()
    assert (s["customers"], s["events"], s["event_types"]) == (2, 3, 3)
    assert set(s) == {"customers", "accounts", "deals", "events", "event_types", "custom_attributes",
                      "column_bytes", "dictionary_bytes"}
    assert s["column_bytes"] > 0


def test_dedup_by_id(engine):
    engine.upsert_customers([{"id": "c1"}])
    ev = {"id": "e1", "customer_id": "c1", "type": "page_view", "occurred_at": T0}
    assert engine.ingest_events([ev]).inserted == 1
    rep = engine.ingest_events([ev, dict(ev, id="e2")])
    assert (rep.inserted, rep.duplicates) == (1, 1)
    assert engine.stats()["events"] == 2


def test_dedup_horizon_option():
    eng = saleskit.Engine(dedup_horizon=dt.timedelta(hours=1))
    eng.upsert_customers([{"id": "c1"}])
    ev = {"id": "e1", "customer_id": "c1", "type": "page_view", "occurred_at": T0}
    eng.ingest_events([ev])
    # Much later traffic moves past the horizon; the old id is forgotten.
    eng.ingest_events([{"customer_id": "c1", "type": "page_view", "occurred_at": T0 + dt.timedelta(days=1)}])
    rep = eng.ingest_events([dict(ev, occurred_at=T0 + dt.timedelta(days=1))])
    assert rep.duplicates == 0


def test_unknown_customer_options(engine):
    engine.upsert_customers([{"id": "c1"}])
    events = [{"customer_id": "c1", "type": "call", "occurred_at": T0},
              {"customer_id": "ghost", "type": "call", "occurred_at": T0}]
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'record 2 \(line 2\), field "customer_id": unknown customer "ghost"'):
        engine.ingest_events(events)
    assert engine.stats()["events"] == 0  # the valid event of the failed batch was not applied

    rep = engine.ingest_events(events, unknown_customer="skip")
    assert (rep.inserted, rep.skipped_unknown_customer) == (1, 1)
    assert len(engine) == 1

    rep = engine.ingest_events(events, unknown_customer="create")
    assert (rep.inserted, rep.created_customers) == (2, 1)
    assert engine.get_customer("ghost") == {"id": "ghost"}

    with pytest.raises(saleskit.InvalidArgumentError, match="unknown_customer"):
        engine.ingest_events(events, unknown_customer="maybe")


def test_events_from_dataframe_and_file(engine, tmp_path):
    pd = pytest.importorskip("pandas")
    engine.upsert_customers([{"id": "c1"}])
    df = pd.DataFrame({"customer_id": ["c1", "c1"], "type": ["email_open", "purchase"],
                       "occurred_at": pd.to_datetime(["2026-01-01 09:00", "2026-01-02 10:00"], utc=True),
                       "value": [None, 10.0], "properties.channel": ["email", None]})
    assert engine.ingest_events(df).inserted == 2
    path = tmp_path / "events.jsonl"
    path.write_text('{"customer_id": "c1", "type": "call", "occurred_at": "2026-01-03T00:00:00Z"}\n')
    assert engine.ingest_events(path).inserted == 1
    assert engine.stats()["events"] == 3


def test_clock(engine):
    assert engine.now == dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert saleskit.Engine().now == dt.datetime(1970, 1, 1, tzinfo=UTC)
    engine.advance_to(dt.datetime(2026, 1, 2, 12, 30))  # naive: UTC
    assert engine.now == dt.datetime(2026, 1, 2, 12, 30, tzinfo=UTC)
    assert engine.now.tzinfo is not None
    berlin = dt.timezone(dt.timedelta(hours=1))
    engine.advance_to(dt.datetime(2026, 1, 2, 14, 30, tzinfo=berlin))
    assert engine.now == dt.datetime(2026, 1, 2, 13, 30, tzinfo=UTC)
    engine.advance_to(engine.now)  # staying put is allowed
    with pytest.raises(saleskit.InvalidArgumentError, match="only moves forward"):
        engine.advance_to(dt.datetime(2026, 1, 1, tzinfo=UTC))
    assert engine.now == dt.datetime(2026, 1, 2, 13, 30, tzinfo=UTC)


def test_concurrent_loads():
    import threading

    eng = saleskit.Engine()
    def load(k):
        eng.upsert_customers([{"id": "t%d-%d" % (k, i)} for i in range(200)])
    threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(eng) == 800


def test_activity_summarises_events_per_type(engine):
    import datetime as dt
    engine.upsert_customers([{"id": "c1"}])
    t = dt.datetime(2026, 1, 5, 10, tzinfo=dt.timezone.utc)
    engine.ingest_events([
        {"id": "p1", "customer_id": "c1", "type": "purchase", "occurred_at": t, "value": 10.0},
        {"id": "p2", "customer_id": "c1", "type": "purchase", "occurred_at": t - dt.timedelta(days=2), "value": 5.5},
        {"id": "p2", "customer_id": "c1", "type": "purchase", "occurred_at": t - dt.timedelta(days=2), "value": 5.5},
        {"customer_id": "c1", "type": "email_open", "occurred_at": t},
    ])
    activity = engine.get_activity("c1")
    assert set(activity) == {"email_open", "purchase"}
    assert activity["purchase"]["count"] == 2  # the redelivered p2 counts once
    assert activity["purchase"]["sum"] == 15.5
    assert activity["purchase"]["first"] == t - dt.timedelta(days=2)
    assert activity["purchase"]["last"] == t
    engine.erase_customer("c1")
    with pytest.raises(saleskit.NotFoundError):
        engine.get_activity("c1")
