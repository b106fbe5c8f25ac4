"""CEL expressions about customers: compile once, evaluate on dicts, DataFrames or an engine.

>>> from saleskit import cel
>>> big_de = cel.compile('customer.country == "DE" && customer.employee_count >= 50')
>>> big_de.matches({"id": "c1", "country": "DE", "employee_count": 120})
True
>>> big_de.matches({"id": "c2", "country": "DE"})   # size never set: an error, so no match
False
>>> cel.compile("customer.employee_count * 2", condition=False).evaluate({"id": "c1", "employee_count": 21})
42

The language and the customer environment (``customer``, ``account``, ``now``,
``events.count/sum/last``, ``days``, ``hours``, ``days_since``) are described
in docs/cel.md; the Python side in docs/python.md.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Union

from . import _convert
from . import _saleskit as _native
from ._errors import CompileError, EvaluationError, InvalidArgumentError, translated

if TYPE_CHECKING:  # pragma: no cover
    from ._engine import Engine

__all__ = ["compile", "Expression", "Type", "CompileError", "EvaluationError"]

#: A CEL type value, as ``type(x)`` or ``int`` evaluate to; ``.name`` is the CEL type name.
Type = _native.TypeValue

_ERRORS = {"raise": "raise", "null": "none"}


def compile(source: str, *, condition: bool = True) -> "Expression":  # noqa: A001 - the natural name
    """Compiles a CEL expression about one customer, without an engine.

    Args:
        source: the expression, e.g. ``'customer.lifecycle_stage == "lead"'``.
        condition: the expression must be bool (a condition). Pass False for
            any other expression (a score, a field, a list, ...).

    Raises:
        CompileError: a syntax, name or type error, a condition that is not
            bool, or an event window that is not whole days or hours (e.g.
            ``duration("90m")``). The message is ``ERROR: LINE:COLUMN: ...``
            per problem, with ``(did you mean 'x'?)`` for a misspelt name.
        ResourceExhaustedError: the expression is over the size or nesting limits.

    An expression compiled here evaluates customers given as dicts or
    DataFrame rows; ``events.*`` need an engine (see ``Engine.compile``).
    """
    if not isinstance(source, str):
        raise InvalidArgumentError("compile takes the expression as str, got %s" % type(source).__name__)
    with translated(compiling=True):
        native = _native.Expression.compile(source, bool(condition))
    return Expression._wrap(native, None)


def _window(unit: str, length: int) -> _dt.timedelta:
    return _dt.timedelta(days=length) if unit == "day" else _dt.timedelta(hours=length)


class Expression:
    """A compiled CEL expression about customers. Immutable; thread-safe.

    Made by ``saleskit.cel.compile`` (standalone) or ``Engine.compile``
    (bound to that engine: its event windows are kept by that engine's store
    from the moment of compiling, so windows count only events ingested
    after it).
    """

    __slots__ = ("_native", "_engine")

    def __init__(self) -> None:
        raise TypeError("use saleskit.cel.compile() or Engine.compile() to make an Expression")

    @classmethod
    def _wrap(cls, native: Any, engine: "Optional[Engine]") -> "Expression":
        self = object.__new__(cls)
        self._native = native
        self._engine = engine
        return self

    # ------------------------------------------------------------ about it

    @property
    def source(self) -> str:
        """The expression's text."""
        return str(self._native.source)

    @property
    def is_condition(self) -> bool:
        """Whether it was compiled as a condition (its type is bool, or dyn such
        as a bare ``customer.attrs.NAME``)."""
        return bool(self._native.condition)

    @property
    def result_type(self) -> str:
        """The checked CEL type of its value: ``"bool"``, ``"int"``, ``"list(string)"``, ``"dyn"``, ..."""
        return str(self._native.result_type)

    @property
    def engine(self) -> "Optional[Engine]":
        """The engine it is bound to, or None for a standalone expression."""
        return self._engine

    @property
    def dependencies(self) -> Dict[str, Any]:
        """What it reads, from the checked expression.

        ``{"customer_fields": ["country", "attrs.plan", ...], "account_fields": [...],
        "windows": [("email_click", timedelta(days=30)), ...], "last_event_types": [...],
        "reads_now": bool}``. ``windows`` are the ``events.count/sum`` reads
        (event type and window length); ``reads_now`` is True when the value
        depends on the clock (``now``, windows, ``days_since``, ``events.last``).
        """
        d = self._native.dependencies()
        return {
            "customer_fields": list(d["customer_fields"]),
            "account_fields": list(d["account_fields"]),
            "windows": [(t, _window(unit, n)) for t, unit, n in d["windows"]],
            "last_event_types": list(d["last_event_types"]),
            "reads_now": bool(d["reads_now"]),
        }

    # ------------------------------------------------------------ evaluating

    def _now_us(self, now: Optional[_dt.datetime]) -> int:
        if now is None:
            if self._engine is not None:
                return self._engine._native.now_us  # type: ignore[no-any-return]
            return _convert.to_micros(_dt.datetime.now(_convert.UTC))
        if not isinstance(now, _dt.datetime):
            raise InvalidArgumentError("now must be a datetime.datetime, got %s" % type(now).__name__)
        return _convert.to_micros(now)

    def evaluate(self, customer: Union[Mapping[str, Any], str], *, now: Optional[_dt.datetime] = None) -> Any:
        """The expression's value for one customer.

        Args:
            customer: a customer as a dict, in the shape ``upsert_customers``
                takes (``{"id": "c1", "country": "DE", "attrs": {"plan": "pro"}}``;
                missing keys and None/NaN values are never set); or, for an
                expression bound to an engine, a customer id in that engine.
            now: the time ``now`` and ``days_since`` see (naive = UTC). By
                default the bound engine's clock; for a standalone expression,
                the wall clock (pass ``now`` for reproducible results).

        Returns:
            None, bool, int, float, str, bytes, datetime (aware, UTC,
            microseconds), timedelta, list, dict; a message (the customer,
            the account) as a dict of its set fields; a type as ``cel.Type``;
            an optional as its value or None.

        Raises:
            EvaluationError: the expression evaluated to an error, e.g. it
                compares a never-set field, or reads ``events.*`` of a customer
                given as a dict (event history lives only in an engine).
            InvalidArgumentError: the dict is not a valid customer record.
            NotFoundError: no customer has this id (bound expressions).
        """
        if isinstance(customer, str):
            if self._engine is None:
                raise InvalidArgumentError("a customer id needs an expression compiled by Engine.compile; "
                                           "pass the customer as a dict")
            if now is not None:
                raise InvalidArgumentError("now= does not apply to an engine customer: the engine clock is used")
            return self._engine.evaluate(self, customer)
        if not isinstance(customer, Mapping):
            raise InvalidArgumentError("evaluate takes a customer dict or id, got %s" % type(customer).__name__)
        text, _kept, bad = _convert.records_to_json("customers", [customer])
        if bad:
            _, field, message = bad[0]
            raise InvalidArgumentError('field "%s": %s' % (field, message) if field else message)
        now_us = self._now_us(now)
        with translated():
            return self._native.evaluate_records(text, "json", now_us, None, "raise")[0]

    def matches(self, customer: Union[Mapping[str, Any], str], *, now: Optional[_dt.datetime] = None) -> bool:
        """Whether a condition is true for the customer (dict or engine id, as for ``evaluate``).

        CEL condition semantics: an evaluation error (a never-set field
        compared, ``events.*`` on a dict) is no match, so this returns False
        where ``evaluate`` raises EvaluationError. Invalid input still raises.
        """
        try:
            return self.evaluate(customer, now=now) is True
        except EvaluationError:
            return False

    def evaluate_frame(self, df: Any, *, now: Optional[_dt.datetime] = None, errors: str = "raise") -> Any:
        """Evaluates every row of a pandas DataFrame, each row one customer.

        Columns are named as for ``upsert_customers`` with a DataFrame: ``id``,
        ``email``, ``country``, ``employee_count``, ``lifecycle_stage``, ``tags``
        (lists or ``'|'``-joined), ``created_at``, ``attrs.NAME`` ...; an
        ``attrs`` column of dicts is also accepted. NaN/None/NaT cells are
        fields never set. Unknown columns are an error.

        Args:
            now: as for ``evaluate``.
            errors: for a non-condition, "raise" (EvaluationError naming the
                first failing row) or "null" (failing rows are None).

        Returns:
            A pandas Series with ``df``'s index: bool for a condition (errors
            are False, as in ``matches``), object otherwise.

        Cost: the frame is written as CSV by pandas once and parsed and
        evaluated in one native call without the GIL; there is no Python
        object per row except for an ``attrs`` dict column (expanded in
        Python) and the result values of a non-condition. It is a convenience
        for frames of up to some millions of rows, not the engine's columnar
        ``match``: load the customers into an Engine for that.
        """
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        if not isinstance(df, pd.DataFrame):
            raise InvalidArgumentError("evaluate_frame takes a pandas DataFrame, got %s" % type(df).__name__)
        if errors not in _ERRORS:
            raise InvalidArgumentError('errors must be "raise" or "null", got %r' % (errors,))
        condition = self.is_condition
        if len(df) == 0:
            return pd.Series([], index=df.index, dtype=bool if condition else object)
        frame = _expand_attrs(df)
        if "id" not in frame.columns:  # the CSV reader wants the column; an empty cell is "never set"
            frame = frame.assign(id="")
        try:
            payload, schema = _convert.dataframe_to_csv(frame, "customers", None)
        except _convert.ConversionError as e:
            raise InvalidArgumentError(e.message) from None
        now_us = self._now_us(now)
        if condition:
            with translated():
                raw = self._native.evaluate_records(payload, "csv", now_us, schema, "match")
            import numpy as np

            return pd.Series(np.frombuffer(raw, dtype=np.uint8).astype(bool), index=df.index)
        with translated():
            values = self._native.evaluate_records(payload, "csv", now_us, schema, _ERRORS[errors])
        return pd.Series(values, index=df.index, dtype=object)

    def __repr__(self) -> str:
        kind = "condition" if self.is_condition else "expression"
        bound = "" if self._engine is None else ", bound"
        return "saleskit.cel.Expression(%r, %s%s)" % (self.source, kind, bound)


def _expand_attrs(df: Any) -> Any:
    """`df` with an ``attrs`` column of dicts spread into ``attrs.NAME`` columns."""
    if "attrs" not in df.columns:
        return df
    import pandas as pd

    rows: List[Dict[str, Any]] = []
    for cell in df["attrs"]:
        if isinstance(cell, Mapping):
            rows.append({"attrs." + str(k): v for k, v in cell.items()})
        elif cell is None or _convert._is_missing(cell):
            rows.append({})
        else:
            raise InvalidArgumentError("the attrs column holds dicts, got %s" % type(cell).__name__)
    spread = pd.DataFrame(rows, index=df.index)
    clash = [c for c in spread.columns if c in df.columns]
    if clash:
        raise InvalidArgumentError("attrs given twice, as the attrs column and as %s" % ", ".join(clash))
    return pd.concat([df.drop(columns=["attrs"]), spread], axis=1)

