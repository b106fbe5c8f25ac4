"""saleskit.Engine and its load reports."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _convert
from . import _saleskit as _native
from . import cel as _cel
from ._errors import FailedPreconditionError, InvalidArgumentError, NotFoundError, translated

__all__ = ["Engine", "LoadReport", "RecordError", "Data"]

# What the load methods accept: records as dicts, a DataFrame, a file path,
# or the text/bytes of a file (with format=).
Data = Union[Sequence[Mapping[str, Any]], Mapping[str, Any], "os.PathLike[str]", str, bytes, Any]


@dataclasses.dataclass(frozen=True)
class RecordError:
    """What is wrong with one record of a batch.

    Attributes:
        index: 0-based position of the record in the input.
        line: 1-based line of the record in text input (for a list of dicts,
            its 1-based position); its byte offset in protobuf input
            (``binary`` is then True); 0 when unknown.
        field: the field at fault, e.g. ``"timezone"`` or ``"attrs.plan"``;
            empty for the whole record.
        message: what is wrong.
        binary: ``line`` is a byte offset.
    """

    index: int
    line: int
    field: str
    message: str
    binary: bool = False

    def __str__(self) -> str:
        out = "record %d" % (self.index + 1)
        if self.line > 0:
            out += " (%s %d)" % ("byte" if self.binary else "line", self.line)
        if self.field:
            out += ', field "%s"' % self.field
        return out + ": " + self.message


@dataclasses.dataclass(frozen=True)
class LoadReport:
    """What one load did.

    With ``on_invalid="reject"`` (the default) an invalid batch raises
    InvalidArgumentError instead and nothing is applied, so ``rejected`` is
    empty; with ``on_invalid="skip"`` it lists the records left out.
    """

    received: int = 0
    """Records in the batch."""
    inserted: int = 0
    """New records (customers, accounts, deals), or events applied."""
    updated: int = 0
    """Existing records merged."""
    duplicates: int = 0
    """Events recognised by id and not counted again."""
    skipped_unknown_customer: int = 0
    """Events skipped under ``unknown_customer="skip"``."""
    created_customers: int = 0
    """Customers created under ``unknown_customer="create"``."""
    rejected: List[RecordError] = dataclasses.field(default_factory=list)
    """Invalid records, by index (``on_invalid="skip"`` only)."""


_ON_INVALID = ("reject", "skip")
_UNKNOWN_CUSTOMER = ("error", "skip", "create")


def _rejected_message(errors: Sequence[RecordError]) -> str:
    shown = 10
    msg = "batch rejected, nothing applied: %d invalid record%s" % (len(errors), "" if len(errors) == 1 else "s")
    for e in errors[:shown]:
        msg += "\n  " + str(e)
    if len(errors) > shown:
        msg += "\n  ... and %d more" % (len(errors) - shown)
    return msg


def _id_list(ids: Iterable[str]) -> List[str]:
    """The ids as a list, each checked to be a str (TypeError naming its index)."""
    batch = list(ids)
    for i, id in enumerate(batch):
        if not isinstance(id, str):
            raise TypeError(f"ids[{i}] is {type(id).__name__}, not str")
    return batch


def _duration_json(v: Any) -> Any:
    """A timedelta as protobuf JSON duration text ("86400s"); anything else as is."""
    if isinstance(v, _dt.timedelta):
        micros = (v.days * 86400 + v.seconds) * 1000000 + v.microseconds
        return "%d.%06ds" % divmod(micros, 1000000) if micros % 1000000 else "%ds" % (micros // 1000000)
    return v


def _score_json(score: Any) -> Any:
    """A ScoreDef dict in protobuf JSON shape: timedeltas as durations, short
    lifecycle stage names ("marketing_qualified") as enum names."""
    if not isinstance(score, Mapping):
        raise InvalidArgumentError("a score definition is a dict, not %s" % type(score).__name__)
    out = dict(score)
    if isinstance(out.get("rules"), (list, tuple)):
        out["rules"] = [dict(r, window=_duration_json(r["window"])) if isinstance(r, Mapping) and "window" in r else r
                        for r in out["rules"]]
    if isinstance(out.get("decay"), Mapping):
        out["decay"] = {k: _duration_json(v) for k, v in out["decay"].items()}
    if isinstance(out.get("thresholds"), (list, tuple)):
        out["thresholds"] = [
            dict(t, promote_to=_convert._enum(t["promote_to"], _convert._LIFECYCLE_PREFIX))
            if isinstance(t, Mapping) and isinstance(t.get("promote_to"), str) else t
            for t in out["thresholds"]]
    return out


def _durations_json(v: Any) -> Any:
    """Every timedelta inside dicts and lists as protobuf JSON duration text."""
    if isinstance(v, _dt.timedelta):
        return _duration_json(v)
    if isinstance(v, Mapping):
        return {k: _durations_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_durations_json(x) for x in v]
    return v


def _times(record: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    """``record`` with the RFC 3339 text under ``keys`` as aware UTC datetimes (None stays None)."""
    for key in keys:
        if record.get(key) is not None:
            record[key] = _convert.parse_timestamp(record[key])
    return record


def _frame(records: List[Dict[str, Any]], columns: Sequence[str], times: Sequence[str] = (),
           ints: Sequence[str] = ()) -> Any:
    """A DataFrame of ``records`` with exactly ``columns`` (also when empty):
    ``times`` as UTC datetimes (None as NaT), ``ints`` as int64, the rest objects."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    data: Dict[str, Any] = {}
    for c in columns:
        values = [r.get(c) for r in records]
        if c in times:
            parsed = [None if v is None else _convert.parse_timestamp(v) for v in values]
            data[c] = pd.to_datetime(pd.Series(parsed, dtype=object), utc=True)
        elif c in ints:
            data[c] = pd.array(values, dtype="int64")
        else:
            data[c] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(columns))


_OUTBOX_COLUMNS = ("seq", "id", "customer_id", "rule", "trigger", "action", "owner_id", "created_at",
                   "available_at", "attempts", "state", "last_error")
_AUDIT_COLUMNS = ("seq", "at", "rule", "playbook_version", "customer_id", "trigger", "depth", "outcome", "reason",
                  "reads", "actions")
_TASK_COLUMNS = ("seq", "id", "customer_id", "owner_id", "title", "rule", "created_at", "due_at")
_RULE_STATS_COLUMNS = ("fired", "skipped", "applied", "outbox", "blocked")


