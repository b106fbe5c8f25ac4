"""Predictive scores: saleskit's L2 logistic regression as a scikit-learn-style
estimator (``LogisticScorer``) and as the train/evaluate pipeline of
``saleskit score train`` (``train_model``). See docs/predictive.md.

scikit-learn is not needed: the estimator follows its conventions
(``get_params``/``set_params``, ``fit``/``predict_proba``, ``classes_``,
``coef_``) so that ``sklearn.base.clone``, pipelines and metrics work with it,
but saleskit fits, encodes and scores in C++.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _saleskit as _native
from ._errors import InvalidArgumentError, translated

__all__ = ["LogisticScorer", "PredictiveModel", "TrainResult", "train_model"]


# ------------------------------------------------------------------ tables


def _is_frame(x: Any) -> bool:
    return type(x).__name__ == "DataFrame" and hasattr(x, "columns") and hasattr(x, "dtypes")


def _column_values(values: Any, name: str, categorical: bool) -> Tuple[str, bool, Any]:
    """One column as the native layer takes it: float64 (NaN = missing), or categories."""
    arr = np.asarray(values)
    if not categorical and arr.dtype.kind in "biuf":
        return (name, False, np.ascontiguousarray(arr, dtype=np.float64))
    return (name, True, _categorical_values(np.asarray(arr, dtype=object)))


def _categorical_values(arr: np.ndarray) -> Any:
    """A categorical column for the native layer: (int64 codes, level texts) with
    -1 for missing, so that the rows cross as one buffer (pandas' factorize);
    without pandas, one str per row ("" = missing)."""
    try:
        import pandas as pd
    except ImportError:
        return ["" if _is_missing(v) else _label_text(v) for v in arr]
    codes, uniques = pd.factorize(arr)
    return (np.ascontiguousarray(codes, dtype=np.int64), [_label_text(u) for u in np.asarray(uniques, dtype=object)])


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pandas.NaT
    except (TypeError, ValueError):
        return type(v).__name__ == "NAType"


def _label_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _feature_columns(X: Any, categorical: Sequence[str] = ()) -> List[Tuple[str, bool, Any]]:
    """The columns of a DataFrame (numeric or categorical by dtype, or forced
    categorical by name) or of a 2-D numeric array (named x0, x1, ...)."""
    cats = set(categorical)
    if _is_frame(X):
        cols = []
        for name in X.columns:
            series = X[name]
            dtype = series.dtype
            kind = getattr(dtype, "kind", "O")
            forced = str(name) in cats
            if forced or kind not in "biuf" or str(dtype) == "category":
                cols.append(_column_values(series.to_numpy(dtype=object), str(name), True))
            else:
                cols.append(_column_values(series.to_numpy(dtype=np.float64, na_value=np.nan), str(name), False))
        return cols
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise InvalidArgumentError(f"X must be a pandas DataFrame or a 2-D array, got {arr.ndim} dimension(s)")
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError("a 2-D array X must be numeric; pass a DataFrame for categorical columns")
    arr = np.asarray(arr, dtype=np.float64)
    return [(f"x{j}", f"x{j}" in cats, _maybe_categorical(arr[:, j], f"x{j}" in cats)) for j in range(arr.shape[1])]


def _maybe_categorical(col: np.ndarray, categorical: bool) -> Any:
    if categorical:
        return ["" if np.isnan(v) else _label_text(v) for v in col]
    return np.ascontiguousarray(col)


def _table(columns: List[Tuple[str, bool, Any]]) -> Any:
    with translated():
        return _native.table_from_columns(columns)


def _rows(X: Any) -> int:
    return len(X) if _is_frame(X) else int(np.asarray(X).shape[0])


def _labels(y: Any) -> np.ndarray:
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InvalidArgumentError(f"y must be one-dimensional, got shape {arr.shape}")
    return arr


# ------------------------------------------------------------------ models


class PredictiveModel:
    """A trained model (saleskit::PredictiveModel): immutable, picklable through
    its bytes, safe to share across threads.

    Attributes:
        target, positive, negative: the outcome column and its two values as text.
        feature_names: the columns it reads; categorical_feature_names those
            read as categories.
        column_names: the encoded columns (``"age"``, ``"job=admin."``,
            ``"job=(other)"``, ``"x=(missing)"``), one per weight.
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def from_bytes(cls, data: bytes) -> "PredictiveModel":
        """Reads a model file's bytes (JSON or binary protobuf)."""
        with translated():
            return cls(_native.PredictiveModel.load(bytes(data)))

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "PredictiveModel":
        """Reads a model file written by ``save`` or ``saleskit score train``."""
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())

    def to_bytes(self, json_format: bool = False) -> bytes:
        """The stored form: binary protobuf, or JSON text as UTF-8."""
        return self._native.to_json().encode() if json_format else self._native.to_binary()

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the model: JSON when the path ends in .json, else binary protobuf."""
        json_format = str(path).lower().endswith(".json")
        with open(path, "wb") as f:
            f.write(self.to_bytes(json_format))
            if json_format:
                f.write(b"\n")

    def to_json(self) -> str:
        return self._native.to_json()

    target = property(lambda self: self._native.target)
    positive = property(lambda self: self._native.positive)
    negative = property(lambda self: self._native.negative)
    feature_names = property(lambda self: list(self._native.feature_names))
    categorical_feature_names = property(lambda self: list(self._native.categorical_feature_names))
    column_names = property(lambda self: list(self._native.column_names))
    intercept = property(lambda self: float(self._native.intercept))

    @property
    def weights(self) -> np.ndarray:
        return np.asarray(self._native.weights, dtype=np.float64)

    def _table(self, X: Any, y: Any = None) -> Any:
        if isinstance(X, (str, os.PathLike)):
            if y is not None:
                raise InvalidArgumentError("y must be None when X is a CSV path (the target is read from the file)")
            with open(X, "r", encoding="utf-8") as f:
                text = f.read()
            cats = self.categorical_feature_names + [self.target]
            with translated():
                return _native.table_from_csv(text, cats, self.feature_names + [self.target])
        if _is_frame(X):
            # Only the model's columns: others are neither typed nor checked (as the CLI reads a CSV).
            wanted = set(self.feature_names)
            X = X[[c for c in X.columns if str(c) in wanted]]
        columns = _feature_columns(X, self.categorical_feature_names)
        if y is not None:
            labels = _labels(y)
            if len(labels) != _rows(X):
                raise InvalidArgumentError(f"y has {len(labels)} rows, X has {_rows(X)}")
            columns = [c for c in columns if c[0] != self.target]
            columns.append((self.target, True, ["" if _is_missing(v) else _label_text(v) for v in labels]))
        return _table(columns)

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(positive) per row of X (a DataFrame, or a CSV path), as float64."""
        table = self._table(X)
        with translated():
            raw, _ = self._native.predict(table)
        return np.frombuffer(raw, dtype=np.float64).copy()

    def transform(self, X: Any) -> np.ndarray:
        """The encoded matrix the regression sees (rows x len(column_names))."""
        table = self._table(X)
        with translated():
            raw, rows, cols = self._native.transform(table)
        return np.frombuffer(raw, dtype=np.float64).reshape(rows, cols).copy()

    def explain(self, X: Any, k: int = 3) -> List[Dict[str, Any]]:
        """Per row: {"probability", "log_odds", "base_log_odds", "top": [{"feature",
        "value", "kind", "log_odds"}, ...]} with the k largest contributions."""
        table = self._table(X)
        with translated():
            return self._native.explain(table, int(k))

    def evaluate(self, X: Any, y: Any = None) -> Dict[str, Any]:
        """Metrics on X and its outcomes y (values as the model's positive and
        negative, or y=None with X a CSV path or a frame holding the target
        column): auc, pr_auc, log_loss, brier, lift, cumulative_gains,
        calibration, rows, positives, and fallbacks per feature."""
        if y is None and _is_frame(X):
            y = X[self.target]
            X = X.drop(columns=[self.target])
        table = self._table(X, y)
        with translated():
            metrics_json, fallbacks = self._native.evaluate(table)
        out = json.loads(metrics_json)
        out["fallbacks"] = fallbacks
        return out


