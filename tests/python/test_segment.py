"""saleskit.cohort_table and saleskit.rfm: the same numbers as the CLI, as DataFrames."""

import datetime as dt
import io
import math
import os
import shutil
import subprocess

import pandas as pd
import pytest

import saleskit

UTC = dt.timezone.utc

EVENTS_CSV = """customer_id,occurred_at,type,value
a,2026-01-05T10:00:00Z,signup,
a,2026-01-20T10:00:00Z,purchase,10
a,2026-02-03T10:00:00Z,purchase,20.5
b,2026-01-28T09:00:00Z,signup,
b,2026-03-02T09:00:00Z,purchase,5
c,2026-02-10T12:00:00Z,signup,
c,2026-02-11T12:00:00Z,purchase,100
c,2026-02-11T15:00:00Z,purchase,1
d,2026-03-15T08:00:00Z,signup,
"""

NAN = float("nan")


@pytest.fixture
def events_path(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    return path


@pytest.fixture
def events_frame():
    df = pd.read_csv(io.StringIO(EVENTS_CSV))
    df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
    return df


def _cli():
    """The saleskit CLI if one is at hand (SALESKIT_CLI or on PATH), else None."""
    path = os.environ.get("SALESKIT_CLI") or shutil.which("saleskit")
    return path if path and os.access(path, os.X_OK) else None


def _same(a, b):
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b)) and len(a) == len(b)


# ------------------------------------------------------------------ cohorts

def test_cohort_retention_by_month_from_path(events_path):
    t = saleskit.cohort_table(events_path, period="month", periods=3, metric="retention")
    assert list(t.index) == ["2026-01", "2026-02", "2026-03"]
    assert t.index.name == "cohort"
    assert list(t.columns) == ["size", "p0", "p1", "p2"]
    assert t["size"].dtype == "int64" and list(t["size"]) == [2, 1, 1]
    # The values `saleskit cohort --period month --periods 3 --metric retention` prints.
    assert _same(list(t.loc["2026-01", ["p0", "p1", "p2"]]), [1.0, 0.5, 0.5])
    assert _same(list(t.loc["2026-02", ["p0", "p1", "p2"]]), [1.0, 0.0, NAN])
    assert _same(list(t.loc["2026-03", ["p0", "p1", "p2"]]), [1.0, NAN, NAN])


def test_cohort_dataframe_equals_path(events_path, events_frame):
    for kwargs in [dict(metric="retention"), dict(metric="conversion", convert_to="purchase"),
                   dict(metric="revenue", cumulative=True), dict(metric="revenue", activity_event="purchase")]:
        a = saleskit.cohort_table(events_path, period="month", periods=3, **kwargs)
        b = saleskit.cohort_table(events_frame, period="month", periods=3, **kwargs)
        pd.testing.assert_frame_equal(a, b)


def test_cohort_conversion_and_revenue(events_frame):
    conv = saleskit.cohort_table(events_frame, period="month", periods=3, metric="conversion", convert_to="purchase")
    assert _same(list(conv.iloc[0, 1:]), [0.5, 0.5, 1.0])
    assert _same(list(conv.iloc[2, 1:]), [0.0, NAN, NAN])
    rev = saleskit.cohort_table(events_frame, period="month", periods=3, metric="revenue", cumulative=True)
    assert _same(list(rev.iloc[0, 1:]), [5.0, 15.25, 17.75])
    assert _same(list(rev.iloc[1, 1:]), [101.0, 101.0, NAN])


def test_cohort_week_labels_and_cohort_event(events_frame):
    t = saleskit.cohort_table(events_frame, period="week", periods=2, metric="retention", cohort_event="purchase")
    # First purchases: a 2026-01-20 (W04), c 2026-02-11 (W07), b 2026-03-02 (W10); d never buys.
    assert list(t.index) == ["2026-W04", "2026-W07", "2026-W10"]
    assert list(t["size"]) == [1, 1, 1]


@pytest.mark.skipif(_cli() is None, reason="no saleskit CLI (set SALESKIT_CLI)")
def test_cohort_matches_cli(events_path):
    out = subprocess.run([_cli(), "cohort", "--events", str(events_path), "--period", "week", "--periods", "4",
                          "--metric", "revenue"], check=True, capture_output=True, text=True).stdout
    cli = pd.read_csv(io.StringIO(out), index_col="cohort")
    t = saleskit.cohort_table(events_path, period="week", periods=4, metric="revenue")
    assert list(t.index) == list(cli.index)
    for col in t.columns:
        assert _same(list(t[col].astype(float)), list(cli[col].astype(float)))


