"""saleskit.cluster and saleskit.kmeans: the CLI's clusters, numpy and pandas out, errors naming the feature."""

import datetime as dt
import io
import json
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import saleskit

UTC = dt.timezone.utc

# The fixture of tests/cli/cli_test.cmake and tests/c/c_api_test.c.
CUSTOMERS_CSV = """id,country,attrs.spend,attrs.flat,attrs.maybe
f2,FR,520,5,
d1,DE,10,5,
d2,DE,12,5,
d3,DE,11,5,
f1,FR,500,5,
f3,FR,510,5,
"""
EVENTS_CSV = """customer_id,type,occurred_at
f1,click,2026-01-01
f2,click,2026-01-02
f3,click,2026-01-02
d1,call,2026-01-03
"""
CLICKS = 'events.count("click", days(30))'


@pytest.fixture
def customers_path(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_CSV)
    return path


@pytest.fixture
def events_path(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    return path


@pytest.fixture
def customers_frame():
    return pd.read_csv(io.StringIO(CUSTOMERS_CSV))


def _cli():
    """The saleskit CLI if one is at hand (SALESKIT_CLI or on PATH), else None."""
    path = os.environ.get("SALESKIT_CLI") or shutil.which("saleskit")
    return path if path and os.access(path, os.X_OK) else None


# ------------------------------------------------------------------ cluster

def test_cluster_chooses_k_and_reports_in_original_units(customers_path):
    c = saleskit.cluster(customers_path, ["customer.attrs.spend", "customer.country"])
    assert c.k == 2 and c.k_chosen
    assert sorted(c.silhouettes) == [2, 3, 4, 5]
    assert c.silhouettes[2] == max(c.silhouettes.values())
    assert list(c.customer_ids) == ["d1", "d2", "d3", "f1", "f2", "f3"]
    assert c.labels.dtype == np.int32 and list(c.labels) == [0, 0, 0, 1, 1, 1]
    assert c.assignments.to_dict() == {"d1": 0, "d2": 0, "d3": 0, "f1": 1, "f2": 1, "f3": 1}
    assert c.assignments.index.name == "customer_id"
    t = c.clusters
    assert t.index.name == "cluster" and list(t.index) == [0, 1]
    assert list(t.columns) == ["size", "customer.attrs.spend", "customer.country=DE", "customer.country=FR"]
    assert t["size"].dtype == "int64" and list(t["size"]) == [3, 3]
    assert t.loc[0, "customer.attrs.spend"] == pytest.approx(11)
    assert t.loc[1, "customer.attrs.spend"] == pytest.approx(510)
    assert list(t.loc[0, ["customer.country=DE", "customer.country=FR"]]) == [1.0, 0.0]
    d = c.distinguishing
    assert list(d.columns) == ["cluster", "feature", "category", "z", "value"]
    assert len(d) == 6 and list(d["cluster"]) == [0, 0, 0, 1, 1, 1]
    first = d[d["cluster"] == 0].iloc[0]
    assert (first["feature"], first["category"], first["z"]) == ("customer.country", "DE", 1.0)
    numeric = d[(d["cluster"] == 0) & (d["feature"] == "customer.attrs.spend")].iloc[0]
    assert pd.isna(numeric["category"]) and numeric["z"] < -0.99 and numeric["value"] == pytest.approx(11)
    assert c.inertia > 0


def test_cluster_dataframe_equals_path_and_is_deterministic(customers_path, customers_frame):
    a = saleskit.cluster(customers_path, ["customer.attrs.spend", "customer.country"], k=3, seed=5)
    b = saleskit.cluster(customers_frame, ["customer.attrs.spend", "customer.country"], k=3, seed=5)
    assert not a.k_chosen and a.silhouettes == {}
    assert list(a.customer_ids) == list(b.customer_ids)
    assert np.array_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.clusters, b.clusters)
    pd.testing.assert_frame_equal(a.distinguishing, b.distinguishing)
    assert a.inertia == b.inertia


def test_cluster_windowed_feature_and_clock(customers_path, events_path):
    c = saleskit.cluster(customers_path, CLICKS, events=events_path, k=2, restarts=3)
    assert list(c.labels) == [0, 0, 0, 1, 1, 1]  # equal sizes: the cluster of d1 first
    assert list(c.clusters[CLICKS]) == [0.0, 1.0]
    events = pd.read_csv(events_path)
    same = saleskit.cluster(customers_path, CLICKS, events=events, k=2, restarts=3)
    assert np.array_equal(c.labels, same.labels)
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'^feature "events\.count\("click", days\(30\)\)" has zero variance: every customer '
                             r'has 0, so it cannot separate clusters$'):
        saleskit.cluster(customers_path, CLICKS, events=events_path, k=2, now=dt.datetime(2027, 1, 1, tzinfo=UTC))


