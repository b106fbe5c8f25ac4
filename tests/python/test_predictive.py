"""saleskit.LogisticScorer and saleskit.train_model: the predictive scores of
docs/predictive.md from Python, with scikit-learn's estimator conventions."""
import json

import numpy as np
import pandas as pd
import pytest

import saleskit


def deals(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n)
    plan = rng.choice(["basic", "pro", "team"], n)
    visits = rng.poisson(4, n).astype(float)
    visits[rng.random(n) < 0.05] = np.nan  # missing values are encoded, not errors
    logit = 0.06 * (score - 50) + np.where(plan == "team", 1.0, 0.0) + 0.2 * np.nan_to_num(visits - 4)
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"score": score, "plan": plan, "visits": visits, "won": won})


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return deals()


@pytest.fixture(scope="module")
def fitted(frame):
    return saleskit.LogisticScorer().fit(frame.drop(columns=["won"]), frame["won"])


def test_params_round_trip_and_sklearn_clone():
    est = saleskit.LogisticScorer(l2=0.5, class_weight="balanced", categorical=["zip"])
    assert est.get_params() == {"l2": 0.5, "class_weight": "balanced", "min_level_count": 10, "categorical": ["zip"]}
    assert est.set_params(l2=2.0, min_level_count=3) is est
    assert est.get_params()["l2"] == 2.0 and est.get_params()["min_level_count"] == 3
    with pytest.raises(ValueError, match="invalid parameter 'C'"):
        est.set_params(C=1.0)
    base = pytest.importorskip("sklearn.base")
    copy = base.clone(est)
    assert copy is not est
    assert copy.get_params() == est.get_params()
    assert base.is_classifier(est)


def test_sklearn_cross_validation(frame):
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = frame.drop(columns=["won"]), frame["won"]
    aucs = model_selection.cross_val_score(saleskit.LogisticScorer(), X, y, cv=3, scoring="roc_auc")
    assert len(aucs) == 3 and all(a > 0.7 for a in aucs)


def test_fit_predict_shapes_and_determinism(frame, fitted):
    X = frame.drop(columns=["won"])
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(frame), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(fitted.classes_) == [False, True]
    assert fitted.predict(X).dtype == bool
    again = saleskit.LogisticScorer().fit(X, frame["won"]).predict_proba(X)
    assert np.array_equal(proba, again)  # bit for bit
    # The linear parts agree with the probabilities.
    z = fitted.decision_function(X)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), proba[:, 1], rtol=1e-12, atol=1e-15)
    assert fitted.coef_.shape == (1, len(fitted.feature_names_out_))
    assert "plan=team" in list(fitted.feature_names_out_)
    assert "visits=(missing)" in list(fitted.feature_names_out_)
    assert fitted.transform(X).shape == (len(frame), len(fitted.feature_names_out_))
    assert fitted.n_features_in_ == 3
    assert fitted.score(X, frame["won"]) > 0.6


def test_string_labels_and_positive(frame):
    X = frame.drop(columns=["won"])
    y = np.where(frame["won"], "won", "lost")
    est = saleskit.LogisticScorer().fit(X, y, positive="won")
    assert list(est.classes_) == ["lost", "won"]
    p_won = est.predict_proba(X)[:, 1]
    # The positive may sort first: predict_proba's columns still follow classes_.
    flipped = saleskit.LogisticScorer().fit(X, np.where(frame["won"], "a_won", "b_lost"), positive="a_won")
    assert list(flipped.classes_) == ["a_won", "b_lost"]
    np.testing.assert_allclose(flipped.predict_proba(X)[:, 0], p_won, rtol=1e-12)
    np.testing.assert_allclose(flipped.decision_function(X), -est.decision_function(X), rtol=1e-10)


def test_numpy_matrix_and_explain(frame):
    X = frame[["score"]].assign(v=frame["visits"].fillna(4)).to_numpy()
    est = saleskit.LogisticScorer(l2=2.0).fit(X, frame["won"].astype(int))
    assert list(est.classes_) == [0, 1]
    assert list(est.feature_names_out_) == ["x0", "x1"]
    explained = est.explain(X[:2], k=1)
    assert len(explained) == 2 and len(explained[0]["top"]) == 1
    top = explained[0]["top"][0]
    assert set(top) == {"feature", "value", "kind", "log_odds"}
    e = explained[1]
    assert e["base_log_odds"] + sum(c["log_odds"] for c in est.explain(X[1:2], k=2)[0]["top"]) == pytest.approx(
        e["log_odds"])
    assert e["probability"] == pytest.approx(est.predict_proba(X[1:2])[0, 1])


def test_save_load_identical_predictions(tmp_path, frame, fitted):
    X = frame.drop(columns=["won"])
    for name in ("model.pb", "model.json"):
        path = tmp_path / name
        fitted.save(path)
        loaded = saleskit.LogisticScorer.load(path)
        assert np.array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
        assert list(loaded.classes_) == [False, True]
        assert loaded.get_params()["l2"] == 1.0
    assert (tmp_path / "model.json").read_text().lstrip().startswith("{")


def test_evaluate(frame, fitted):
    X = frame.drop(columns=["won"])
    m = fitted.evaluate(X, frame["won"])
    assert {"auc", "pr_auc", "log_loss", "brier", "lift", "cumulative_gains", "calibration", "fallbacks"} <= set(m)
    assert m["rows"] == len(frame) and 0.7 < m["auc"] <= 1
    assert len(m["lift"]) == 10