class TrainResult(tuple):
    """(model, held_out, warnings) with the split: ``train_rows`` and
    ``test_rows`` (ascending row indices into the data)."""

    model: PredictiveModel
    held_out: Dict[str, Any]
    warnings: List[str]
    train_rows: np.ndarray
    test_rows: np.ndarray

    def __new__(cls, model, held_out, warnings, train_rows, test_rows):  # type: ignore[no-untyped-def]
        self = super().__new__(cls, (model, held_out, warnings))
        self.model, self.held_out, self.warnings = model, held_out, warnings
        self.train_rows, self.test_rows = train_rows, test_rows
        return self


def train_model(
    data: Any,
    *,
    target: str,
    positive: Any,
    exclude: Sequence[str] = (),
    categorical: Sequence[str] = (),
    test_fraction: float = 0.2,
    seed: int = 42,
    l2: float = 1.0,
    class_weight: Optional[str] = None,
    min_level_count: int = 10,
    time_column: Optional[str] = None,
) -> TrainResult:
    """Trains a model as ``saleskit score train`` does (TrainPredictive): a
    stratified split (seeded; or by ``time_column``), the encoding learnt from
    the training rows, the regression fitted on them, metrics on the rest.

    ``data`` is a pandas DataFrame or the path of a CSV file. Returns a
    TrainResult, which unpacks as ``model, held_out, warnings`` and also
    carries ``train_rows``/``test_rows``. Raises InvalidArgumentError
    (a ValueError) with saleskit's message, naming the column or row at fault.
    """
    if class_weight not in (None, "balanced"):
        raise InvalidArgumentError(f'class_weight must be None or "balanced", got {class_weight!r}')
    positive_text = _label_text(positive)
    if isinstance(data, (str, os.PathLike)):
        with open(data, "r", encoding="utf-8") as f:
            text = f.read()
        cats = list(categorical) + [target] + list(exclude)
        with translated():
            table = _native.table_from_csv(text, cats, [])
    else:
        table = _table(_feature_columns(data, list(categorical) + [target] + list(exclude)))
    with translated():
        native, metrics_json, warnings, train_raw, test_raw = _native.train_model(
            table, target, positive_text, list(exclude), float(test_fraction), int(seed), float(l2),
            class_weight == "balanced", int(min_level_count), time_column or "")
    return TrainResult(PredictiveModel(native), json.loads(metrics_json), list(warnings),
                       np.frombuffer(train_raw, dtype=np.int64).copy(), np.frombuffer(test_raw, dtype=np.int64).copy())