@pytest.mark.skipif(_cli() is None, reason="no saleskit CLI (set SALESKIT_CLI)")
def test_cluster_matches_cli(customers_path, events_path):
    features = ["customer.attrs.spend", "customer.country", CLICKS]
    args = [_cli(), "cluster", "--customers", str(customers_path), "--events", str(events_path), "--seed", "9",
            "--format", "json"]
    for f in features:
        args += ["--feature", f]
    cli = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    c = saleskit.cluster(customers_path, features, events=events_path, seed=9)
    assert c.k == cli["k"] and c.k_chosen == cli["k_chosen"]
    assert c.silhouettes == {s["k"]: pytest.approx(s["silhouette"]) for s in cli["silhouettes"]}
    assert dict(zip(c.customer_ids, c.labels.tolist())) == cli["assignments"]
    for row in cli["clusters"]:
        j = row["cluster"]
        assert c.clusters.loc[j, "size"] == row["size"]
        assert c.clusters.loc[j, "customer.attrs.spend"] == pytest.approx(row["centroid"]["customer.attrs.spend"])
        assert c.clusters.loc[j, CLICKS] == pytest.approx(row["centroid"][CLICKS])
        for country, share in row["centroid"]["customer.country"].items():
            assert c.clusters.loc[j, "customer.country=" + country] == pytest.approx(share)
        mine = c.distinguishing[c.distinguishing["cluster"] == j]
        assert list(mine["feature"]) == [d["feature"] for d in row["distinguishing"]]
        assert list(mine["z"]) == pytest.approx([d["z"] for d in row["distinguishing"]])


@pytest.mark.skipif(_cli() is None, reason="no saleskit CLI (set SALESKIT_CLI)")
@pytest.mark.parametrize("features, k, message", [
    (["customer.attrs.spend"], "7", "k = 7 is more than the number of customers (6)"),
    (["customer.attrs.spend", "customer.attrs.flat"], None,
     'feature "customer.attrs.flat" has zero variance: every customer has 5, so it cannot separate clusters'),
    (["customer.attrs.spend", "customer.attrs.maybe"], None,
     'feature "customer.attrs.maybe" is null for every customer'),
])
def test_cluster_errors_match_cli(customers_path, features, k, message):
    args = [_cli(), "cluster", "--customers", str(customers_path)]
    for f in features:
        args += ["--feature", f]
    if k:
        args += ["--k", k]
    run = subprocess.run(args, capture_output=True, text=True)
    assert run.returncode == 1 and message in run.stderr
    with pytest.raises(saleskit.InvalidArgumentError) as e:
        saleskit.cluster(customers_path, features, k=int(k) if k else None)
    assert e.value.message.startswith(message)
    assert e.value.code == "INVALID_ARGUMENT"


def test_cluster_errors_name_the_feature(customers_path, customers_frame):
    with pytest.raises(saleskit.InvalidArgumentError, match=r"^k = 7 is more than the number of customers \(6\)$"):
        saleskit.cluster(customers_path, ["customer.attrs.spend"], k=7)
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'^feature "customer\.attrs\.flat" has zero variance: every customer has 5'):
        saleskit.cluster(customers_frame, ["customer.attrs.spend", "customer.attrs.flat"])
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'^feature "customer\.attrs\.maybe" is null for every customer'):
        saleskit.cluster(customers_frame, ["customer.attrs.spend", "customer.attrs.maybe"])
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'^feature "customer\.country" has zero variance: every customer is "DE"'):
        saleskit.cluster(customers_frame[customers_frame["country"] == "DE"],
                         ["customer.attrs.spend", "customer.country"], k=2)
    with pytest.raises(saleskit.InvalidArgumentError,
                       match=r'^feature "customer\.attrs\.spend \+": Syntax error: 1:23: '):
        saleskit.cluster(customers_path, ["customer.attrs.spend +"], k=2)
    with pytest.raises(saleskit.InvalidArgumentError, match=r"(?s)^events: .*unknown customer \"ghost\""):
        saleskit.cluster(customers_path, [CLICKS], k=2,
                         events=pd.DataFrame({"customer_id": ["ghost"], "type": ["click"],
                                              "occurred_at": ["2026-01-01"]}))
    with pytest.raises(saleskit.InvalidArgumentError, match="at least one feature"):
        saleskit.cluster(customers_path, [])
    with pytest.raises(saleskit.InvalidArgumentError, match="k must be at least 1, got 0"):
        saleskit.cluster(customers_path, ["customer.attrs.spend"], k=0)
    with pytest.raises(saleskit.InvalidArgumentError, match="restarts must be at least 1"):
        saleskit.cluster(customers_path, ["customer.attrs.spend"], restarts=0)
    with pytest.raises(saleskit.InvalidArgumentError, match="cannot read customers file"):
        saleskit.cluster(customers_path.parent / "missing.csv", ["customer.attrs.spend"])
    with pytest.raises(saleskit.InvalidArgumentError, match="customers must be a pandas DataFrame or a path"):
        saleskit.cluster([{"id": "c1"}], ["customer.attrs.spend"])