def test_train_model_matches_the_pipeline(frame, tmp_path):
    model, held_out, warnings = saleskit.train_model(frame, target="won", positive=True, test_fraction=0.25, seed=7)
    result = saleskit.train_model(frame, target="won", positive=True, test_fraction=0.25, seed=7)
    assert held_out == result.held_out and warnings == result.warnings == []
    assert held_out["rows"] == len(result.test_rows)
    assert abs(len(result.test_rows) - 100) <= 1  # 25% of each class, rounded
    assert sorted(np.concatenate([result.train_rows, result.test_rows]).tolist()) == list(range(len(frame)))
    # The held-out metrics are the model's on the test rows.
    test = frame.iloc[result.test_rows]
    again = model.evaluate(test)
    assert again["auc"] == pytest.approx(held_out["auc"], abs=1e-12)
    # From a CSV file too.
    path = tmp_path / "deals.csv"
    frame.to_csv(path, index=False)
    from_csv, held_csv, _ = saleskit.train_model(path, target="won", positive="True", test_fraction=0.25, seed=7)
    assert held_csv["rows"] == held_out["rows"]
    assert held_csv["auc"] == pytest.approx(held_out["auc"], abs=1e-9)


# ------------------------------------------------------------------ errors


def test_missing_target_column(frame):
    with pytest.raises(ValueError, match='no target column "outcome"'):
        saleskit.train_model(frame, target="outcome", positive=True)


def test_non_binary_target(frame):
    X = frame.drop(columns=["won"])
    y = np.resize(np.array(["won", "lost", "open"]), len(frame))
    with pytest.raises(saleskit.InvalidArgumentError, match="not binary"):
        saleskit.LogisticScorer().fit(X, y, positive="won")


def test_positive_never_occurs(frame):
    X = frame.drop(columns=["won"])
    with pytest.raises(ValueError, match='positive value "yes" never occurs'):
        saleskit.LogisticScorer().fit(X, np.where(frame["won"], "won", "lost"), positive="yes")


def test_constant_feature(frame):
    X = frame.drop(columns=["won"]).assign(region="emea")
    with pytest.raises(ValueError, match='"region"'):
        saleskit.LogisticScorer().fit(X, frame["won"])


def test_infinity_in_X_names_row_and_column(frame):
    X = frame.drop(columns=["won"]).copy()
    X.loc[5, "score"] = np.inf
    with pytest.raises(ValueError, match=r'row 5.*"score"|"score".*row 5'):
        saleskit.LogisticScorer().fit(X, frame["won"])


def test_nan_in_X_is_a_missing_value(frame, fitted):
    # NaN is pandas' missing value: encoded (imputed, with an indicator column), never an error.
    X = frame.drop(columns=["won"]).copy()
    X.loc[0, "score"] = np.nan
    p = fitted.predict_proba(X)
    assert np.isfinite(p).all()
    m = fitted.evaluate(X, frame["won"])
    assert {"feature": "score", "unseen_levels": 0, "unexpected_missing": 1} in m["fallbacks"]


def test_frame_missing_a_model_column(frame, fitted):
    with pytest.raises(ValueError, match='"plan"'):
        fitted.predict_proba(frame.drop(columns=["won", "plan"]))


def test_truncated_model_file(tmp_path, fitted):
    path = tmp_path / "model.pb"
    fitted.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated|cut short"):
        saleskit.LogisticScorer.load(path)
    jpath = tmp_path / "model.json"
    fitted.save(jpath)
    jpath.write_text(jpath.read_text()[:100])
    with pytest.raises(ValueError, match="truncated"):
        saleskit.PredictiveModel.load(jpath)


def test_newer_schema_version_is_refused(tmp_path, fitted):
    path = tmp_path / "model.json"
    fitted.save(path)
    doc = json.loads(path.read_text())
    doc["schema_version"] = 2
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"model schema version 2 is newer than this saleskit supports \(1\)"):
        saleskit.LogisticScorer.load(path)


def test_not_fitted_and_bad_class_weight(frame):
    with pytest.raises(ValueError, match="not fitted"):
        saleskit.LogisticScorer().predict_proba(frame)
    with pytest.raises(ValueError, match="class_weight"):
        saleskit.LogisticScorer(class_weight="auto").fit(frame.drop(columns=["won"]), frame["won"])


def _cli():
    """The saleskit CLI if one is at hand (SALESKIT_CLI or on PATH), else None."""
    import os
    import shutil
    path = os.environ.get("SALESKIT_CLI") or shutil.which("saleskit")
    return path if path and os.access(path, os.X_OK) else None


@pytest.mark.skipif(_cli() is None, reason="no saleskit CLI (set SALESKIT_CLI)")
def test_train_model_matches_the_cli(frame, tmp_path):
    import subprocess
    data = tmp_path / "deals.csv"
    frame.to_csv(data, index=False)
    out = subprocess.run([_cli(), "score", "train", "--data", str(data), "--target", "won", "--positive", "True",
                          "--seed", "7", "--out", str(tmp_path / "cli.pb"), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    model, held_out, _ = saleskit.train_model(data, target="won", positive="True", seed=7)
    assert held_out == cli["held_out"]
    # The CLI's model file scores as the Python one.
    cli_model = saleskit.PredictiveModel.load(tmp_path / "cli.pb")
    assert np.array_equal(cli_model.predict_proba(data), model.predict_proba(data))
