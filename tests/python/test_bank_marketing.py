"""The bank-marketing check: saleskit's held-out AUC on UCI bank-full (lead
scoring without the leaking call duration) against scikit-learn's
LogisticRegression fitted on the same split and the same encoded matrix.

The data is ../shared/data/bank-marketing (README.md there), or
$SALESKIT_SHARED_DATA_DIR/bank-marketing (a git worktree has no ../shared).
"""
import os
import pathlib

import numpy as np
import pytest

import saleskit

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("SALESKIT_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
BANK = DATA / "bank-marketing" / "bank-full.csv"


@pytest.mark.skipif(not BANK.exists(), reason=f"{BANK} is not there")
def test_held_out_auc_matches_scikit_learn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    metrics = pytest.importorskip("sklearn.metrics")
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(BANK, sep=";")
    assert len(df) == 45211
    l2 = 1.0
    result = saleskit.train_model(df, target="y", positive="yes", exclude=["duration"], test_fraction=0.2, seed=42,
                                  l2=l2)
    model = result.model
    assert result.warnings == []
    assert len(result.test_rows) == result.held_out["rows"] == 9042

    # The same split and the same encoding, fitted by scikit-learn.
    train = df.iloc[result.train_rows]
    test = df.iloc[result.test_rows]
    x_train, x_test = model.transform(train), model.transform(test)
    y_train, y_test = (train["y"] == "yes").to_numpy(), (test["y"] == "yes").to_numpy()
    assert x_train.shape == (36169, len(model.column_names))
    lr = linear_model.LogisticRegression(C=1 / l2, solver="lbfgs", max_iter=10000, tol=1e-10)
    lr.fit(x_train, y_train)
    sklearn_auc = metrics.roc_auc_score(y_test, lr.predict_proba(x_test)[:, 1])
    saleskit_auc = result.held_out["auc"]
    print(f"bank-full held-out AUC: saleskit {saleskit_auc:.6f}, scikit-learn {sklearn_auc:.6f}, "
          f"difference {saleskit_auc - sklearn_auc:+.2e}")
    assert abs(saleskit_auc - sklearn_auc) <= 0.002
    # saleskit's AUC is scikit-learn's definition of it, on saleskit's probabilities.
    assert metrics.roc_auc_score(y_test, model.predict_proba(test)) == pytest.approx(saleskit_auc, abs=1e-12)
    # And the coefficients are the same optimum.
    np.testing.assert_allclose(model.weights, lr.coef_[0], atol=1e-3)