# ------------------------------------------------------------------ kmeans

def test_kmeans_exact_on_a_small_separated_set():
    x = np.array([[0, 0], [0, 2], [10, 0], [10, 2], [0, 1], [10, 1]], dtype=np.float64)
    r = saleskit.kmeans(x, 2, seed=3, restarts=2)
    assert r.labels.dtype == np.int32 and r.labels.shape == (6,)
    assert r.labels[0] == r.labels[1] == r.labels[4] != r.labels[2] == r.labels[3] == r.labels[5]
    centres = r.centroids[np.argsort(r.centroids[:, 0])]
    assert np.allclose(centres, [[0, 1], [10, 1]])
    assert r.inertia == pytest.approx(4.0)
    assert r.iterations >= 1
    # Any layout and integer input give the same answer.
    same = saleskit.kmeans(np.asfortranarray(x.astype(np.int64)), 2, seed=3, restarts=2)
    assert np.array_equal(same.labels, r.labels) and same.inertia == r.inertia


def test_kmeans_deterministic_and_close_to_sklearn():
    rng = np.random.default_rng(1)
    centres = rng.uniform(-20, 20, size=(5, 4))
    x = np.repeat(centres, 200, axis=0) + rng.standard_normal((1000, 4))
    a = saleskit.kmeans(x, 5, seed=11, restarts=4)
    b = saleskit.kmeans(x, 5, seed=11, restarts=4)
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.centroids, b.centroids)
    assert a.inertia == b.inertia
    # The inertia is the sum of squared distances to the returned centroids.
    assert a.inertia == pytest.approx(((x - a.centroids[a.labels]) ** 2).sum(), rel=1e-12)
    assert a.inertia == pytest.approx(1000 * 4, rel=0.1)  # unit variance per dimension
    # Plain k-means++ (one candidate per centre) finds the same well-separated clusters.
    plain = saleskit.kmeans(x, 5, seed=11, restarts=4, local_trials=1)
    assert plain.inertia == pytest.approx(a.inertia, rel=1e-9)
    sklearn = pytest.importorskip("sklearn.cluster")
    km = sklearn.KMeans(n_clusters=5, n_init=4, algorithm="lloyd", random_state=0).fit(x)
    assert a.inertia == pytest.approx(km.inertia_, rel=1e-9)


def test_kmeans_errors():
    x = np.zeros((3, 2))
    x[:, 0] = [1, 2, 3]
    with pytest.raises(saleskit.InvalidArgumentError, match=r"k-means: k = 4 is more than the number of points \(3\)"):
        saleskit.kmeans(x, 4)
    with pytest.raises(saleskit.InvalidArgumentError, match="k must be at least 1"):
        saleskit.kmeans(x, 0)
    with pytest.raises(saleskit.InvalidArgumentError, match="X must be 2-D"):
        saleskit.kmeans(np.arange(4.0), 2)
    with pytest.raises(saleskit.InvalidArgumentError, match="k-means: no points"):
        saleskit.kmeans(np.zeros((0, 2)), 1)
    x[1, 1] = np.nan
    with pytest.raises(saleskit.InvalidArgumentError, match="NaN or infinite"):
        saleskit.kmeans(x, 2)
    with pytest.raises(saleskit.InvalidArgumentError, match="init must be"):
        saleskit.kmeans(np.ones((3, 1)), 1, init="forgy")
    with pytest.raises(saleskit.InvalidArgumentError, match="local_trials must be at least 1"):
        saleskit.kmeans(np.ones((3, 1)), 1, local_trials=0)
