"""Training a predictive model from a CRM's own history (``train_from_history``;
docs/predictive.md, "Training from history"). Score live customers with the
result through ``Engine.bind_model`` / ``Engine.predict``."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _convert
from . import _saleskit as _native
from ._engine import _payload, _rejected_message
from ._errors import InvalidArgumentError, translated
from ._predictive import PredictiveModel, TrainResult

__all__ = ["train_from_history"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _reference_text(reference: Any) -> str:
    if isinstance(reference, str):
        return reference
    if isinstance(reference, _dt.datetime):
        t = _EPOCH + _dt.timedelta(microseconds=_convert.to_micros(reference))
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(reference, _dt.date):
        return reference.isoformat()
    raise InvalidArgumentError("reference must be a datetime or an ISO 8601 string, got %s"
                               % type(reference).__name__)


def _feature_pairs(features: Any) -> List[Tuple[str, str]]:
    if isinstance(features, Mapping):
        items = list(features.items())
    elif isinstance(features, Sequence) and not isinstance(features, str):
        items = [tuple(f) for f in features]
    else:
        raise InvalidArgumentError("features must be a dict {name: CEL expression} or a list of (name, expression)")
    out = []
    for item in items:
        if len(item) != 2 or not all(isinstance(x, str) for x in item):
            raise InvalidArgumentError("features must map names (str) to CEL expressions (str), got %r" % (item,))
        out.append((item[0], item[1]))
    return out


def train_from_history(
    customers: Any,
    events: Any,
    deals: Any = None,
    *,
    reference: Union[_dt.datetime, str],
    features: Union[Mapping[str, str], Sequence[Tuple[str, str]]],
    horizon_days: Union[float, _dt.timedelta] = 30,
    stage: Optional[str] = None,
    won_deal: bool = False,
    stage_event_type: str = "lifecycle_stage_changed",
    accounts: Any = None,
    playbook: Optional[Mapping[str, Any]] = None,
    test_fraction: float = 0.2,
    seed: int = 42,
    l2: float = 1.0,
    class_weight: Optional[str] = None,
    min_level_count: int = 10,
) -> TrainResult:
    """Trains a model on what each customer looked like at ``reference`` and
    whether they converted within ``horizon_days`` after it (TrainFromHistory).

    Features are CEL expressions about a customer (docs/cel.md), e.g.
    ``{"visits_30d": 'events.count("visit", days(30))', "country":
    "customer.country"}``, evaluated as of ``reference``: nothing dated later
    reaches them, only the outcome reads it. The outcome is reaching ``stage``
    (e.g. "marketing_qualified") or a later one, recorded as events of type
    ``stage_event_type`` whose property "stage" names it, a won deal closed
    in the horizon (``won_deal=True``), or either. Customers and accounts are
    taken as they were at the reference time.

    ``customers``, ``events``, ``deals`` and ``accounts`` take what
    ``Engine.upsert_customers`` and friends take: a pandas DataFrame, a list
    of dicts, or a file path. ``playbook`` (as ``Engine.define_playbook``)
    defines event kinds, segments and scores the features may read.

    Returns a TrainResult like ``train_model``'s: it unpacks as ``model,
    held_out, warnings``; ``train_rows``/``test_rows`` index the eligible
    customers in id order. The model remembers each feature's expression, so
    ``Engine.bind_model`` can bind it to score live customers.

    Raises:
        InvalidArgumentError (a ValueError) with saleskit's message: a
        reference time after all data, a feature that does not compile
        (naming it), no outcome chosen, malformed records, too little data.
    """
    if class_weight not in (None, "balanced"):
        raise InvalidArgumentError(f'class_weight must be None or "balanced", got {class_weight!r}')
    if isinstance(horizon_days, _dt.timedelta):
        horizon_days = horizon_days / _dt.timedelta(days=1)
    options: Dict[str, Any] = {
        "reference": _reference_text(reference),
        "horizon_days": float(horizon_days),
        "stage_event_type": stage_event_type,
        "won_deal": bool(won_deal),
        "features": [list(p) for p in _feature_pairs(features)],
        "test_fraction": float(test_fraction),
        "seed": int(seed),
        "l2": float(l2),
        "min_level_count": int(min_level_count),
    }
    if stage is not None:
        options["stage"] = stage
    if class_weight is not None:
        options["class_weight"] = class_weight
    if playbook is not None:
        options["playbook"] = json.loads(playbook) if isinstance(playbook, str) else dict(playbook)
    inputs = []
    for kind, data in (("customers", customers), ("accounts", accounts), ("events", events), ("deals", deals)):
        if data is None:
            continue
        payload, format, schema_json, _, py_errors = _payload(kind, data, None, None)
        if py_errors:
            raise InvalidArgumentError("%s: %s" % (kind, _rejected_message(py_errors)))
        inputs.append((kind, payload, format, schema_json))
    with translated():
        native, metrics_json, warnings, train_raw, test_raw = _native.train_from_history(inputs, json.dumps(options))
    return TrainResult(PredictiveModel(native), json.loads(metrics_json), list(warnings),
                       np.frombuffer(train_raw, dtype=np.int64).copy(), np.frombuffer(test_raw, dtype=np.int64).copy())
