"""saleskit.cel: compiling, evaluating on dicts, DataFrames and engine customers."""
import datetime as dt
import math

import pytest

import saleskit
from saleskit import cel

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- compiling

def test_compile_error_has_line_column_and_did_you_mean():
    with pytest.raises(saleskit.CompileError) as info:
        cel.compile('customer.country == "DE" &&\n  customer.emial == "a@b.c"')
    message = str(info.value)
    assert "2:11" in message
    assert "did you mean 'email'?" in message
    # A CompileError is an InvalidArgumentError (and a ValueError) with its code.
    assert isinstance(info.value, saleskit.InvalidArgumentError)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "INVALID_ARGUMENT"


def test_syntax_error_and_non_bool_condition_are_compile_errors():
    with pytest.raises(saleskit.CompileError, match=r"1:\d+"):
        cel.compile("customer.country ==")
    with pytest.raises(saleskit.CompileError, match="must be bool"):
        cel.compile("customer.employee_count")
    # The same expression is fine when it is not a condition.
    assert cel.compile("customer.employee_count", condition=False).result_type == "wrapper(int)"


def test_window_of_90_minutes_is_a_compile_error():
    with pytest.raises(saleskit.CompileError, match=r"1:\d+: a window of 1h30m"):
        cel.compile('events.count("email_click", duration("90m")) >= 1')
    eng = saleskit.Engine(start=T0)
    with pytest.raises(saleskit.CompileError, match="1h30m"):
        eng.compile('events.count("email_click", duration("90m")) >= 1')
    # Whole hours and days are windows.
    cel.compile('events.count("email_click", hours(36)) >= 1')
    cel.compile('events.count("email_click", duration("48h")) >= 1')


def test_expression_properties_and_dependencies():
    e = cel.compile('customer.country == "DE" && customer.attrs.plan == "pro" && '
                    'events.count("email_click", days(30)) >= 2 && events.sum("purchase", hours(12)) > 0.0')
    assert e.source.startswith('customer.country == "DE"')
    assert e.is_condition
    assert e.engine is None
    d = e.dependencies
    assert d["customer_fields"] == ["attrs.plan", "country"]
    assert d["windows"] == [("email_click", dt.timedelta(days=30)), ("purchase", dt.timedelta(hours=12))]
    assert d["reads_now"] is True
    assert "condition" in repr(e)
    with pytest.raises(TypeError):
        cel.Expression()


