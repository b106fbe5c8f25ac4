"""Cohort tables and RFM over an events table: saleskit.cohort_table and saleskit.rfm.

Both are pure functions of the events (no Engine): the events go to the
native core as CSV, exactly as ``saleskit cohort`` and ``saleskit rfm`` read
them, and the results come back as column buffers that become a pandas
DataFrame without a Python object per cell.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Optional, Union

from . import _convert
from . import _saleskit as _native
from ._errors import InvalidArgumentError, translated

__all__ = ["cohort_table", "rfm"]

Events = Union["os.PathLike[str]", str, Any]  # a path to a CSV, or a pandas DataFrame


def _events_csv(events: Any) -> bytes:
    """The events as CSV bytes: a DataFrame converted, a path read."""
    if _convert.is_dataframe(events):
        df = events
        if "occurred_at" in df.columns:
            from pandas.api import types as pdt  # type: ignore[import-untyped,unused-ignore]

            col = df["occurred_at"]
            if pdt.is_datetime64_any_dtype(col.dtype):
                # ISO 8601 in UTC; naive datetimes are UTC.
                utc = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
                df = df.assign(occurred_at=utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        payload, _ = _convert.dataframe_to_csv(df, "events", None)
        return payload
    if isinstance(events, (str, os.PathLike)):
        path = os.fspath(events)
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise InvalidArgumentError("cannot read events file %r: %s" % (path, e.strerror)) from None
    raise InvalidArgumentError(
        "events must be a pandas DataFrame or a path to a CSV file, not %s" % type(events).__name__)


def _pandas() -> Any:
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError as e:  # pragma: no cover - pandas is a dependency of these functions
        raise ImportError("saleskit.cohort_table and saleskit.rfm need pandas: pip install pandas") from e
    return pd


def cohort_table(events: Events, *, period: str, periods: int, metric: str,
                 cohort_event: Optional[str] = None, activity_event: Optional[str] = None,
                 convert_to: Optional[str] = None, cumulative: bool = False) -> Any:
    """An acquisition cohort table (docs/cohorts.md), as ``saleskit cohort`` computes it.

    Customers are grouped by the UTC period of their first event (or first
    ``cohort_event``); each row says what the cohort did in the periods after.

    Args:
        events: a pandas DataFrame with columns customer_id, occurred_at
            (ISO 8601 text or datetimes; naive ones are UTC), type, value and
            optionally id (rows with the same id count once; rows without an
            id all count), or a path to such a CSV file.
        period: "day", "week" (ISO, Monday start), "month" or "quarter".
        periods: the number of columns p0..p{periods-1}, 1 to 100000.
        metric: "retention" (share of the cohort with an event, or an
            ``activity_event``, in period cohort+k), "conversion" (share that
            has had a ``convert_to`` event by the end of period cohort+k) or
            "revenue" (sum of value in period cohort+k per cohort member).
        cohort_event: the event type whose first occurrence defines the cohort.
        activity_event: retention and revenue count only this event type.
        convert_to: the converting event type; required for conversion only.
        cumulative: revenue only: each cell sums periods 0..k.

    Returns:
        A DataFrame indexed by cohort label (``2026-01-31``, ``2026-W05``,
        ``2026-01``, ``2026-Q1``; index name "cohort") in period order, with
        an int64 column ``size`` and float64 columns ``p0``..``p{K-1}``; NaN
        in a cell whose period starts after the period of the last event.

    Raises:
        InvalidArgumentError: a bad option (periods < 1, unknown period or
            metric, conversion without convert_to, an option that does not
            apply to the metric), a malformed record (named by line and
            field), or no events.
    """
    import numpy as np

    pd = _pandas()
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)):
        raise InvalidArgumentError("periods must be an int, not %s" % type(periods).__name__)
    if not -2**31 <= int(periods) < 2**31:
        raise InvalidArgumentError("periods must be between 1 and 100000, got %d" % periods)
    data = _events_csv(events)
    with translated():
        labels, sizes, values = _native.cohort_table_columns(
            data, period, int(periods), metric, cohort_event or "", activity_event or "", convert_to or "",
            bool(cumulative))
    k = int(periods)
    grid = np.frombuffer(values, dtype="f8").reshape(len(labels), k)
    frame = pd.DataFrame(grid.copy(), columns=["p%d" % i for i in range(k)],
                         index=pd.Index(labels, name="cohort"))
    frame.insert(0, "size", np.frombuffer(sizes, dtype="i8").copy())
    return frame


def _cutoff_arguments(cutoff: Any) -> "tuple[str, Optional[int]]":
    if isinstance(cutoff, _dt.datetime):
        return "", _convert.to_micros(cutoff)
    if isinstance(cutoff, _dt.date):
        return cutoff.isoformat(), None
    if isinstance(cutoff, str):
        return cutoff, None
    pd = _pandas()
    if isinstance(cutoff, pd.Timestamp):
        return "", _convert.to_micros(cutoff.to_pydatetime())
    raise InvalidArgumentError(
        "cutoff must be a date, a datetime or ISO 8601 text, not %s" % type(cutoff).__name__)


def rfm(events: Events, *, cutoff: Union[_dt.date, _dt.datetime, str],
        purchase_event: str = "purchase") -> Any:
    """Recency, frequency and monetary value of each customer's purchases (docs/rfm.md).

    The same rows as ``saleskit rfm``: purchases are events of type
    ``purchase_event`` ("*" for every event) at or before the cutoff;
    recency_days is the UTC days from the last purchase to the cutoff's day,
    frequency the number of distinct purchase days, monetary the sum of
    value. r, f and m are 1-5 quintile-of-rank scores (5 best; ties by
    customer id) and segment the R x FM segment name ("champions", "loyal",
    ..., "lost").

    Args:
        events: a DataFrame (customer_id, occurred_at, type, value, optional
            id) or a path to such a CSV file, as for cohort_table.
        cutoff: a date (the end of that UTC day: purchases on the day count),
            a datetime (that instant; naive is UTC), or the same as text
            (``"2026-03-31"``, ``"2026-03-31T12:00:00Z"``).
        purchase_event: the event type that is a purchase.

    Returns:
        A DataFrame with one row per customer with a purchase at or before
        the cutoff, sorted by customer_id, and columns customer_id (strings, in
        pandas' default string dtype),
        recency_days, frequency (int64), monetary (float64), r, f, m (int8)
        and segment (a pandas Categorical of the eleven segment names).

    Raises:
        InvalidArgumentError: a malformed cutoff or record, no events, no
            purchase, or a cutoff before every purchase.
    """
    import numpy as np

    pd = _pandas()
    text, micros = _cutoff_arguments(cutoff)
    if not isinstance(purchase_event, str):
        raise InvalidArgumentError("purchase_event must be a str, not %s" % type(purchase_event).__name__)
    data = _events_csv(events)
    with translated():
        ids, names, recency, frequency, monetary, r, f, m, segment = _native.rfm_columns(
            data, text, micros, purchase_event)
    return pd.DataFrame({
        "customer_id": pd.Series(ids),
        "recency_days": np.frombuffer(recency, dtype="i8").copy(),
        "frequency": np.frombuffer(frequency, dtype="i8").copy(),
        "monetary": np.frombuffer(monetary, dtype="f8").copy(),
        "r": np.frombuffer(r, dtype="i1").copy(),
        "f": np.frombuffer(f, dtype="i1").copy(),
        "m": np.frombuffer(m, dtype="i1").copy(),
        "segment": pd.Categorical.from_codes(np.frombuffer(segment, dtype="u1").astype(np.int8), categories=names),
    })
