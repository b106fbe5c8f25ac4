"""Bad input raises the right saleskit.Error, names record/line/field, and changes nothing."""

import datetime as dt

import pytest

import saleskit

UTC = dt.timezone.utc


@pytest.fixture
def loaded(engine):
    engine.upsert_customers([{"id": "keep", "email": "keep@x.io", "attrs": {"seats": 3}}])
    return engine


def assert_unchanged(engine):
    assert len(engine) == 1
    assert engine.get_customer("keep") == {"id": "keep", "email": "keep@x.io", "attrs": {"seats": 3}}


@pytest.mark.parametrize("data, fmt, pattern", [
    # malformed JSON (one bad record of two)
    (b'[{"id": "c1", "email": "a@x.io"},\n {"id": c2}]', "json", r"record 2 \(line 2\): malformed JSON"),
    # JSON that never ends
    (b'[{"id": "c1"', "json", r"line 1: malformed JSON"),
    # CSV row with too many cells
    (b"id,email\nc1,a@x.io\nc2,b@x.io,extra\n", "csv", r"record 2 \(line 3\).*3 cells, the header has 2"),
    # unclosed quote
    (b'id,email\nc1,"a@x.io\nc2,b@x.io\n', "csv", r"line 2: unclosed quote"),
    # unknown time zone
    (b'{"id": "c1"}\n{"id": "c2", "timezone": "Mars/Base"}\n', "ndjson",
     r'record 2 \(line 2\), field "timezone": unknown time zone "Mars/Base"'),
    # empty id
    (b"id,email\nc1,a@x.io\n,b@x.io\n", "csv", r'record 2 \(line 3\), field "id": .*empty'),
    # unparseable timestamp (CSV and JSON)
    (b"id,created_at\nc1,2025-01-01\nc2,yesterday\n", "csv",
     r'record 2 \(line 3\), field "created_at": invalid timestamp "yesterday"'),
    (b'{"id": "c1", "created_at": "yesterday"}\n', "ndjson", r"record 1 \(line 1\).*created_at.*yesterday"),
    # attribute type conflict with the stored int64
    (b"id,attrs.seats\nc1,many\n", "csv", r'record 1 \(line 2\), field "attrs.seats": type conflict'),
    # unknown field / column
    (b'{"id": "c1", "emial": "a@x.io"}\n', "ndjson", r"record 1 \(line 1\).*emial"),
    (b"id,emial\nc1,a@x.io\n", "csv", r'unknown column "emial".*did you mean "email"'),
])
def test_bad_input_rejects_the_batch(loaded, data, fmt, pattern):
    with pytest.raises(saleskit.InvalidArgumentError, match=pattern) as e:
        loaded.upsert_customers(data, format=fmt)
    assert e.value.code == "INVALID_ARGUMENT"
    assert isinstance(e.value, saleskit.Error) and isinstance(e.value, ValueError)
    assert_unchanged(loaded)


def test_type_conflict_from_dicts_names_record_and_field(loaded):
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'record 2 \(line 2\), field "attrs.seats": type conflict') as e:
        loaded.upsert_customers([{"id": "keep", "email": "changed@x.io"}, {"id": "c2", "attrs": {"seats": "x"}}])
    assert "nothing applied" in str(e.value)
    assert_unchanged(loaded)


def test_unconvertible_python_value_rejects_the_batch(loaded):
    with pytest.raises(saleskit.InvalidArgumentError, match=r'record 2 \(line 2\), field "attrs.blob"'):
        loaded.upsert_customers([{"id": "c1"}, {"id": "c2", "attrs": {"blob": object()}}])
    with pytest.raises(saleskit.InvalidArgumentError, match=r'record 1 \(line 1\), field "attrs.big": .*int64'):
        loaded.upsert_customers([{"id": "c1", "attrs": {"big": 2 ** 70}}])
    assert_unchanged(loaded)