def _looks_like_text(s: str) -> bool:
    return "\n" in s or s.lstrip()[:1] in ("{", "[")


def _payload(kind: str, data: Any, format: Optional[str], schema: Any
             ) -> Tuple[bytes, str, Optional[str], Optional[List[int]], List[RecordError]]:
    """Records of ``kind`` in any form the load methods take, as the bytes the
    native readers parse: (payload, format, CSV schema JSON, the input index
    of each record sent for a list of dicts (else None), the dicts that could
    not be converted)."""
    try:
        schema_json = _convert.schema_to_json(schema)
    except _convert.ConversionError as e:
        raise InvalidArgumentError(e.message) from None
    if format is not None:
        with translated():
            format = _native.format_name(format)

    kept: Optional[List[int]] = None  # list input: input index of each record sent
    py_errors: List[RecordError] = []
    if _convert.is_dataframe(data):
        if format not in (None, "csv"):
            raise InvalidArgumentError("a DataFrame loads as CSV; format=%r does not apply" % (format,))
        payload, schema_json = _convert.dataframe_to_csv(data, kind, schema_json)
        format = "csv"
    elif isinstance(data, (bytes, bytearray, memoryview)):
        if format is None:
            raise InvalidArgumentError("format= is required when data is bytes")
        payload = bytes(data)
    elif isinstance(data, os.PathLike) or (isinstance(data, str) and (
            format is None and not _looks_like_text(data) or
            format is not None and "\n" not in data and os.path.isfile(data))):
        path = os.fspath(data)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if format is None:
            with translated():
                format = _native.format_from_path(path)
        with open(path, "rb") as f:
            payload = f.read()
    elif isinstance(data, str):
        if format is None:
            raise InvalidArgumentError("format= is required when data is text (or pass a file path)")
        payload = data.encode("utf-8")
    elif isinstance(data, Mapping) or isinstance(data, Iterable):
        if format not in (None, "json"):
            raise InvalidArgumentError("records given as dicts load as JSON; format=%r does not apply"
                                       % (format,))
        records = [data] if isinstance(data, Mapping) else list(data)
        payload, kept, bad = _convert.records_to_json(kind, records)
        py_errors = [RecordError(i, i + 1, field, message) for i, field, message in bad]
        format = "json"
    else:
        raise InvalidArgumentError("cannot load %s: expected a list of dicts, a pandas DataFrame, a path, "
                                   "or bytes/str with format=" % type(data).__name__)

    return payload, format, schema_json, kept, py_errors


