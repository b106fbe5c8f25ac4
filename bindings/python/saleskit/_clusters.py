"""k-means clusters of customers (saleskit.cluster) and of any matrix (saleskit.kmeans).

``cluster`` is ``saleskit cluster``: the customers (and events) go to the
native core as CSV, the features as CEL source, and the result comes back as
column buffers (labels, sizes, centroids) that become numpy arrays and pandas
DataFrames without a Python object per cell. ``kmeans`` runs the same Eigen
k-means on a float64 matrix read in place: no CEL, no standardisation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from typing import Any, Dict, Optional, Sequence, Union

from . import _convert
from . import _saleskit as _native
from ._errors import InvalidArgumentError, translated
from ._segment import _events_csv, _pandas

__all__ = ["Clusters", "KMeansResult", "cluster", "kmeans"]

Table = Union["os.PathLike[str]", str, Any]  # a path to a CSV, or a pandas DataFrame


@dataclasses.dataclass(frozen=True)
class Clusters:
    """The result of :func:`cluster`, as ``saleskit cluster --format json`` reports it.

    Attributes:
        k: the number of clusters.
        k_chosen: whether k was chosen by sampled silhouette (k not given).
        silhouettes: each k tried and its sampled silhouette (empty when k was given).
        inertia: the sum of squared distances to the centroids, in standardised units.
        customer_ids: every customer's id, in id order (a numpy object array).
        labels: each customer's cluster, aligned with ``customer_ids`` (numpy int32).
        clusters: a DataFrame indexed by cluster (0 = the largest), with the
            int64 column ``size`` then the centroid in the features' own units:
            one column per numeric feature, named by its source (the cluster
            mean), and one per category of a string or bool feature, named
            ``SOURCE=CATEGORY`` (the category's share of the cluster).
        distinguishing: a DataFrame with one row per cluster and distinguishing
            column, largest |z| first within a cluster: cluster, feature,
            category (missing, NaN, for a numeric feature), z (standard deviations from
            all customers) and value (the cluster's mean or share).
    """

    k: int
    k_chosen: bool
    silhouettes: Dict[int, float]
    inertia: float
    customer_ids: Any
    labels: Any
    clusters: Any
    distinguishing: Any

    @property
    def assignments(self) -> Any:
        """The labels as a pandas Series named "cluster", indexed by customer_id."""
        pd = _pandas()
        return pd.Series(self.labels, index=pd.Index(self.customer_ids, name="customer_id"), name="cluster")


@dataclasses.dataclass(frozen=True)
class KMeansResult:
    """The result of :func:`kmeans`.

    Attributes:
        labels: each row's cluster, 0..k-1 (numpy int32, length n).
        centroids: k x d float64, each the mean of its cluster's rows.
        inertia: the sum of squared distances of the rows to their centroid.
        iterations: Lloyd iterations of the winning run.
    """

    labels: Any
    centroids: Any
    inertia: float
    iterations: int


def _customers_csv(customers: Any) -> "tuple[bytes, Optional[str]]":
    """The customers as CSV bytes and the attribute schema a DataFrame's dtypes imply."""
    if _convert.is_dataframe(customers):
        return _convert.dataframe_to_csv(customers, "customers", None)
    if isinstance(customers, (str, os.PathLike)):
        path = os.fspath(customers)
        try:
            with open(path, "rb") as f:
                return f.read(), None
        except OSError as e:
            raise InvalidArgumentError("cannot read customers file %r: %s" % (path, e.strerror)) from None
    raise InvalidArgumentError(
        "customers must be a pandas DataFrame or a path to a CSV file, not %s" % type(customers).__name__)


def _whole(name: str, value: Any, minimum: int) -> int:
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError("%s must be an int, not %s" % (name, type(value).__name__))
    if not minimum <= int(value) < 2**31:
        raise InvalidArgumentError("%s must be at least %d, got %d" % (name, minimum, value))
    return int(value)


def _seed(seed: Any) -> int:
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**64:
        raise InvalidArgumentError("seed must be an int in 0..2**64-1, got %r" % (seed,))
    return int(seed)


def cluster(customers: Table, features: Union[str, Sequence[str]], *, events: Optional[Table] = None,
            k: Optional[int] = None, seed: int = 42, restarts: int = 10, max_k: int = 10,
            now: Optional[_dt.datetime] = None) -> Clusters:
    """Clusters customers by k-means on CEL features (docs/clusters.md), as ``saleskit cluster``.

    Numeric features are standardised to z-scores (nulls and errors imputed
    with the mean), string and bool features one-hot encoded; k-means++
    seeding, Lloyd iterations, the best of ``restarts`` runs. The same inputs
    and seed give the same result as the CLI and the C API.

    Args:
        customers: a pandas DataFrame with the columns of a customers CSV (id,
            country, attrs.NAME, ...; docs/formats.md), or a path to such a CSV.
        features: CEL expressions about a customer (docs/cel.md), e.g.
            ``"customer.attrs.seats"`` or ``'events.count("email_click", days(30))'``;
            each names its centroid column.
        events: their events (customer_id, occurred_at, type, value), a
            DataFrame or a CSV path as for cohort_table; for windowed features.
        k: the number of clusters; None chooses k in 2..max_k by the highest
            sampled silhouette.
        seed: makes runs repeatable.
        restarts: k-means runs per k; the least inertia wins.
        max_k: the largest k tried when k is None.
        now: the clock windowed features see (naive is UTC); None: the
            latest event's time.

    Returns:
        A :class:`Clusters`: labels aligned with customer_ids, the clusters
        DataFrame (size and centroid), distinguishing features.

    Raises:
        InvalidArgumentError: a feature that does not compile (``feature
            "SOURCE": Syntax error: 1:5: ...``); k larger than the number of customers; a
            feature with zero variance or only nulls (the message names the
            feature: ``feature "customer.attrs.x" has zero variance: ...``);
            malformed records (``customers: ...`` / ``events: ...``); bad options.
    """
    import numpy as np

    pd = _pandas()
    if isinstance(features, str):
        features = [features]
    features = list(features)
    if not features:
        raise InvalidArgumentError("at least one feature is required")
    for f in features:
        if not isinstance(f, str):
            raise InvalidArgumentError("features must be CEL source strings, not %s" % type(f).__name__)
    k_native = 0 if k is None else _whole("k", k, 1)
    restarts = _whole("restarts", restarts, 1)
    max_k = _whole("max_k", max_k, 2)
    now_us = None if now is None else _convert.to_micros(now)
    customers_csv, schema = _customers_csv(customers)
    events_csv = None if events is None else _events_csv(events)
    with translated():
        (k_out, k_chosen, silhouettes, inertia, ids, labels, encodings, sizes, centroids,
         distinguishing) = _native.cluster_columns(customers_csv, schema, events_csv, features, k_native, max_k,
                                                   _seed(seed), restarts, now_us)
    columns = []
    for name, categorical, categories in encodings:
        if categorical:
            columns.extend("%s=%s" % (name, c) for c in categories)
        else:
            columns.append(name)
    grid = np.frombuffer(centroids, dtype="f8").reshape(k_out, len(columns))
    frame = pd.DataFrame(grid.copy(), columns=columns, index=pd.Index(range(k_out), name="cluster"))
    frame.insert(0, "size", np.frombuffer(sizes, dtype="i8").copy())
    dist = pd.DataFrame(distinguishing, columns=["cluster", "feature", "category", "z", "value"])
    dist["cluster"] = dist["cluster"].astype("int64")
    return Clusters(
        k=int(k_out),
        k_chosen=bool(k_chosen),
        silhouettes={int(kk): float(s) for kk, s in silhouettes},
        inertia=float(inertia),
        customer_ids=np.array(ids, dtype=object),
        labels=np.frombuffer(labels, dtype="i4").copy(),
        clusters=frame,
        distinguishing=dist,
    )


def kmeans(X: Any, k: int, *, seed: int = 42, restarts: int = 10, max_iterations: int = 300, tol: float = 1e-4,
           init: str = "k-means++", local_trials: Optional[int] = None) -> KMeansResult:
    """k-means on the rows of a matrix: the Eigen core of :func:`cluster`, without CEL or scaling.

    Greedy k-means++ seeding as scikit-learn's (each centre the best of
    ``local_trials`` D²-sampled candidates; ``init="random"`` for k distinct rows),
    Lloyd iterations (pruned with Hamerly's bounds, same result) until no row changes cluster, the centroids move by at
    most ``tol`` x the mean column variance (summed squared movement, as
    scikit-learn's ``tol``), or ``max_iterations``; the best of ``restarts``
    runs by inertia. Runs on one thread with the GIL released.

    Args:
        X: an n x d array of finite numbers (float64, C-contiguous arrays are
            read in place; anything else is converted once).
        k: clusters, 1..n.
        seed: makes runs repeatable.
        restarts: independent runs (scikit-learn's n_init).
        max_iterations: per run (scikit-learn's max_iter).
        tol: the convergence tolerance relative to the data's variance.
        init: "k-means++" or "random".
        local_trials: k-means++ candidates per centre; None: 2 + floor(ln k),
            as scikit-learn; 1: plain k-means++.

    Returns:
        A :class:`KMeansResult` (labels, centroids, inertia, iterations).

    Raises:
        InvalidArgumentError: X is not 2-D or empty, holds NaN or infinity,
            k is outside 1..n, or an option is out of range.
    """
    import numpy as np

    try:
        x = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError("X must be a 2-D array of numbers: %s" % e) from None
    if x.ndim != 2:
        raise InvalidArgumentError("X must be 2-D (n points x d dimensions), got %d-D" % x.ndim)
    k = _whole("k", k, 1)
    restarts = _whole("restarts", restarts, 1)
    max_iterations = _whole("max_iterations", max_iterations, 0)
    if not isinstance(init, str):
        raise InvalidArgumentError("init must be \"k-means++\" or \"random\"")
    trials = 0 if local_trials is None else _whole("local_trials", local_trials, 1)
    with translated():
        labels, centroids, inertia, iterations = _native.kmeans_matrix(
            x, k, _seed(seed), restarts, max_iterations, float(tol), init, trials)
    return KMeansResult(
        labels=np.frombuffer(labels, dtype="i4").copy(),
        centroids=np.frombuffer(centroids, dtype="f8").reshape(k, x.shape[1]).copy(),
        inertia=float(inertia),
        iterations=int(iterations),
    )