# ------------------------------------------------------------------ the estimator


def _restore_label(text: str) -> Any:
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        return text


class LogisticScorer:
    """A scikit-learn-style binary classifier: saleskit's encoding (standardised
    numerics, one-hot categoricals with an "(other)" level, missing-value
    indicators; docs/predictive.md) and L2 logistic regression, fitted on every
    row given (split the data yourself, as with any scikit-learn estimator).

    Parameters:
        l2: the L2 penalty, scikit-learn's ``1 / C``; > 0.
        class_weight: None, or "balanced" (weights n / (2 * class rows)).
        min_level_count: categorical levels in fewer training rows go to "(other)".
        categorical: column names read as categories even when numeric (ids,
            zip codes); object, string and category columns always are.

    ``fit(X, y, positive=None)``: X is a pandas DataFrame (numeric columns
    numeric; NaN/None are missing values, which the encoding handles; an
    infinity is an error) or a 2-D numeric array (columns x0, x1, ...); y holds
    two distinct values, the positive one being ``positive`` (default: the
    larger, as scikit-learn's ``classes_[1]``). Fitted attributes: ``classes_``,
    ``coef_`` (1 x encoded columns) and ``intercept_`` for ``classes_[1]``,
    ``feature_names_out_`` (the encoded columns), ``feature_names_in_``,
    ``n_features_in_``, ``model_`` (a PredictiveModel), ``warnings_``.
    Errors raise saleskit.InvalidArgumentError, a ValueError.
    """

    _estimator_type = "classifier"
    _PARAMS = ("l2", "class_weight", "min_level_count", "categorical")

    def __init__(self, *, l2: float = 1.0, class_weight: Optional[str] = None, min_level_count: int = 10,
                 categorical: Optional[Sequence[str]] = None) -> None:
        self.l2 = l2
        self.class_weight = class_weight
        self.min_level_count = min_level_count
        self.categorical = categorical

    # -- scikit-learn parameter protocol
    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> "LogisticScorer":
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"invalid parameter {name!r} for LogisticScorer; valid: {', '.join(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self) -> Any:
        # scikit-learn >= 1.6 asks estimators for tags (is_classifier, scorers);
        # only called by scikit-learn, so importing it here is safe.
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=False),
                    input_tags=InputTags(allow_nan=True, categorical=True, string=True))

    def __repr__(self) -> str:
        defaults = LogisticScorer()
        changed = [f"{n}={getattr(self, n)!r}" for n in self._PARAMS if getattr(self, n) != getattr(defaults, n)]
        return f"LogisticScorer({', '.join(changed)})"

    # -- fitting
    def fit(self, X: Any, y: Any, positive: Any = None) -> "LogisticScorer":
        if self.class_weight not in (None, "balanced"):
            raise InvalidArgumentError(f'class_weight must be None or "balanced", got {self.class_weight!r}')
        labels = _labels(y)
        if len(labels) != _rows(X):
            raise InvalidArgumentError(f"y has {len(labels)} rows, X has {_rows(X)}")
        texts = ["" if _is_missing(v) else _label_text(v) for v in labels]
        present = [v for v in labels if not _is_missing(v)]
        classes = np.unique(np.asarray(present)) if present else np.asarray([])
        if positive is None:
            positive_value = classes[-1] if len(classes) else True
        else:
            matches = [c for c in classes if c == positive]
            positive_value = matches[0] if matches else positive
        positive_text = _label_text(positive_value)
        columns = _feature_columns(X, list(self.categorical or ()))
        names = {c[0] for c in columns}
        target = str(getattr(y, "name", None) or "y")
        while target in names:
            target = "_" + target
        columns.append((target, True, texts))
        table = _table(columns)
        with translated():
            native, warnings = _native.fit_model(table, target, positive_text, [], float(self.l2),
                                                 self.class_weight == "balanced", int(self.min_level_count))
        self._set_fitted(PredictiveModel(native), classes, positive_value)
        self.warnings_ = list(warnings)
        self.feature_names_in_ = np.asarray([c[0] for c in columns[:-1]], dtype=object)
        self.n_features_in_ = len(columns) - 1
        return self

    def _set_fitted(self, model: PredictiveModel, classes: np.ndarray, positive_value: Any) -> None:
        self.model_ = model
        self.classes_ = classes
        self.positive_ = positive_value
        # scikit-learn's coef_ and decision_function refer to classes_[1].
        self._sign = 1.0 if len(classes) < 2 or classes[1] == positive_value else -1.0
        self.coef_ = (self._sign * model.weights).reshape(1, -1)
        self.intercept_ = np.asarray([self._sign * model.intercept])
        self.feature_names_out_ = np.asarray(model.column_names, dtype=object)

    def _check_fitted(self) -> PredictiveModel:
        model = getattr(self, "model_", None)
        if model is None:
            raise InvalidArgumentError("this LogisticScorer is not fitted yet: call fit (or LogisticScorer.load)")
        return model

    # -- scoring
    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2) probabilities, columns in ``classes_`` order."""
        p = self._check_fitted().predict_proba(X)
        out = np.empty((len(p), 2))
        out[:, 1] = p if self._sign > 0 else 1 - p
        out[:, 0] = 1 - out[:, 1]
        return out

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of ``classes_[1]`` per row."""
        x = self.transform(X)
        return x @ self.coef_[0] + self.intercept_[0]

    def predict(self, X: Any) -> np.ndarray:
        """The more likely class per row (``classes_[1]`` when its probability > 0.5)."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def transform(self, X: Any) -> np.ndarray:
        """The encoded matrix (rows x len(feature_names_out_))."""
        return self._check_fitted().transform(X)

    def explain(self, X: Any, k: int = 3) -> List[Dict[str, Any]]:
        """Per row, the k largest contributions to the positive class's log-odds
        (see PredictiveModel.explain)."""
        return self._check_fitted().explain(X, k)

    def evaluate(self, X: Any, y: Any) -> Dict[str, Any]:
        """Metrics of P(positive) against y: auc, pr_auc, log_loss, brier, lift,
        cumulative_gains, calibration, rows, positives, fallbacks."""
        model = self._check_fitted()
        labels = _labels(y)
        positive_text = _label_text(self.positive_)
        known = {_label_text(c) for c in self.classes_}
        # y in the model's terms: its positive and negative text (other values are named by saleskit).
        mapped = [model.positive if _label_text(v) == positive_text
                  else model.negative if _label_text(v) in known else _label_text(v)
                  for v in labels]
        return model.evaluate(X, np.asarray(mapped, dtype=object))

    def score(self, X: Any, y: Any) -> float:
        """Accuracy, as scikit-learn classifiers' score."""
        return float(np.mean(self.predict(X) == _labels(y)))

    # -- files
    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the fitted model: JSON when the path ends in .json, else binary protobuf."""
        self._check_fitted().save(path)

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "LogisticScorer":
        """A fitted estimator from a model file (its parameters from the file's
        training record). Class labels come back from their text: "True"/"False"
        as bools, whole numbers as ints, anything else as str."""
        model = PredictiveModel.load(path)
        native = model._native
        est = cls(l2=native.l2 or 1.0, class_weight="balanced" if native.balanced_class_weight else None,
                  min_level_count=int(native.min_level_count or 10),
                  categorical=model.categorical_feature_names or None)
        positive = _restore_label(model.positive)
        negative = _restore_label(model.negative)
        try:
            classes = np.asarray(sorted([positive, negative]))
        except TypeError:
            classes = np.asarray([negative, positive], dtype=object)
        est._set_fitted(model, classes, positive)
        est.warnings_ = []
        est.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        est.n_features_in_ = len(model.feature_names)
        return est