def test_unknown_fields_accepted_when_ignored(loaded):
    rep = loaded.upsert_customers(b'{"id": "c1", "emial": "a@x.io"}\n', format="ndjson", ignore_unknown_fields=True)
    assert rep.inserted == 1
    rep = loaded.upsert_customers(b"id,emial\nc2,a@x.io\n", format="csv", ignore_unknown_fields=True)
    assert rep.inserted == 1
    assert "email" not in loaded.get_customer("c2")


def test_skip_mode_reports_invalid_records(loaded):
    rep = loaded.upsert_customers([
        {"id": "c1"},
        {"id": "c2", "timezone": "Mars/Base"},
        {"id": "c3", "attrs": {"blob": object()}},
        {"id": "c4"},
    ], on_invalid="skip")
    assert (rep.received, rep.inserted) == (4, 2)
    assert [(e.index, e.line, e.field) for e in rep.rejected] == [(1, 2, "timezone"), (2, 3, "attrs.blob")]
    assert str(rep.rejected[0]).startswith('record 2 (line 2), field "timezone"')
    assert len(loaded) == 3


def test_bad_options(engine):
    with pytest.raises(saleskit.InvalidArgumentError, match="on_invalid"):
        engine.upsert_customers([{"id": "c1"}], on_invalid="ignore")
    with pytest.raises(saleskit.InvalidArgumentError, match='unknown format "xml"'):
        engine.upsert_customers(b"<c/>", format="xml")
    with pytest.raises(saleskit.InvalidArgumentError, match="schema"):
        engine.upsert_customers(b"id,attrs.x\nc1,1\n", format="csv", schema={"x": "complex"})
    assert len(engine) == 0


def test_status_code_mapping():
    from saleskit import _errors

    expected = {3: saleskit.InvalidArgumentError, 5: saleskit.NotFoundError, 6: saleskit.AlreadyExistsError,
                9: saleskit.FailedPreconditionError, 11: saleskit.OutOfRangeError,
                8: saleskit.ResourceExhaustedError, 13: saleskit.InternalError, 15: saleskit.DataLossError}
    for code, cls in expected.items():
        err = _errors.error_from_status(code, "msg %d" % code)
        assert type(err) is cls and str(err) == "msg %d" % code
    other = _errors.error_from_status(14, "down")
    assert type(other) is saleskit.Error and other.code == "UNAVAILABLE"


def test_skip_mode_names_json_fields(engine):
    rep = engine.upsert_customers(
        b'{"id": "c1"}\n{"id": "c2", "emial": "a@x.io"}\n{"id": "c3", "timezone": "Mars/Base"}\n',
        format="ndjson", on_invalid="skip")
    assert (rep.received, rep.inserted) == (3, 1)
    assert [(e.index, e.line, e.field) for e in rep.rejected] == [(1, 2, "emial"), (2, 3, "timezone")]


def test_json_timestamp_error_names_the_field(engine):
    rep = engine.upsert_customers(b'{"id": "c1", "created_at": "yesterday"}\n', format="ndjson", on_invalid="skip")
    assert rep.rejected[0].field == "created_at"


def _delimited(*messages: bytes) -> bytes:
    return b"".join(bytes([len(m)]) + m for m in messages)


def test_protobuf_file_and_truncated_input(engine, tmp_path):
    # v1.Customer{id: "c1"} and {id: "c2", email: "b@x.io"}, length-delimited.
    data = _delimited(b"\x0a\x02c1", b"\x0a\x02c2\x1a\x06b@x.io")
    path = tmp_path / "customers.pb"
    path.write_bytes(data)
    assert engine.upsert_customers(path).inserted == 2
    assert engine.get_customer("c2")["email"] == "b@x.io"
    with pytest.raises(saleskit.InvalidArgumentError, match=r"record 2 \(byte 5\): truncated protobuf"):
        engine.upsert_customers(data[:-2], format="pb")
    rep = engine.upsert_customers(_delimited(b"\x0a\x02c3", b"\xff\xff"), format="protobuf", on_invalid="skip")
    assert rep.inserted == 1
    assert rep.rejected[0].binary and rep.rejected[0].line == 5
    assert str(rep.rejected[0]).startswith("record 2 (byte 5)")