def test_compile_takes_text_only():
    with pytest.raises(saleskit.InvalidArgumentError):
        cel.compile(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------- evaluating a dict

def test_evaluate_returns_python_values():
    customer = {"id": "c1", "email": "ada@example.com", "employee_count": 120, "lifecycle_stage": "lead",
                "created_at": dt.datetime(2025, 12, 1, tzinfo=UTC), "tags": ["beta", "webinar"],
                "attrs": {"plan": "pro", "seats": 25, "trial": True}}

    def ev(source, **kw):
        return cel.compile(source, condition=False).evaluate(customer, now=T0, **kw)

    assert ev("customer.employee_count * 2") == 240
    assert ev("customer.lifecycle_stage") == "lead"
    assert ev("customer.tags") == ["beta", "webinar"]
    assert ev("customer.attrs") == {"plan": "pro", "seats": 25, "trial": True}
    assert ev("customer.created_at") == dt.datetime(2025, 12, 1, tzinfo=UTC)
    assert ev("now - customer.created_at") == dt.timedelta(days=31)
    assert ev("days_since(customer.created_at)") == 31
    assert ev("now") == T0
    assert ev("1.5") == 1.5 and isinstance(ev("1.5"), float)
    assert ev("7u") == 7
    assert ev('b"\\x00z"') == b"\x00z"
    assert ev("null") is None
    assert ev('{"a": [1, 2]}') == {"a": [1, 2]}
    assert isinstance(ev("type(1)"), cel.Type) and ev("type(1)").name == "int"
    assert ev("type(1)") == ev("int")
    assert ev("customer.attrs.?missing") is None
    assert ev('customer.attrs.?plan') == "pro"
    whole = ev("customer")
    assert whole["id"] == "c1" and whole["employee_count"] == 120 and whole["attrs"]["seats"] == 25
    assert "country" not in whole  # never set


def test_never_set_field_comparison_is_an_error_and_no_match():
    e = cel.compile("customer.employee_count < 10")
    unknown_size = {"id": "c1", "country": "DE"}
    with pytest.raises(cel.EvaluationError) as info:
        e.evaluate(unknown_size)
    assert isinstance(info.value, saleskit.Error)
    assert info.value.code == "INVALID_ARGUMENT"
    assert e.matches(unknown_size) is False
    # None and NaN are "never set" too.
    assert e.matches({"id": "c1", "employee_count": None}) is False
    assert e.matches({"id": "c1", "employee_count": float("nan")}) is False
    assert e.matches({"id": "c1", "employee_count": 3}) is True
    # has() tests presence without an error.
    h = cel.compile("has(customer.employee_count)")
    assert h.evaluate(unknown_size) is False
    assert h.evaluate({"id": "c1", "employee_count": 3}) is True


def test_events_need_an_engine():
    e = cel.compile('events.count("email_click", days(7)) >= 1')
    with pytest.raises(cel.EvaluationError, match="engine"):
        e.evaluate({"id": "c1"})
    assert e.matches({"id": "c1"}) is False


def test_now_defaults_and_validation():
    e = cel.compile("now", condition=False)
    before = dt.datetime.now(UTC)
    assert before - dt.timedelta(seconds=1) <= e.evaluate({"id": "c1"}) <= dt.datetime.now(UTC)
    assert e.evaluate({"id": "c1"}, now=dt.datetime(2026, 3, 1)) == dt.datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(saleskit.InvalidArgumentError):
        e.evaluate({"id": "c1"}, now="2026-01-01")  # type: ignore[arg-type]


def test_invalid_customer_dicts_raise():
    e = cel.compile("true")
    with pytest.raises(saleskit.InvalidArgumentError, match="nope"):
        e.evaluate({"id": "c1", "nope": 1})
    with pytest.raises(saleskit.InvalidArgumentError, match="attrs"):
        e.evaluate({"id": "c1", "attrs": {"bad": object()}})
    with pytest.raises(saleskit.InvalidArgumentError, match="customer id"):
        e.evaluate("c1")  # standalone: no engine to look the id up in


# ---------------------------------------------------------------- engine

@pytest.fixture
def eng() -> saleskit.Engine:
    e = saleskit.Engine(start=T0)
    e.upsert_customers([
        {"id": "c1", "country": "DE", "employee_count": 120, "lifecycle_stage": "lead"},
        {"id": "c2", "country": "DE"},
        {"id": "c3", "country": "FR", "employee_count": 80, "attrs": {"vip": True}},
    ])
    return e


def test_engine_match_and_matches(eng):
    big = eng.compile("customer.employee_count >= 50")
    assert big.engine is eng
    assert eng.match(big) == ["c1", "c3"]  # c2's size is unknown: an error, so no match
    assert eng.match('customer.country == "DE"') == ["c1", "c2"]
    assert big.matches("c1") is True and big.matches("c2") is False
    assert eng.matches(big, "c2") is False
    with pytest.raises(cel.EvaluationError):
        eng.evaluate(big, "c2")
    with pytest.raises(saleskit.NotFoundError):
        eng.evaluate(big, "nobody")
    # A dyn-typed condition (a bare attribute) matches row by row.
    assert eng.match("customer.attrs.vip") == ["c3"]
    # Not a condition.
    with pytest.raises(saleskit.FailedPreconditionError):
        eng.match(eng.compile("customer.employee_count", condition=False))
    with pytest.raises(saleskit.CompileError, match="did you mean 'email'"):
        eng.match("customer.emial == 'x'")


def test_engine_evaluate_values_and_bound_dict_evaluation(eng):
    e = eng.compile('customer.lifecycle_stage == "lead" ? customer.employee_count : 0', condition=False)
    assert eng.evaluate(e, "c1") == 120
    assert e.evaluate("c1") == 120
    assert eng.evaluate("customer.country", "c3") == "FR"
    # A bound expression still evaluates dicts, at the engine clock by default.
    assert eng.compile("now", condition=False).evaluate({"id": "x"}) == T0
    with pytest.raises(saleskit.InvalidArgumentError, match="engine clock"):
        e.evaluate("c1", now=T0)


def test_windows_count_events_ingested_after_compile(eng):
    clicks = [{"id": "e%d" % i, "customer_id": "c1", "type": "email_click",
               "occurred_at": T0 + dt.timedelta(hours=i)} for i in range(3)]
    eng.ingest_events(clicks[:1])  # before any window on email_click: in no window
    cond = eng.compile('events.count("email_click", days(7)) >= 2')
    count = eng.compile('events.count("email_click", days(7))', condition=False)
    assert eng.evaluate(count, "c1") == 0
    assert eng.match(cond) == []
    eng.ingest_events(clicks[1:])
    eng.advance_to(T0 + dt.timedelta(days=1))
    assert eng.evaluate(count, "c1") == 2
    assert eng.match(cond) == ["c1"]
    assert cond.matches("c1") is True
    # Out of the window a week later.
    eng.advance_to(T0 + dt.timedelta(days=9))
    assert eng.evaluate(count, "c1") == 0
    assert eng.match(cond) == []


def test_expression_from_elsewhere_is_compiled_here(eng):
    other = saleskit.Engine(start=T0)
    e = other.compile('events.count("email_click", days(7)) >= 1')
    eng.ingest_events([{"id": "x1", "customer_id": "c2", "type": "email_click", "occurred_at": T0}])
    standalone = cel.compile('customer.country == "FR"')
    assert eng.match(standalone) == ["c3"]
    assert eng.match(e) == []  # compiled here after the click was ingested


# ---------------------------------------------------------------- DataFrames

pd = pytest.importorskip("pandas")


def _frame():
    nan = float("nan")
    return pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "country": ["DE", "DE", None, "FR", "DE"],
        "employee_count": [120, nan, 60, 10, 50],
        "lifecycle_stage": ["lead", "customer", None, "lead", "lead"],
        "tags": [["beta"], [], None, ["beta", "vip"], "vip|x"],
        "attrs.plan": ["pro", None, "free", "pro", nan],
        "created_at": pd.to_datetime(["2025-12-01", None, "2025-06-01", "2025-12-30", "2025-11-01"], utc=True),
    }, index=[10, 20, 30, 40, 50])


