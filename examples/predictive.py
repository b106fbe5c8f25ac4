"""Predictive scores in Python: train a lead score on past outcomes, evaluate
it on held-out rows, explain one lead, save and load the model.

    python examples/predictive.py

Runs without scikit-learn; LogisticScorer follows its estimator conventions
(get_params, fit, predict_proba, classes_, coef_) when you have it.
"""
import pathlib
import tempfile

import numpy as np
import pandas as pd

import saleskit

# Past leads: a score from marketing, the plan they trialled, whether they bought.
rng = np.random.default_rng(7)
n = 1000
leads = pd.DataFrame({
    "lead_id": [f"l{i}" for i in range(n)],
    "engagement": rng.uniform(0, 100, n),
    "plan": rng.choice(["free", "starter", "team"], n),
    "seats": rng.integers(1, 50, n).astype(float),
})
logit = 0.05 * (leads["engagement"] - 50) + np.where(leads["plan"] == "team", 1.2, 0.0) - 0.5
leads["bought"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")

# 1. The whole pipeline, as `saleskit score train`: split, encode, fit, measure.
model, held_out, warnings = saleskit.train_model(leads, target="bought", positive="yes", exclude=["lead_id"])
print(f"held-out AUC {held_out['auc']:.3f} on {held_out['rows']} rows, top-decile lift {held_out['lift'][0]:.2f}")
print("warnings:", warnings)

# 2. The scikit-learn-style estimator: you split, it fits on every row it gets.
train, test = leads.iloc[:800], leads.iloc[800:]
features = ["engagement", "plan", "seats"]
scorer = saleskit.LogisticScorer(l2=1.0).fit(train[features], train["bought"], positive="yes")
print("classes:", scorer.classes_.tolist())
print("probabilities shape:", scorer.predict_proba(test[features]).shape)
metrics = scorer.evaluate(test[features], test["bought"])
print(f"test AUC {metrics['auc']:.3f}, Brier {metrics['brier']:.3f}")

# 3. Why is the first test lead scored as it is?
why = scorer.explain(test[features].iloc[:1], k=2)[0]
print(f"lead {test['lead_id'].iloc[0]}: p={why['probability']:.3f}")
for c in why["top"]:
    print(f"  {c['feature']}: {c['log_odds']:+.3f} log-odds")

# 4. Save and load (JSON by extension, else binary protobuf): the same scores.
with tempfile.TemporaryDirectory() as tmp:
    path = pathlib.Path(tmp) / "lead_score.json"
    scorer.save(path)
    loaded = saleskit.LogisticScorer.load(path)
    same = np.array_equal(loaded.predict_proba(test[features]), scorer.predict_proba(test[features]))
    print("loaded model scores the same:", same)