def _engine_args(dedup_horizon: Any, start: Any, outbox_max_attempts: Any, outbox_retry_base: Any,
                 outbox_retry_max: Any) -> Tuple[int, int, int, int, int]:
    """The native engine's options, checked: (dedup_horizon_us, start_us,
    outbox_max_attempts, outbox_retry_base_us, outbox_retry_max_us)."""
    for name, value in (("dedup_horizon", dedup_horizon), ("outbox_retry_base", outbox_retry_base),
                        ("outbox_retry_max", outbox_retry_max)):
        if not isinstance(value, _dt.timedelta):
            raise InvalidArgumentError("%s must be a datetime.timedelta, got %s" % (name, type(value).__name__))
    if start is not None and not isinstance(start, _dt.datetime):
        raise InvalidArgumentError("start must be a datetime.datetime, got %s" % type(start).__name__)
    if isinstance(outbox_max_attempts, bool) or not isinstance(outbox_max_attempts, int) or not (
            1 <= outbox_max_attempts < 2 ** 32):
        raise InvalidArgumentError("outbox_max_attempts must be an int of at least 1, got %r"
                                   % (outbox_max_attempts,))
    start_us = 0 if start is None else _convert.to_micros(start)
    us = _dt.timedelta(microseconds=1)
    return (dedup_horizon // us, start_us, outbox_max_attempts, outbox_retry_base // us, outbox_retry_max // us)


class _Closed:
    """Stands in for the native engine of a closed Engine: every use raises."""

    def __getattr__(self, name: str) -> Any:
        raise FailedPreconditionError("the engine is closed")


class Engine:
    """The saleskit engine: a customer store and its clock.

    Thread safety: every method may be called from any thread. Loads release
    the GIL and are serialised by the engine; reads see the state between
    two loads. Nothing reads the wall clock: time moves only by advance_to().

    Args:
        dedup_horizon: events with an id are counted once while they arrive
            within this long (by occurred_at) of the first copy.
        start: where the engine clock starts (naive datetimes are UTC);
            default the Unix epoch.
        outbox_max_attempts: a nacked outbox entry is dead (on the
            dead-letter list) after this many nacks; at least 1.
        outbox_retry_base, outbox_retry_max: a nacked entry is polled again
            after ``outbox_retry_base * 2**(attempts - 1)``, at most
            ``outbox_retry_max`` (0 < base <= max).
    """

    def __init__(self, dedup_horizon: _dt.timedelta = _dt.timedelta(days=7),
                 start: Optional[_dt.datetime] = None, *, outbox_max_attempts: int = 5,
                 outbox_retry_base: _dt.timedelta = _dt.timedelta(minutes=1),
                 outbox_retry_max: _dt.timedelta = _dt.timedelta(hours=6)) -> None:
        args = _engine_args(dedup_horizon, start, outbox_max_attempts, outbox_retry_base, outbox_retry_max)
        with translated():
            self._native = _native.Engine(*args)
        # Models bound by bind_model: id(native model) -> (native model, native LiveModel).
        self._models: Dict[int, Tuple[Any, Any]] = {}

    @classmethod
    def open(cls, path: "Union[str, os.PathLike[str]]", *, durability: str = "sync", batch_records: int = 1000,
             batch_interval: Union[_dt.timedelta, float] = _dt.timedelta(milliseconds=100),
             checkpoint_every: int = 10000,
             dedup_horizon: _dt.timedelta = _dt.timedelta(days=7), start: Optional[_dt.datetime] = None,
             outbox_max_attempts: int = 5, outbox_retry_base: _dt.timedelta = _dt.timedelta(minutes=1),
             outbox_retry_max: _dt.timedelta = _dt.timedelta(hours=6)) -> "Engine":
        """A durable engine whose state lives in the SQLite file at ``path``
        (created if absent; docs/state.md).

        Opening loads the file's checkpoint and replays the journal after
        it, so the engine comes back with its customers, definitions,
        playbook, outbox, tasks and audit log; every successful change is
        journaled from then on. Close it with
        ``close()`` (or use it in a ``with`` block) to release the file.

        Args:
            durability: ``"sync"``: each changing call commits (fsyncs) its
                input before it returns, so a return is the acknowledgement.
                ``"batched"``: inputs are committed every ``batch_records``
                inputs, when the oldest pending one is ``batch_interval`` old
                (checked on each call), and by ``flush()`` and ``close()``.
            batch_interval: a timedelta, or seconds.
            checkpoint_every: a checkpoint is written once this many inputs
                have been journaled since the last one (0: only by
                ``checkpoint()``); a reopen replays at most about this many.
            dedup_horizon, start, outbox_*: as for ``Engine()``. ``start`` is
                recorded when the file is created; an existing file's wins.

        Raises:
            FailedPreconditionError: the file is locked by another process or
                another engine of this one, or was written by a newer saleskit.
            DataLossError: the file is not a saleskit state file, is damaged,
                or an entry does not replay (the message names the file and
                the entry's seq).
            InvalidArgumentError: bad options.
        """
        if durability not in ("sync", "batched"):
            raise InvalidArgumentError('durability must be "sync" or "batched", got %r' % (durability,))
        if isinstance(batch_records, bool) or not isinstance(batch_records, int) or not 1 <= batch_records < 2 ** 63:
            raise InvalidArgumentError("batch_records must be an int of at least 1, got %r" % (batch_records,))
        if isinstance(batch_interval, bool) or not isinstance(batch_interval, (_dt.timedelta, int, float)):
            raise InvalidArgumentError("batch_interval must be a datetime.timedelta or seconds, got %s"
                                       % type(batch_interval).__name__)
        if not isinstance(batch_interval, _dt.timedelta):
            batch_interval = _dt.timedelta(seconds=batch_interval)
        if batch_interval < _dt.timedelta(0):
            raise InvalidArgumentError("batch_interval must not be negative, got %s" % batch_interval)
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or \
                not 0 <= checkpoint_every < 2 ** 64:
            raise InvalidArgumentError("checkpoint_every must be a non-negative int, got %r" % (checkpoint_every,))
        args = _engine_args(dedup_horizon, start, outbox_max_attempts, outbox_retry_base, outbox_retry_max)
        self = cls.__new__(cls)
        with translated():
            self._native = _native.Engine.open(os.fspath(path), *args, durability, batch_records,
                                               batch_interval // _dt.timedelta(microseconds=1), checkpoint_every)
        self._models = {}
        return self

    def flush(self) -> None:
        """Commits the pending inputs of a durable engine: in ``"batched"``
        mode, the acknowledgement of every input before it. Does nothing for
        an in-memory engine.

        Raises:
            Error: the write failed; the engine then refuses changes
                (FailedPreconditionError) until it is reopened.
        """
        with translated():
            self._native.flush()

    @property
    def acknowledged(self) -> int:
        """The number of committed (acknowledged) inputs of a durable engine:
        one per successful changing call since its file was created. A host
        that numbers its inputs the same way resumes from here after a
        reopen. 0 for an in-memory engine."""
        with translated():
            return int(self._native.acknowledged)

    def checkpoint(self) -> None:
        """Writes a checkpoint of a durable engine: its whole state as of the
        last input, in one transaction with deleting the journal it covers,
        so that a reopen loads it and replays only what came after. Commits
        pending inputs first. Does nothing for an in-memory engine.

        Raises:
            FailedPreconditionError: the engine refuses changes after a
                failed write. On any error the file is as it was.
        """
        with translated():
            self._native.checkpoint()

    @property
    def checkpoint_seq(self) -> int:
        """The input number the state file's checkpoint covers through (0:
        none yet, or an in-memory engine)."""
        with translated():
            return int(self._native.checkpoint_seq)

    @property
    def durable(self) -> bool:
        """Whether the engine was opened on a state file (``Engine.open``)."""
        with translated():
            return bool(self._native.durable)

    def close(self) -> None:
        """Releases the engine: a durable one commits its pending inputs and
        unlocks its file. Later calls raise FailedPreconditionError. Closing
        twice is fine."""
        self._models = {}
        self._native = _Closed()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ loading

    def upsert_customers(self, data: Data, *, format: Optional[str] = None, on_invalid: str = "reject",
                         ignore_unknown_fields: bool = False, schema: Any = None) -> LoadReport:
        """Inserts new customers and merges into existing ones.

        Fields present in a record overwrite, absent fields (missing keys,
        None, NaN, empty CSV cells) keep their stored value, and
        ``clear_fields`` (e.g. ``["email", "attrs.plan"]``) clears. An
        attribute keeps the type it first had. The batch is atomic.

        Args:
            data: a list of dicts, a pandas DataFrame, a path (format from the
                extension: .csv .json .ndjson .jsonl .pb), or bytes/str
                content with ``format=``.
            format: "csv", "json", "ndjson" (or "jsonl"), "protobuf" (or "pb").
            on_invalid: "reject" (any invalid record raises, nothing is
                applied) or "skip" (valid records load; invalid ones are
                listed in ``LoadReport.rejected``).
            ignore_unknown_fields: accept and ignore unknown fields/columns.
            schema: CSV only: attribute types, e.g. ``{"plan": "string",
                "seats": int}`` (bool, int64, double, string, timestamp,
                string_list or the Python types); other ``attrs.*`` columns
                are inferred from their cells.

        Raises:
            InvalidArgumentError: the batch is invalid; the message names
                each bad record by index and line, and the field.
        """
        return self._load("customers", data, format, on_invalid, "error", ignore_unknown_fields, schema)

    def ingest_events(self, data: Data, *, format: Optional[str] = None, on_invalid: str = "reject",
                      unknown_customer: str = "error", ignore_unknown_fields: bool = False) -> LoadReport:
        """Adds events to their customers' aggregates, de-duplicating by event id.

        Args:
            data, format, on_invalid, ignore_unknown_fields: as for upsert_customers.
            unknown_customer: what an event for a customer not in the store
                does: "error" (an invalid record), "skip" (counted in
                ``skipped_unknown_customer``) or "create" (creates a customer
                with only the id).
        """
        return self._load("events", data, format, on_invalid, unknown_customer, ignore_unknown_fields, None)

    def upsert_accounts(self, data: Data, *, format: Optional[str] = None, on_invalid: str = "reject",
                        ignore_unknown_fields: bool = False, schema: Any = None) -> LoadReport:
        """Inserts or merges accounts (present fields overwrite). Arguments as for upsert_customers."""
        return self._load("accounts", data, format, on_invalid, "error", ignore_unknown_fields, schema)

    def upsert_deals(self, data: Data, *, format: Optional[str] = None, on_invalid: str = "reject",
                     ignore_unknown_fields: bool = False) -> LoadReport:
        """Inserts or merges deals (present fields overwrite); ``status`` may be "won", "lost", "open"."""
        return self._load("deals", data, format, on_invalid, "error", ignore_unknown_fields, None)

    def _load(self, kind: str, data: Any, format: Optional[str], on_invalid: str, unknown_customer: str,
              ignore_unknown_fields: bool, schema: Any) -> LoadReport:
        if on_invalid not in _ON_INVALID:
            raise InvalidArgumentError('on_invalid must be "reject" or "skip", got %r' % (on_invalid,))
        if unknown_customer not in _UNKNOWN_CUSTOMER:
            raise InvalidArgumentError('unknown_customer must be "error", "skip" or "create", got %r'
                                       % (unknown_customer,))
        payload, format, schema_json, kept, py_errors = _payload(kind, data, format, schema)
        if py_errors and on_invalid == "reject":
            raise InvalidArgumentError(_rejected_message(py_errors))

        with translated():
            r = self._native.load(kind, payload, format, on_invalid, unknown_customer, bool(ignore_unknown_fields),
                                  schema_json)
        received, inserted, updated, duplicates, skipped, created, rejected = r
        errors = [RecordError(i, line, field, message, binary) for i, line, field, message, binary in rejected]
        if kept is not None:
            # Positions in the JSON sent are positions among the converted records.
            errors = [RecordError(kept[e.index], kept[e.index] + 1, e.field, e.message) for e in errors]
            errors = sorted(errors + py_errors, key=lambda e: e.index)
            received += len(py_errors)
        return LoadReport(received, inserted, updated, duplicates, skipped, created, errors)

    # ------------------------------------------------------------ customers

    def get_customer(self, id: str) -> Dict[str, Any]:
        """The customer with this id as a dict: snake_case keys, absent fields omitted.

        ``lifecycle_stage`` and consent ``status`` are short lowercase names
        ("lead", "opted_in"), timestamps are aware UTC datetimes, and
        ``attrs`` hold plain values (bool, int, float, str, datetime, list of str).

        Raises:
            NotFoundError: no customer has this id.
        """
        with translated():
            text = self._native.get_customer_json(id)
        return _convert.customer_from_json(text)

    def get_activity(self, id: str) -> Dict[str, Dict[str, Any]]:
        """What the engine keeps of a customer's events, by event type.

        Returns ``{type: {"count": int, "sum": float, "first": datetime,
        "last": datetime}}``: events counted (duplicates by id excluded), the
        sum of their values, and the earliest and latest ``occurred_at``.

        Raises:
            NotFoundError: no customer has this id.
        """
        with translated():
            text = self._native.get_activity_json(id)
        return _convert.activity_from_json(text)

    def erase_customer(self, id: str) -> None:
        """Removes every trace of a customer. On a durable engine a checkpoint
        follows at once, deleting the journal that held the customer's
        records. Raises NotFoundError if unknown."""
        with translated():
            self._native.erase_customer(id)

    def erase_customers(self, ids: Iterable[str]) -> None:
        """Removes every trace of every customer in ``ids``, all or none,
        with one checkpoint for them all on a durable engine (erasing one at
        a time takes one checkpoint each).

        Raises:
            NotFoundError: an unknown id (the message names it and its
                position in ``ids``); nothing was erased.
            InvalidArgumentError: an id that repeats an earlier one; nothing
                was erased.
            TypeError: an id that is not a str.
        """
        batch = _id_list(ids)
        with translated():
            self._native.erase_customers(batch)

    @property
    def customer_count(self) -> int:
        """The number of customers in the store."""
        return self._native.customer_count

    def __len__(self) -> int:
        return self._native.customer_count

    def __contains__(self, id: object) -> bool:
        if not isinstance(id, str):
            return False
        try:
            self.get_customer(id)
        except NotFoundError:
            return False
        return True

    # ------------------------------------------------------------ clock

    @property
    def now(self) -> _dt.datetime:
        """The engine clock, as an aware UTC datetime."""
        return _convert.from_micros(self._native.now_us)

    def advance_to(self, t: _dt.datetime) -> None:
        """Moves the engine clock forward to ``t`` (naive datetimes are UTC).

        Raises:
            InvalidArgumentError: ``t`` is before ``now``.
        """
        if not isinstance(t, _dt.datetime):
            raise InvalidArgumentError("advance_to takes a datetime.datetime, got %s" % type(t).__name__)
        with translated():
            self._native.advance_to_us(_convert.to_micros(t))

    # ------------------------------------------------------------ CEL

    def compile(self, source: str, *, condition: bool = True) -> "_cel.Expression":
        """Compiles a CEL expression about this engine's customers (see saleskit.cel).

        The expression is bound to this engine: ``evaluate``/``matches`` with
        a customer id and ``Engine.match`` run it on the stored customers, with
        their event history. From this call on, the store keeps the windows it
        reads (``events.count("email_click", days(30))``): events ingested
        before compiling are in no window, so compile conditions before
        ingesting the events they count.

        Raises:
            CompileError: as for ``saleskit.cel.compile``.
        """
        if not isinstance(source, str):
            raise InvalidArgumentError("compile takes the expression as str, got %s" % type(source).__name__)
        with translated(compiling=True):
            native = self._native.compile(source, bool(condition))
        return _cel.Expression._wrap(native, self)

    def _bound(self, expression: "Union[_cel.Expression, str]", condition: bool) -> "_cel.Expression":
        if isinstance(expression, str):
            return self.compile(expression, condition=condition)
        if not isinstance(expression, _cel.Expression):
            raise InvalidArgumentError("expected a saleskit.cel.Expression or its source, got %s"
                                       % type(expression).__name__)
        if expression.engine is self:
            return expression
        # Compiled elsewhere: compile it here, so that this store keeps its windows.
        return self.compile(expression.source, condition=expression.is_condition)

    def evaluate(self, expression: "Union[_cel.Expression, str]", id: str) -> Any:
        """The value of an expression (or its source) for the stored customer ``id``, at ``now``.

        An expression compiled elsewhere, or given as source, is compiled
        here first; its windows then count only events ingested from now on.

        Raises:
            EvaluationError: the expression evaluated to an error for this customer.
            NotFoundError: no customer has this id.
            CompileError: ``expression`` is source that does not compile.
        """
        e = self._bound(expression, False)
        with translated():
            return self._native.evaluate(e._native, id)

    def matches(self, condition: "Union[_cel.Expression, str]", id: str) -> bool:
        """Whether a condition is true for the stored customer ``id`` (an error is False)."""
        e = self._bound(condition, True)
        try:
            return self.evaluate(e, id) is True
        except _cel.EvaluationError:
            return False

    def match(self, condition: "Union[_cel.Expression, str]") -> List[str]:
        """The ids of every stored customer a condition is true for, sorted.

        Runs the engine's columnar evaluator; a customer for whom the
        condition evaluates to an error (a never-set field compared) does not
        match. A condition given as source, or compiled elsewhere, is compiled
        here first (its windows count events ingested from then on).

        Raises:
            FailedPreconditionError: the expression was compiled with
                ``condition=False`` and is not bool.
            CompileError: ``condition`` is source that does not compile.
        """
        e = self._bound(condition, True)
        with translated():
            return list(self._native.match(e._native))

    # ------------------------------------------------------------ segments

    def define_segment(self, name: str, condition: str, description: str = "") -> None:
        """Defines a live segment: a named CEL condition about customers (docs/segments.md).

        It is evaluated for every customer at ``now`` (each member gets an
        ``enter`` record), and from then on kept current on every load,
        erasure and clock move. Define segments before ingesting the events
        their windows count.

        Raises:
            InvalidArgumentError: naming the segment, for a bad or already
                defined name, a condition that does not compile (with
                line:column) or is not bool, and in_segment() of an unknown
                segment.
        """
        self.define_playbook({"segments": [{"name": name, "condition": condition, "description": description}]})

    def define_segments(self, segments: Sequence[Mapping[str, str]]) -> None:
        """Defines several segments, all or none: dicts with ``name``,
        ``condition`` and optionally ``description``. They may read each other
        through in_segment() in any order; a cycle raises InvalidArgumentError
        naming it (``a -> b -> a``)."""
        self.define_playbook({"segments": list(segments)})

    def define_event_kinds(self, kinds: Sequence[Mapping[str, str]]) -> None:
        """Defines derived event kinds, all or none: dicts with ``name`` and a
        CEL ``condition`` over ``event`` (its type, value, occurred_at and
        properties). Events ingested from then on that satisfy a kind also
        count under its name, e.g. in ``events.count("pricing_view", days(30))``."""
        self.define_playbook({"event_kinds": list(kinds)})

    def define_playbook(self, playbook: Union[Mapping[str, Any], str]) -> None:
        """Defines a saleskit.v1.Playbook (a dict in its protobuf JSON shape, or
        its JSON text) as one unit, all or nothing::

            {"event_kinds": [...], "segments": [...], "scores": [...],
             "version": "2026-11",
             "owners": [{"id": "ann"}, {"id": "bob", "unavailable": True}],
             "pools": [{"name": "reps", "strategy": "ROUND_ROBIN", "owners": ["ann", "bob"]}],
             "policies": {"caps": [{"channel": "email", "max": 1, "window": timedelta(days=1)}]},
             "rules": [{"name": "route",
                        "trigger": {"segment": {"segment": "hot", "on": "ENTER"}},
                        "actions": [{"assign_owner": {"pool": "reps"}}]}]}

        Scores are as for define_score. Durations anywhere (windows, offsets,
        ``after``) may be timedeltas or protobuf duration text ("86400s").
        Event kinds, segments and scores already defined exactly so are kept;
        the rules, owners, pools, policies and version replace the running
        ones atomically (routing pointers, caps, the outbox and the audit log
        carry over). Rules see only changes made after they are defined.

        Raises:
            InvalidArgumentError: naming the segment, score, rule, pool or
                owner and the field at fault (e.g. ``rule "r":
                trigger.segment: there is no segment named "nope"``).
            FailedPreconditionError: a different definition under a name
                already defined (remove it first).
        """
        if isinstance(playbook, str):
            text = playbook
        elif isinstance(playbook, Mapping):
            if "scores" in playbook:
                playbook = dict(playbook, scores=[_score_json(d) for d in playbook["scores"]])
            playbook = {k: (v if k == "scores" else _durations_json(v)) for k, v in playbook.items()}
            text = json.dumps(playbook)
        else:
            raise InvalidArgumentError("define_playbook takes a dict or JSON text, got %s" % type(playbook).__name__)
        with translated():
            self._native.define_playbook(text)

    def playbook(self) -> Dict[str, Any]:
        """The defined event kinds, segments (in dependency order) and scores,
        and the running rules, owners, pools, policies and version, as a
        protobuf-JSON dict (the lists are always present)."""
        with translated():
            out = json.loads(self._native.playbook_json())
        for key in ("event_kinds", "segments", "scores", "rules", "owners", "pools"):
            out.setdefault(key, [])
        return out

    def remove_segment(self, name: str) -> None:
        """Removes a segment and its memberships (its change records stay).

        Raises:
            NotFoundError: no such segment.
            FailedPreconditionError: another segment reads it.
        """
        with translated():
            self._native.remove_segment(name)

    def segment_members(self, name: str) -> Any:
        """The member ids of a segment, sorted, as a numpy array of str objects."""
        import numpy as np

        with translated():
            ids = self._native.segment_members(name)
        return np.array(ids, dtype=object)

    def segment_count(self, name: str) -> int:
        """The number of members of a segment."""
        with translated():
            return int(self._native.segment_count(name))

    def is_member(self, name: str, id: str) -> bool:
        """Whether customer ``id`` is a member of segment ``name``.

        Raises:
            NotFoundError: no such segment or customer.
        """
        with translated():
            return bool(self._native.is_member(name, id))

    def segment_changes(self, after: int = 0, limit: Optional[int] = None) -> Any:
        """The enter/exit records with ``seq > after``, oldest first, as a pandas
        DataFrame with columns seq, at (UTC), segment, customer_id, kind
        ("enter" or "exit"). Poll with ``after`` = the last seq handled."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            seq, at_us, segment, customer, kind = self._native.segment_changes(int(after), int(limit or 0))
        return pd.DataFrame({
            "seq": pd.array(seq, dtype="int64"),
            "at": pd.to_datetime(pd.array(at_us, dtype="int64"), unit="us", utc=True),
            "segment": pd.array(segment, dtype=object),
            "customer_id": pd.array(customer, dtype=object),
            "kind": pd.array(kind, dtype=object),
        })

    @property
    def last_segment_change(self) -> int:
        """The seq of the newest change record (0 before the first)."""
        return int(self._native.last_segment_change())

    def trim_segment_changes(self, through: int) -> None:
        """Forgets the change records with ``seq <= through`` (handled by the host)."""
        with translated():
            self._native.trim_segment_changes(int(through))

    def explain_segment(self, name: str, id: str) -> Dict[str, Any]:
        """The value of each clause of a segment's condition for customer ``id``.

        Returns ``{"segment", "customer_id", "member", "clauses"}`` where each
        clause is ``{"depth", "text", "value", "error"}``: the operands of the
        condition's ``&&``, ``||`` and ``!`` at any depth, in source order;
        ``error`` is the message when the clause evaluated to an error
        (``value`` is then None).
        """
        with translated():
            member, clauses = self._native.explain_segment(name, id)
        return {
            "segment": name,
            "customer_id": id,
            "member": bool(member),
            "clauses": [{"depth": d, "text": t, "value": v, "error": e} for d, t, v, e in clauses],
        }

    def evaluate_segments(self) -> Dict[str, Any]:
        """Every segment evaluated from scratch by the columnar evaluator at
        ``now``: {name: sorted member ids as a numpy array}. What the live
        memberships equal; for checking and benchmarks."""
        import numpy as np

        with translated():
            pairs = self._native.evaluate_segments()
        return {name: np.array(ids, dtype=object) for name, ids in pairs}

    # ------------------------------------------------------------ points scores

    def define_score(self, score: Mapping[str, Any]) -> None:
        """Defines one points score (docs/scores.md): a saleskit.v1.ScoreDef as
        a dict in its protobuf JSON shape, e.g.::

            {"name": "lead",
             "rules": [{"condition": 'customer.country == "DE"', "points": 20},
                       {"event": "email_click", "points": 5, "max_per_window": 2, "window": "86400s"}],
             "decay": {"half_life": "2592000s"},   # or {"time_frame": ...}; a timedelta works too
             "min": 0, "max": 100,
             "grades": [{"grade": "A", "min": 50}],
             "thresholds": [{"value": 30, "name": "mql", "promote_to": "marketing_qualified"}]}

        It is computed for every customer at ``now`` (a customer at or above a
        threshold gets an up crossing and its promotion) and kept current from
        then on. Event rules count the events ingested after this call: define
        scores before ingesting.

        Raises:
            InvalidArgumentError: naming the score (and rule), for a bad or
                duplicate name, no rules, a rule with neither or both of
                condition and event, a condition that does not compile or is not
                bool, a maximum without a window, a bad decay, min > max, a
                threshold or grade outside [min, max], two thresholds at one value.
        """
        self.define_scores([score])

    def define_scores(self, scores: Union[Sequence[Mapping[str, Any]], Mapping[str, Any]]) -> None:
        """Defines several points scores, all or none (dicts as for define_score;
        a single dict is one score)."""
        if isinstance(scores, Mapping):
            scores = [scores]
        if isinstance(scores, (str, bytes)) or not isinstance(scores, Sequence):
            raise InvalidArgumentError(
                "define_scores takes a dict or a list of dicts, got %s" % type(scores).__name__)
        text = json.dumps([_score_json(s) for s in scores])
        with translated():
            self._native.define_scores(text)

    def remove_score(self, name: str) -> None:
        """Removes a score (its crossing records stay).

        Raises:
            NotFoundError: no such score.
            FailedPreconditionError: a segment reads it through score().
        """
        with translated():
            self._native.remove_score(name)

    def scores(self) -> List[Dict[str, Any]]:
        """The score definitions, in definition order, as protobuf-JSON dicts."""
        with translated():
            return list(json.loads(self._native.scores_json()).get("scores", []))

    def score(self, name: str, id: str) -> float:
        """Customer ``id``'s value of score ``name`` at ``now``.

        Raises:
            NotFoundError: no such score or customer.
        """
        with translated():
            return float(self._native.score(name, id)[0])

    def score_grade(self, name: str, id: str) -> str:
        """Customer ``id``'s grade of score ``name`` at ``now`` ("" below every band).

        Raises:
            NotFoundError: no such score or customer.
        """
        with translated():
            return str(self._native.score(name, id)[1])

    def score_values(self, name: str) -> Any:
        """Every customer's live value of score ``name``: a float64 pandas
        Series indexed by customer_id (sorted), named after the score.

        Raises:
            NotFoundError: no such score.
        """
        import numpy as np
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            ids, values, _ = self._native.score_values(name)
        return pd.Series(np.frombuffer(values, dtype="f8").copy(), index=pd.Index(ids, name="customer_id", dtype=object),
                         name=name)

    def scores_frame(self) -> Any:
        """Every customer's scores: a pandas DataFrame indexed by customer_id
        (sorted) with, per score in definition order, a float64 column named
        after it and an object column ``<name>_grade`` ("" below every band),
        the same table as ``saleskit points``."""
        import numpy as np
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            ids, table = self._native.scores_table()  # one snapshot
        columns: Dict[str, Any] = {}
        for name, values, grades in table:
            columns[name] = np.frombuffer(values, dtype="f8").copy()
            columns[name + "_grade"] = np.array(grades, dtype=object)
        return pd.DataFrame(columns, index=pd.Index(ids, name="customer_id", dtype=object))

    def evaluate_scores(self) -> Any:
        """Every score recomputed from scratch at ``now``: a float64 DataFrame
        indexed by customer_id (sorted), one column per score in definition
        order. What the live values (scores_frame) equal; for checking."""
        import numpy as np
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            ids, columns = self._native.evaluate_scores()
        return pd.DataFrame({name: np.frombuffer(values, dtype="f8").copy() for name, values in columns},
                            index=pd.Index(ids, name="customer_id", dtype=object))

    def explain_score(self, name: str, id: str) -> Dict[str, Any]:
        """Why customer ``id`` has their score ``name`` at ``now``.

        Returns ``{"score", "customer_id", "at", "value", "unclamped", "grade",
        "rules"}``; each rule (in definition order) is ``{"rule", "event",
        "points", "holds", "events"}`` where ``event`` says whether it is an
        event rule, ``points`` is what it contributes now and ``holds`` whether
        a condition rule's condition holds. An event rule's ``events`` are its
        counted events, oldest first: ``{"at", "points", "full_points",
        "over_maximum", "expires"}`` (``points`` after decay, 0 over the window
        maximum; ``expires`` None for never).

        Raises:
            NotFoundError: no such score or customer.
        """
        with translated():
            value, unclamped, grade, now_us, rules = self._native.explain_score(name, id)
        return {
            "score": name,
            "customer_id": id,
            "at": _convert.from_micros(now_us),
            "value": value,
            "unclamped": unclamped,
            "grade": grade,
            "rules": [{
                "rule": rule,
                "event": is_event,
                "points": points,
                "holds": holds,
                "events": [{
                    "at": _convert.from_micros(at),
                    "points": p,
                    "full_points": full,
                    "over_maximum": over,
                    "expires": None if expires is None else _convert.from_micros(expires),
                } for at, p, full, over, expires in events],
            } for rule, is_event, points, holds, events in rules],
        }

    def score_crossings(self, after: int = 0, limit: Optional[int] = None) -> Any:
        """The threshold crossings with ``seq > after``, oldest first, as a
        pandas DataFrame with columns seq, at (UTC, the exact instant), score,
        customer_id, threshold, threshold_value, direction ("up"/"down"),
        value (the score after the change) and promoted_to (the lifecycle stage
        the crossing moved the customer to, e.g. "marketing_qualified", or
        None). Poll with ``after`` = the last seq handled."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            (seq, at_us, score, customer, threshold, threshold_value, direction, value,
             promoted) = self._native.score_crossings(int(after), int(limit or 0))
        return pd.DataFrame({
            "seq": pd.array(seq, dtype="int64"),
            "at": pd.to_datetime(pd.array(at_us, dtype="int64"), unit="us", utc=True),
            "score": pd.array(score, dtype=object),
            "customer_id": pd.array(customer, dtype=object),
            "threshold": pd.array(threshold, dtype=object),
            "threshold_value": pd.array(threshold_value, dtype="float64"),
            "direction": pd.array(direction, dtype=object),
            "value": pd.array(value, dtype="float64"),
            # A Series keeps None (pd.array(dtype=object) turns it into NaN in pandas 3).
            "promoted_to": pd.Series([p or None for p in promoted], dtype=object),
        })

    @property
    def last_score_crossing(self) -> int:
        """The seq of the newest crossing record (0 before the first)."""
        return int(self._native.last_score_crossing())

    def trim_score_crossings(self, through: int) -> None:
        """Forgets the crossing records with ``seq <= through`` (handled by the host)."""
        with translated():
            self._native.trim_score_crossings(int(through))

    # ------------------------------------------------------------ automation

    def poll_outbox(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Up to ``limit`` (None: all) outbox entries due at ``now``, for the
        host to deliver, oldest first and at most one per customer (a
        customer's next entry waits while an earlier one is in flight, in
        quiet hours or backing off, so each customer's are delivered in order).

        Each entry is a dict: ``seq``, ``id`` (stable: the same decision always
        has the same id), ``customer_id``, ``rule``, ``trigger`` (what fired
        the rule), ``action`` (the saleskit.v1.Action as in the playbook, e.g.
        ``{"send_email": {"template_id": "welcome"}}``), ``owner_id`` (the
        customer's owner when decided, or None), ``created_at`` and
        ``available_at`` (UTC datetimes), ``attempts`` (nacks so far),
        ``state`` ("pending") and ``last_error`` (None before a nack).

        Polled entries are in flight until ``ack``-ed or ``nack``-ed.
        """
        with translated():
            text = self._native.poll_outbox_json(int(limit or 0))
        return [_times(e, "created_at", "available_at") for e in json.loads(text)]

    def ack(self, ids: Union[str, Iterable[str]]) -> None:
        """The host delivered outbox entry ``ids`` (one id), or every entry in
        ``ids`` (an iterable of ids): they are done (acking twice is fine).

        Several ids are acked in one write (one journal entry on a durable
        engine, where acking one at a time writes one each), all or none.

        Raises:
            NotFoundError: no outbox entry has this id (the message names it,
                and its position in ``ids``); nothing was acked.
            FailedPreconditionError: the entry is dead; nothing was acked.
            TypeError: an id that is not a str.
        """
        if isinstance(ids, str):
            with translated():
                self._native.ack_outbox(ids)
            return
        batch = _id_list(ids)
        with translated():
            self._native.ack_outbox_many(batch)

    def nack(self, id: str, error: str = "") -> None:
        """Delivering outbox entry ``id`` failed with ``error``: it is polled
        again after a backoff (``outbox_retry_base`` doubling per attempt, at
        most ``outbox_retry_max``), and is dead after ``outbox_max_attempts``
        nacks (see ``outbox(state="dead")``).

        Raises:
            NotFoundError: no outbox entry has this id (the message names it).
            FailedPreconditionError: the entry is done or dead.
        """
        with translated():
            self._native.nack_outbox(id, error)

    def outbox(self, after: int = 0, limit: Optional[int] = None, state: Optional[str] = None) -> Any:
        """The outbox entries with ``seq > after``, oldest first, at most
        ``limit``, in ``state`` ("pending", "done", "dead"; None for every
        state), as a pandas DataFrame with the keys of ``poll_outbox`` as
        columns (created_at and available_at UTC, seq and attempts int64).
        Reading does not put entries in flight.

        Raises:
            InvalidArgumentError: an unknown state.
        """
        with translated():
            text = self._native.outbox_json(int(after), int(limit or 0), state or "")
        return _frame(json.loads(text), _OUTBOX_COLUMNS, times=("created_at", "available_at"),
                      ints=("seq", "attempts"))

    def audit(self, after: int = 0, limit: Optional[int] = None, customer: Optional[str] = None,
              rule: Optional[str] = None) -> Any:
        """The audit log: one record per decision about one rule for one
        customer, with ``seq > after``, oldest first, at most ``limit``; only
        ``customer``'s and only ``rule``'s when given. A pandas DataFrame with
        columns seq, at (UTC), rule, playbook_version, customer_id, trigger,
        depth (0 for a change by the host or the clock, n for one made by a
        rule at depth n-1), outcome ("fired" or "skipped"), reason (why it was
        skipped: "condition_false", "do_not_contact", "priority", ...; else
        None), reads (the values the condition read: a list of ``{"name",
        "value"}``) and actions (a fired rule's actions: a list of ``{"index",
        "id", "result", "reason", "detail"}``, result "applied", "outbox",
        "deferred" or "skipped", with a reason such as "no_consent" or
        "frequency_cap" when skipped). Reasons are the lower-case names of
        saleskit.v1.SkipReason. Poll with ``after`` = the last seq handled.
        """
        with translated():
            text = self._native.audit_json(int(after), int(limit or 0), customer or "", rule or "")
        return _frame(json.loads(text), _AUDIT_COLUMNS, times=("at",), ints=("seq", "depth"))

    def trim_audit(self, through: int) -> None:
        """Forgets the audit records with ``seq <= through`` (handled by the host)."""
        with translated():
            self._native.trim_audit(int(through))

    def set_owner_available(self, owner_id: str, available: bool) -> None:
        """Marks an owner of the running playbook available or on leave, from
        the next decision on, without a new playbook version: routing pools
        skip an unavailable owner (round robin resumes where it was when they
        are back). Overrides the owner's ``unavailable`` flag in the playbook
        and stays in force across new playbook versions that still list the
        owner. A pool left with no available owner nor fallback skips its
        assignments, audited with reason ``"no_owner"``. Journaled by a
        durable engine.

        Raises:
            NotFoundError: the running playbook has no such owner.
        """
        if not isinstance(available, bool):
            raise InvalidArgumentError("available must be a bool, got %s" % type(available).__name__)
        with translated():
            self._native.set_owner_available(owner_id, available)

    def tasks(self, customer: Optional[str] = None, after: int = 0, limit: Optional[int] = None) -> Any:
        """The tasks the rules created (create_task) with ``seq > after``,
        oldest first, at most ``limit``; only ``customer``'s when given. A
        pandas DataFrame with columns seq (int64, from 1 in order of
        creation), id, customer_id, owner_id, title, rule, created_at and
        due_at (UTC; the due time counts business hours in the owner's
        working hours). Poll with ``after`` = the last seq handed to the CRM,
        then ``trim_tasks`` through it."""
        with translated():
            text = self._native.tasks_json(customer or "", int(after), int(limit or 0))
        return _frame(json.loads(text), _TASK_COLUMNS, times=("created_at", "due_at"), ints=("seq",))

    @property
    def last_task(self) -> int:
        """The seq of the newest task (0 before the first; trimming keeps it)."""
        return int(self._native.last_task())

    def trim_tasks(self, through: int) -> None:
        """Forgets the tasks with ``seq <= through`` (handed to the CRM).
        Journaled by a durable engine."""
        with translated():
            self._native.trim_tasks(int(through))

    def rule_stats(self) -> Any:
        """Decision counts per running rule: a pandas DataFrame indexed by rule
        (playbook order) with int64 columns fired, skipped (audit records),
        applied (internal actions done), outbox (external actions sent to the
        outbox, deferred ones included) and blocked (actions skipped by a
        policy or routing)."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        with translated():
            stats = json.loads(self._native.rule_stats_json())
        frame = _frame(stats, ("rule",) + _RULE_STATS_COLUMNS, ints=_RULE_STATS_COLUMNS)
        return frame.set_index(pd.Index(frame["rule"], name="rule", dtype=object)).drop(columns="rule")

    # ------------------------------------------------------------ predictive models

    def _live_model(self, model: Any, bind: bool) -> Any:
        native = getattr(model, "_native", None)
        if not isinstance(native, _native.PredictiveModel):
            raise InvalidArgumentError("expected a saleskit.PredictiveModel, got %s" % type(model).__name__)
        models = self._models
        entry = models.get(id(native))
        if entry is not None:
            return entry[1]
        if not bind:
            raise FailedPreconditionError("the model is not bound to this engine: call bind_model before loading "
                                          "the events its features count")
        with translated():
            live = self._native.bind_model(native)
        # The entry keeps the native model alive, so its id() is not reused while bound.
        models[id(native)] = (native, live)
        return live

    def bind_model(self, model: Any) -> None:
        """Binds a model trained from history (``saleskit.train_from_history``)
        to this engine, so that ``predict`` and ``explain_prediction`` can
        score its customers (docs/predictive.md, "Scoring live customers").

        Binding compiles the model's feature expressions; from then on the
        store keeps the event windows they read, so bind before ingesting the
        events they count (events ingested earlier are in no window). Binding
        the same model again does nothing.

        Raises:
            InvalidArgumentError: a feature without a CEL expression (a model
                trained on a table, ``train_model``/``LogisticScorer``), or one
                that does not compile; the message names it.
        """
        self._live_model(model, True)

    def predict(self, model: Any) -> Any:
        """P(positive) of every customer at ``now`` by a bound model: a pandas
        Series of float64 indexed by customer_id (in id order), named
        "probability" (a dict without pandas). The values equal
        ``model.predict_proba`` on a frame of the customers' feature values.

        Raises:
            FailedPreconditionError: the model is not bound (``bind_model``).
        """
        live = self._live_model(model, False)
        with translated():
            ids, raw = self._native.predict_model(live)
        import numpy as np

        p = np.frombuffer(raw, dtype=np.float64).copy()
        try:
            import pandas as pd
        except ImportError:
            return dict(zip(ids, p.tolist()))
        return pd.Series(p, index=pd.Index(list(ids), name="customer_id"), name="probability")

    def explain_prediction(self, model: Any, customer_id: str, k: int = 3) -> Dict[str, Any]:
        """Why a customer has their P(positive) at ``now``: ``{"customer_id",
        "probability", "log_odds", "base_log_odds", "top": [{"feature",
        "value", "kind", "log_odds"}, ...]}`` with the k largest
        contributions (relative to the average training row), as
        ``PredictiveModel.explain``.

        Raises:
            NotFoundError: no customer has this id.
            FailedPreconditionError: the model is not bound (``bind_model``).
        """
        live = self._live_model(model, False)
        with translated():
            return self._native.explain_prediction(live, customer_id, int(k))

    # ------------------------------------------------------------ stats

    def stats(self) -> Dict[str, int]:
        """Sizes and memory of the store: customers, accounts, deals, events,
        event_types, custom_attributes, column_bytes, dictionary_bytes."""
        with translated():
            return dict(self._native.stats())

    def __repr__(self) -> str:
        if isinstance(self._native, _Closed):
            return "saleskit.Engine(closed)"
        return "saleskit.Engine(customers=%d, now=%s)" % (len(self), _convert.format_timestamp(self.now))