def _dicts(df):
    """The frame's rows as the dicts upsert_customers takes: attrs.NAME nested, '|'-joined tags split."""
    out = []
    for row in df.to_dict("records"):
        d = {"attrs": {}}
        for k, v in row.items():
            if k.startswith("attrs."):
                d["attrs"][k[len("attrs."):]] = v
            elif k == "tags" and isinstance(v, str):
                d[k] = v.split("|")
            else:
                d[k] = v
        out.append(d)
    return out


CONDITIONS = [
    'customer.country == "DE" && customer.employee_count >= 50',
    "customer.employee_count < 100",
    '"beta" in customer.tags',
    'customer.attrs.plan == "pro"',
    'has(customer.attrs.plan)',
    "days_since(customer.created_at) < 60",
    'customer.lifecycle_stage == "lead" || customer.employee_count > 100',
]


@pytest.mark.parametrize("source", CONDITIONS)
def test_evaluate_frame_condition_equals_row_by_row(source):
    df = _frame()
    e = cel.compile(source)
    got = e.evaluate_frame(df, now=T0)
    assert got.dtype == bool
    assert list(got.index) == list(df.index)
    assert list(got) == [e.matches(r, now=T0) for r in _dicts(df)]


@pytest.mark.parametrize("source", [
    "customer.employee_count", "customer.employee_count + 1", "customer.tags", "customer.attrs.plan",
    'customer.country + "!"',
    "customer.created_at",
])
def test_evaluate_frame_values_equal_row_by_row(source):
    df = _frame()
    e = cel.compile(source, condition=False)
    got = e.evaluate_frame(df, now=T0, errors="null")
    expected = []
    for r in _dicts(df):
        try:
            expected.append(e.evaluate(r, now=T0))
        except cel.EvaluationError:
            expected.append(None)
    assert list(got) == expected
    assert list(got.index) == list(df.index)


