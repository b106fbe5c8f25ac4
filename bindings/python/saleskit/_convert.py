"""Conversions between friendly Python values and the protobuf JSON mapping.

Records go in as JSON text (protobuf JSON mapping, see
proto/saleskit/v1/records.proto) and come out of the engine the same way;
this module is where Python values meet that text.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import sys
from numbers import Integral, Real
from typing import Any, Dict, List, Mapping, Optional, Tuple

UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = _dt.timedelta(microseconds=1)

# The oneof of v1.AttrValue, in both spellings the JSON mapping accepts.
_ATTR_KINDS = {
    "bool_value", "int_value", "double_value", "string_value", "timestamp_value", "string_list_value",
    "boolValue", "intValue", "doubleValue", "stringValue", "timestampValue", "stringListValue",
}
_LIFECYCLE_PREFIX = "LIFECYCLE_STAGE_"


class ConversionError(Exception):
    """A value that cannot be expressed in the record schema, at `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# ---------------------------------------------------------------- time

def to_utc(t: _dt.datetime) -> _dt.datetime:
    """`t` as an aware UTC datetime; naive datetimes are taken to be UTC."""
    if t.tzinfo is None or t.tzinfo.utcoffset(t) is None:
        return t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def to_micros(t: _dt.datetime) -> int:
    """Microseconds since the Unix epoch; naive datetimes are UTC."""
    return (to_utc(t) - EPOCH) // _ONE_US


def from_micros(us: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=us)


def format_timestamp(t: "_dt.datetime | _dt.date") -> str:
    """RFC 3339 in UTC: ``2026-01-01T09:30:00Z``, with ``.ffffff`` only when needed."""
    if not isinstance(t, _dt.datetime):
        t = _dt.datetime(t.year, t.month, t.day)
    t = to_utc(t)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.year < 1000:  # strftime does not pad years on every platform
        text = "%04d%s" % (t.year, text[text.index("-"):])
    if t.microsecond:
        text += ".%06d" % t.microsecond
    return text + "Z"


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$")


def parse_timestamp(text: str) -> _dt.datetime:
    """An RFC 3339 timestamp as printed by the engine, as an aware UTC datetime."""
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError("not an RFC 3339 timestamp: %r" % text)
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6])
    tz: _dt.tzinfo = UTC
    if m.group(9):
        offset = _dt.timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        tz = _dt.timezone(-offset if m.group(9) == "-" else offset)
    return _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)


# ---------------------------------------------------------------- Python -> JSON

def _numpy_scalar(v: Any) -> Any:
    """A numpy scalar as the matching Python value (numpy is never imported here)."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(v, np.generic):
        return v
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return None
        return parse_timestamp(str(np.datetime_as_string(v, unit="us", timezone="UTC")))
    return v.item()


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or type(v).__name__ in ("NaTType", "NAType")


def _int64(v: int, field: str) -> int:
    if not -(2 ** 63) <= v < 2 ** 63:
        raise ConversionError(field, "%d is outside the int64 range" % v)
    return v


def _plain(v: Any, field: str) -> Any:
    """`v` as JSON-ready data: datetimes become RFC 3339, None/NaN entries are dropped."""
    v = _numpy_scalar(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, Integral):
        return _int64(int(v), field)
    if isinstance(v, Real):
        f = float(v)
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if isinstance(v, (_dt.datetime, _dt.date)):
        return format_timestamp(v)
    if isinstance(v, Mapping):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise ConversionError(field, "keys must be strings, got %r" % (k,))
            x = _numpy_scalar(x)
            if _is_missing(x):
                continue
            out[k] = _plain(x, "%s.%s" % (field, k) if field else k)
        return out
    if isinstance(v, (list, tuple)):
        return [_plain(x, field) for x in v]
    raise ConversionError(field, "cannot convert a value of type %s" % type(v).__name__)


def _typed_attr(v: Any, field: str) -> Dict[str, Any]:
    """A plain attribute value as a v1.AttrValue in the JSON mapping."""
    v = _numpy_scalar(v)
    if isinstance(v, Mapping):
        if len(v) == 1 and next(iter(v)) in _ATTR_KINDS:
            typed: Dict[str, Any] = _plain(v, field)
            return typed
        raise ConversionError(field, "a dict attribute value must be typed, e.g. {\"int_value\": 3}; got keys %s"
                              % sorted(v))
    if isinstance(v, bool):
        return {"bool_value": v}
    if isinstance(v, Integral):
        return {"int_value": _int64(int(v), field)}
    if isinstance(v, Real):
        return {"double_value": _plain(v, field)}
    if isinstance(v, str):
        return {"string_value": v}
    if isinstance(v, (_dt.datetime, _dt.date)):
        return {"timestamp_value": format_timestamp(v)}
    if isinstance(v, (list, tuple)):
        if not all(isinstance(x, str) for x in v):
            raise ConversionError(field, "a list attribute holds strings only")
        return {"string_list_value": {"values": list(v)}}
    raise ConversionError(field, "cannot convert a value of type %s to an attribute" % type(v).__name__)


def _attrs(v: Any, field: str) -> Dict[str, Any]:
    if not isinstance(v, Mapping):
        raise ConversionError(field, "expected a dict of attributes, got %s" % type(v).__name__)
    out = {}
    for name, x in v.items():
        x = _numpy_scalar(x)
        if _is_missing(x):
            continue
        out[str(name)] = _typed_attr(x, "%s.%s" % (field, name))
    return out


def _properties(v: Any, field: str) -> Dict[str, str]:
    if not isinstance(v, Mapping):
        raise ConversionError(field, "expected a dict of properties, got %s" % type(v).__name__)
    out = {}
    for name, x in v.items():
        x = _plain(x, "%s.%s" % (field, name))
        if x is None:
            continue
        if isinstance(x, bool):
            x = "true" if x else "false"
        elif not isinstance(x, str):
            if isinstance(x, (dict, list)):
                raise ConversionError("%s.%s" % (field, name), "a property value is a string")
            x = str(x)
        out[str(name)] = x
    return out


def _enum(v: Any, prefix: str = "") -> Any:
    """A short lowercase enum name ("lead", "won", "opted_in") as the proto name."""
    if isinstance(v, str):
        upper = v.upper()
        if prefix and not upper.startswith(prefix):
            upper = prefix + upper
        return upper
    return v


def _consent(v: Any, field: str) -> Any:
    if not isinstance(v, Mapping):
        raise ConversionError(field, "expected a dict of channels, got %s" % type(v).__name__)
    out = _plain(v, field)
    for channel, c in out.items():
        if isinstance(c, dict) and "status" in c:
            c["status"] = _enum(c["status"])
    return out


def record_to_json(kind: str, record: Any) -> Dict[str, Any]:
    """One record (a Mapping) as a JSON-ready dict for the engine's JSON reader."""
    if not isinstance(record, Mapping):
        raise ConversionError("", "expected a dict, got %s" % type(record).__name__)
    out: Dict[str, Any] = {}
    for key, v in record.items():
        if not isinstance(key, str):
            raise ConversionError("", "field names must be strings, got %r" % (key,))
        v = _numpy_scalar(v)
        if _is_missing(v):
            continue
        if key == "attrs" and kind in ("customers", "accounts"):
            out[key] = _attrs(v, key)
        elif key == "properties" and kind == "events":
            out[key] = _properties(v, key)
        elif key in ("lifecycle_stage", "lifecycleStage") and kind == "customers":
            out[key] = _enum(_plain(v, key), _LIFECYCLE_PREFIX)
        elif key == "consent" and kind == "customers":
            out[key] = _consent(v, key)
        elif key == "status" and kind == "deals":
            out[key] = _enum(_plain(v, key))
        else:
            out[key] = _plain(v, key)
    return out


def records_to_json(kind: str, records: List[Any]) -> Tuple[bytes, List[int], List[Tuple[int, str, str]]]:
    """The convertible records as a JSON array with record k on line k + 1.

    Returns the JSON text, the input index of each record in it, and
    (index, field, message) for each record that could not be converted.
    """
    parts: List[str] = []
    kept: List[int] = []
    errors: List[Tuple[int, str, str]] = []
    for i, r in enumerate(records):
        try:
            parts.append(json.dumps(record_to_json(kind, r), ensure_ascii=False, separators=(",", ":"),
                                    allow_nan=False))
            kept.append(i)
        except ConversionError as e:
            errors.append((i, e.field, e.message))
    return ("[" + ",\n".join(parts) + "]").encode("utf-8"), kept, errors


# ---------------------------------------------------------------- JSON -> Python

def _attr_from_json(v: Mapping[str, Any]) -> Any:
    if "bool_value" in v:
        return bool(v["bool_value"])
    if "int_value" in v:
        return int(v["int_value"])
    if "double_value" in v:
        return float(v["double_value"])
    if "string_value" in v:
        return v["string_value"]
    if "timestamp_value" in v:
        return parse_timestamp(v["timestamp_value"])
    if "string_list_value" in v:
        return list(v["string_list_value"].get("values", []))
    return None


def _short_enum(name: str, prefix: str = "") -> str:
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    return name.lower()


_INT_FIELDS = {"employee_count"}
_TIME_FIELDS = {"created_at", "updated_at", "close_date", "occurred_at"}


def customer_from_json(text: str) -> Dict[str, Any]:
    """A customer printed by the engine as a friendly dict (see docs/python.md)."""
    d: Dict[str, Any] = json.loads(text)
    for key in list(d):
        v = d[key]
        if key in _TIME_FIELDS:
            d[key] = parse_timestamp(v)
        elif key in _INT_FIELDS:
            d[key] = int(v)
        elif key == "annual_revenue":
            d[key] = float(v)
        elif key == "lifecycle_stage":
            d[key] = _short_enum(v, _LIFECYCLE_PREFIX)
        elif key == "consent":
            for c in v.values():
                if "status" in c:
                    c["status"] = _short_enum(c["status"])
                if "at" in c:
                    c["at"] = parse_timestamp(c["at"])
        elif key == "attrs":
            d[key] = {name: _attr_from_json(v[name]) for name in sorted(v)}
    return d


def activity_from_json(text: str) -> Dict[str, Dict[str, Any]]:
    """A CustomerActivity printed by the engine as {type: {count, sum, first, last}}."""
    d: Dict[str, Any] = json.loads(text)
    out: Dict[str, Dict[str, Any]] = {}
    for e in d.get("events", []):
        out[e["type"]] = {
            "count": int(e.get("count", 0)),
            "sum": float(e.get("sum", 0.0)),
            "first": parse_timestamp(e["first"]) if "first" in e else None,
            "last": parse_timestamp(e["last"]) if "last" in e else None,
        }
    return out


# ---------------------------------------------------------------- schema

_SCHEMA_TYPES = {bool: "bool", int: "int64", float: "double", str: "string", _dt.datetime: "timestamp",
                 list: "string_list", tuple: "string_list"}


def schema_to_json(schema: Any) -> Optional[str]:
    """A CSV schema as the JSON the engine takes: {"attrs": {"NAME": "TYPE"}}.

    Accepts that JSON as text, or a dict: {"attrs": {...}} or just {NAME: TYPE};
    NAME may carry the "attrs." prefix and TYPE may be a Python type.
    """
    if schema is None:
        return None
    if isinstance(schema, (str, bytes)):
        return schema.decode("utf-8") if isinstance(schema, bytes) else schema
    if not isinstance(schema, Mapping):
        raise ConversionError("schema", "expected a dict or JSON text, got %s" % type(schema).__name__)
    attrs = schema["attrs"] if set(schema) == {"attrs"} and isinstance(schema["attrs"], Mapping) else schema
    out = {}
    for name, t in attrs.items():
        name = str(name)
        if name.startswith("attrs."):
            name = name[len("attrs."):]
        if isinstance(t, type):
            if t not in _SCHEMA_TYPES:
                raise ConversionError("schema", "attrs.%s: no attribute type for %s" % (name, t.__name__))
            t = _SCHEMA_TYPES[t]
        out[name] = t
    return json.dumps({"attrs": out})


# ---------------------------------------------------------------- pandas

def dataframe_to_csv(df: Any, kind: str, schema: Optional[str]) -> Tuple[bytes, Optional[str]]:
    """A DataFrame as CSV text, and the schema with types implied by dtypes added.

    Column names are the CSV column names (id, email, attrs.plan, tags, ...).
    NaN/None/NaT become empty cells (absent). Cells holding lists or tuples
    are joined with '|' (tags, clear_fields, string list attributes). Whole
    float columns of an integer field are written as integers.
    """
    from pandas.api import types as pdt  # type: ignore[import-untyped,unused-ignore]  # only reached with a DataFrame, so pandas is installed

    attrs: Dict[str, str] = json.loads(schema)["attrs"] if schema else {}
    declared = set(attrs)
    out = df.copy(deep=False)
    for col in out.columns:
        name = str(col)
        s = out[col]
        if name.startswith("attrs.") and kind in ("customers", "accounts"):
            attr = name[len("attrs."):]
            if attr not in declared:
                t = None
                if pdt.is_bool_dtype(s.dtype):
                    t = "bool"
                elif pdt.is_integer_dtype(s.dtype):
                    t = "int64"
                elif pdt.is_float_dtype(s.dtype):
                    t = "double"
                elif pdt.is_datetime64_any_dtype(s.dtype):
                    t = "timestamp"
                if t is not None:
                    attrs[attr] = t
        if name == "employee_count" and pdt.is_float_dtype(s.dtype):
            nonnull = s.dropna()
            if (nonnull == nonnull.round()).all():
                out[col] = s.astype("Int64")
        elif s.dtype == object:
            if s.map(lambda x: isinstance(x, (list, tuple))).any():
                out[col] = s.map(lambda x: "|".join(map(str, x)) if isinstance(x, (list, tuple)) else x)
    text = out.to_csv(index=False)
    new_schema = json.dumps({"attrs": attrs}) if attrs else None
    return text.encode("utf-8"), new_schema


def is_dataframe(data: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(data, pd.DataFrame)