def test_cohort_bad_input(events_frame, tmp_path):
    with pytest.raises(saleskit.InvalidArgumentError, match="periods must be between 1"):
        saleskit.cohort_table(events_frame, period="month", periods=0, metric="retention")
    with pytest.raises(saleskit.InvalidArgumentError, match="unknown period \"year\""):
        saleskit.cohort_table(events_frame, period="year", periods=3, metric="retention")
    with pytest.raises(saleskit.InvalidArgumentError, match="unknown metric"):
        saleskit.cohort_table(events_frame, period="month", periods=3, metric="churn")
    with pytest.raises(saleskit.InvalidArgumentError, match="convert_to"):
        saleskit.cohort_table(events_frame, period="month", periods=3, metric="conversion")
    with pytest.raises(saleskit.InvalidArgumentError, match="cumulative"):
        saleskit.cohort_table(events_frame, period="month", periods=3, metric="retention", cumulative=True)
    empty = tmp_path / "empty.csv"
    empty.write_text("customer_id,occurred_at,type,value\n")
    with pytest.raises(saleskit.InvalidArgumentError, match="no events"):
        saleskit.cohort_table(empty, period="month", periods=3, metric="retention")
    bad = events_frame.astype({"value": object})
    bad.loc[1, "value"] = "ten"
    with pytest.raises(saleskit.InvalidArgumentError, match=r"line 3.*value") as e:
        saleskit.cohort_table(bad, period="month", periods=3, metric="revenue")
    assert isinstance(e.value, saleskit.Error) and e.value.code == "INVALID_ARGUMENT"
    with pytest.raises(saleskit.InvalidArgumentError, match="DataFrame or a path"):
        saleskit.cohort_table([1, 2], period="month", periods=3, metric="retention")


# ------------------------------------------------------------------ RFM

EXPECTED_RFM = pd.DataFrame({
    "customer_id": ["a", "b", "c"],
    "recency_days": [56, 29, 48],
    "frequency": [2, 1, 1],
    "monetary": [30.5, 5.0, 101.0],
    "r": [1, 4, 2],
    "f": [4, 1, 2],
    "m": [2, 1, 4],
    "segment": ["at risk", "promising", "at risk"],
})  # `saleskit rfm --cutoff 2026-03-31` on EVENTS_CSV


def _plain(df):
    out = df.copy()
    out["segment"] = out["segment"].astype(str)
    for c in ("r", "f", "m"):
        out[c] = out[c].astype("int64")
    return out


def test_rfm_matches_cli_values(events_path, events_frame):
    for events in (events_path, str(events_path), events_frame):
        for cutoff in ("2026-03-31", dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)):
            got = saleskit.rfm(events, cutoff=cutoff)
            assert list(got.columns) == ["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m",
                                         "segment"]
            pd.testing.assert_frame_equal(_plain(got), EXPECTED_RFM)
    got = saleskit.rfm(events_frame, cutoff="2026-03-31")
    assert got["segment"].dtype == "category"
    assert "champions" in list(got["segment"].cat.categories)


def test_rfm_purchase_event_and_cutoff_instant(events_frame):
    every = saleskit.rfm(events_frame, cutoff="2026-03-31", purchase_event="*")
    assert list(every["customer_id"]) == ["a", "b", "c", "d"]
    assert every.loc[3, "recency_days"] == 16 and every.loc[3, "monetary"] == 0
    # Before c's purchases on 2026-02-11: only a has bought.
    early = saleskit.rfm(events_frame, cutoff=dt.datetime(2026, 2, 11, 11, 0))
    assert list(early["customer_id"]) == ["a"] and early.loc[0, "frequency"] == 2


@pytest.mark.skipif(_cli() is None, reason="no saleskit CLI (set SALESKIT_CLI)")
def test_rfm_matches_cli(events_path):
    out = subprocess.run([_cli(), "rfm", "--events", str(events_path), "--cutoff", "2026-03-15"], check=True,
                         capture_output=True, text=True).stdout
    cli = pd.read_csv(io.StringIO(out))
    pd.testing.assert_frame_equal(_plain(saleskit.rfm(events_path, cutoff="2026-03-15")), cli)


def test_rfm_bad_input(events_frame, tmp_path):
    with pytest.raises(saleskit.InvalidArgumentError, match="before every purchase"):
        saleskit.rfm(events_frame, cutoff="2025-12-31")
    with pytest.raises(saleskit.InvalidArgumentError, match="cutoff"):
        saleskit.rfm(events_frame, cutoff="March")
    with pytest.raises(saleskit.InvalidArgumentError, match="no purchases"):
        saleskit.rfm(events_frame, cutoff="2026-03-31", purchase_event="refund")
    with pytest.raises(saleskit.InvalidArgumentError, match="cutoff must be"):
        saleskit.rfm(events_frame, cutoff=20260331)
    missing = events_frame.drop(columns=["customer_id"])
    with pytest.raises(saleskit.InvalidArgumentError):
        saleskit.rfm(missing, cutoff="2026-03-31")
    with pytest.raises(saleskit.InvalidArgumentError, match="cannot read"):
        saleskit.rfm(tmp_path / "nope.csv", cutoff="2026-03-31")