def test_evaluate_frame_nan_none_is_never_set_and_errors():
    df = _frame()
    known = cel.compile("has(customer.employee_count)").evaluate_frame(df)
    assert list(known) == [True, False, True, True, True]
    lt = cel.compile("customer.employee_count < 100").evaluate_frame(df)
    assert list(lt) == [False, False, True, True, True]  # NaN row: error, False
    # Reading a never-set field is null; computing with it is an error.
    assert cel.compile("customer.employee_count", condition=False).evaluate_frame(df).iloc[1] is None
    with pytest.raises(cel.EvaluationError, match="record 2"):
        cel.compile("customer.employee_count + 1", condition=False).evaluate_frame(df)
    with pytest.raises(saleskit.InvalidArgumentError, match="errors"):
        cel.compile("customer.employee_count", condition=False).evaluate_frame(df, errors="ignore")


def test_evaluate_frame_attrs_dict_column_and_edges():
    df = pd.DataFrame({"id": ["a", "b", "c"],
                       "attrs": [{"plan": "pro", "seats": 3}, None, {"plan": "free"}]})
    e = cel.compile('customer.attrs.plan == "pro"')
    assert list(e.evaluate_frame(df)) == [True, False, False]
    seats = cel.compile("customer.attrs.seats", condition=False).evaluate_frame(df, errors="null")
    assert seats.iloc[0] == 3 and seats.iloc[1] is None
    empty = e.evaluate_frame(df.iloc[:0])
    assert len(empty) == 0 and empty.dtype == bool
    assert list(cel.compile("true").evaluate_frame(pd.DataFrame(index=[1, 2]))) == [True, True]
    no_id = pd.DataFrame({"country": ["DE", "FR"], "consent.email": ["opted_in", None]})
    assert list(cel.compile('customer.country == "DE"').evaluate_frame(no_id)) == [True, False]
    assert list(cel.compile("has(customer.consent.email)").evaluate_frame(no_id)) == [True, False]
    assert cel.compile("has(customer.id)").evaluate_frame(no_id).tolist() == [False, False]
    with pytest.raises(saleskit.InvalidArgumentError):
        e.evaluate_frame(pd.DataFrame({"id": ["a"], "no_such_field": [1]}))
    with pytest.raises(saleskit.InvalidArgumentError):
        e.evaluate_frame([{"id": "a"}])


def test_evaluate_frame_matches_engine_match():
    df = _frame()
    eng = saleskit.Engine(start=T0)
    eng.upsert_customers(df)
    for source in CONDITIONS:
        e = eng.compile(source)
        by_frame = e.evaluate_frame(df)
        assert sorted(df["id"][by_frame.values]) == eng.match(e), source


def test_large_frame_in_one_call():
    n = 20000
    df = pd.DataFrame({"id": ["c%d" % i for i in range(n)],
                       "employee_count": [float(i) if i % 3 else math.nan for i in range(n)]})
    got = cel.compile("customer.employee_count >= 10000").evaluate_frame(df)
    assert int(got.sum()) == len([i for i in range(10000, n) if i % 3])
