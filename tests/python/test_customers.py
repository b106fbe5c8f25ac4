"""Customers through the Python API: round trips, merge semantics, inputs."""

import datetime as dt

import pytest

import saleskit

UTC = dt.timezone.utc


FULL = {
    "id": "c1",
    "account_id": "a1",
    "email": "ada@example.com",
    "phone": "+49 30 1234567",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "title": "CTO",
    "company": "Analytical Engines",
    "industry": "SaaS",
    "country": "DE",
    "region": "Berlin",
    "timezone": "Europe/Berlin",
    "employee_count": 120,
    "annual_revenue": 2.5e6,
    "lifecycle_stage": "marketing_qualified",
    "lead_source": "webinar",
    "owner_id": "u7",
    "created_at": dt.datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    "updated_at": dt.datetime(2025, 3, 2, 10, 0, 0, 123456, tzinfo=UTC),
    "tags": ["beta", "vip"],
    "consent": {
        "email": {"status": "opted_in", "source": "signup_form", "at": dt.datetime(2025, 3, 1, tzinfo=UTC)},
        "sms": {"status": "opted_out"},
    },
    "do_not_contact": False,
    "attrs": {
        "plan": "pro",
        "seats": 12,
        "nps": 8.5,
        "trial": True,
        "renews_at": dt.datetime(2026, 6, 1, tzinfo=UTC),
        "languages": ["en", "de"],
    },
}


def test_round_trip_every_kind_of_field(engine):
    rep = engine.upsert_customers([FULL])
    assert rep == saleskit.LoadReport(received=1, inserted=1)
    got = engine.get_customer("c1")
    assert got == FULL
    assert got["created_at"].tzinfo is not None
    assert len(engine) == 1 and engine.customer_count == 1
    assert "c1" in engine and "nobody" not in engine


def test_typed_attrs_and_proto_enum_names_pass_through(engine):
    engine.upsert_customers([{
        "id": "c1",
        "lifecycle_stage": "LIFECYCLE_STAGE_LEAD",
        "attrs": {"seats": {"int_value": 3}, "since": {"timestamp_value": "2025-01-01T00:00:00Z"}},
    }])
    got = engine.get_customer("c1")
    assert got["lifecycle_stage"] == "lead"
    assert got["attrs"] == {"seats": 3, "since": dt.datetime(2025, 1, 1, tzinfo=UTC)}


def test_naive_datetimes_are_utc(engine):
    engine.upsert_customers([{"id": "c1", "created_at": dt.datetime(2025, 1, 1, 12, 0)}])
    assert engine.get_customer("c1")["created_at"] == dt.datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def test_merge_keeps_absent_fields_and_clear_fields_clears(engine):
    engine.upsert_customers([FULL])
    rep = engine.upsert_customers([
        {"id": "c1", "email": "ada@new.example", "title": None, "clear_fields": ["phone", "attrs.plan", "tags"]}])
    assert (rep.inserted, rep.updated) == (0, 1)
    got = engine.get_customer("c1")
    assert got["email"] == "ada@new.example"
    assert got["title"] == "CTO"  # None is absent: kept
    assert got["company"] == "Analytical Engines"
    assert "phone" not in got and "tags" not in got
    assert "plan" not in got["attrs"] and got["attrs"]["seats"] == 12


def test_erase_and_not_found(engine):
    engine.upsert_customers([{"id": "c1"}, {"id": "c2"}])
    engine.erase_customer("c1")
    assert len(engine) == 1
    with pytest.raises(saleskit.NotFoundError, match='"c1"'):
        engine.get_customer("c1")
    with pytest.raises(saleskit.NotFoundError) as e:
        engine.erase_customer("c1")
    assert e.value.code == "NOT_FOUND"
    assert isinstance(e.value, saleskit.Error) and isinstance(e.value, LookupError)


def test_accounts_and_deals(engine):
    rep = engine.upsert_accounts([{"id": "a1", "name": "Acme", "employee_count": 50, "attrs": {"tier": "gold"}}])
    assert rep.inserted == 1
    rep = engine.upsert_deals([
        {"id": "d1", "account_id": "a1", "amount": 1000.0, "status": "won",
         "close_date": dt.datetime(2026, 2, 1)},
        {"id": "d2", "account_id": "a1", "status": "open"},
    ])
    assert rep.inserted == 2
    rep = engine.upsert_deals([{"id": "d2", "status": "lost"}])
    assert rep.updated == 1
    s = engine.stats()
    assert (s["accounts"], s["deals"]) == (1, 2)


def test_dataframe(engine):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({
        "id": ["c1", "c2", "c3"],
        "email": ["a@x.io", None, "c@x.io"],
        "employee_count": [10, None, 30],  # float64 with NaN: still integers
        "lifecycle_stage": ["lead", "customer", None],
        "tags": [["a", "b"], None, "c"],
        "created_at": pd.to_datetime(["2025-01-01 09:00", "2025-01-02 00:00", None]),
        "attrs.score": [1.0, 2.0, float("nan")],  # double from the dtype, not inferred int
        "attrs.plan": ["pro", "free", None],
        "attrs.active": [True, False, True],
    })
    rep = engine.upsert_customers(df)
    assert (rep.received, rep.inserted) == (3, 3)
    c1, c2, c3 = (engine.get_customer(i) for i in ("c1", "c2", "c3"))
    assert c1["tags"] == ["a", "b"] and c3["tags"] == ["c"]
    assert c1["employee_count"] == 10 and "employee_count" not in c2
    assert "email" not in c2
    assert c1["created_at"] == dt.datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert "created_at" not in c3
    assert c1["attrs"] == {"active": True, "plan": "pro", "score": 1.0}
    assert isinstance(c1["attrs"]["score"], float)
    assert c3["attrs"] == {"active": True}
    assert c2["lifecycle_stage"] == "customer"


def test_csv_file_with_schema(engine, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("id,email,attrs.zip,consent.email\nc1,a@x.io,01234,opted_in\nc2,,99,\n")
    rep = engine.upsert_customers(path, schema={"zip": "string"})
    assert rep.inserted == 2
    assert engine.get_customer("c1")["attrs"]["zip"] == "01234"
    assert engine.get_customer("c2")["attrs"]["zip"] == "99"
    assert engine.get_customer("c1")["consent"] == {"email": {"status": "opted_in"}}
    # str paths work too, and format= overrides the extension
    other = tmp_path / "more.txt"
    other.write_text('{"id": "c3"}\n')
    assert engine.upsert_customers(str(other), format="ndjson").inserted == 1


def test_ndjson_file_and_text(engine, tmp_path):
    path = tmp_path / "customers.ndjson"
    path.write_text('{"id": "c1", "lifecycle_stage": "LIFECYCLE_STAGE_LEAD"}\n\n{"id": "c2"}\n')
    assert engine.upsert_customers(str(path)).inserted == 2
    assert engine.upsert_customers('[{"id": "c3"}]', format="json").inserted == 1
    assert engine.upsert_customers(b"id\nc4\n", format="csv").inserted == 1
    assert len(engine) == 4
    with pytest.raises(saleskit.InvalidArgumentError, match="format"):
        engine.upsert_customers(b"id\nc5\n")
    with pytest.raises(saleskit.InvalidArgumentError, match="cannot tell the format"):
        engine.upsert_customers(tmp_path / "customers.xlsx")


def test_version():
    assert saleskit.__version__.count(".") == 2
