"""saleskit.train_from_history and Engine.bind_model / predict /
explain_prediction: training on a CRM's own history and scoring live
customers with the result (docs/predictive.md)."""
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

import saleskit

UTC = dt.timezone.utc
REFERENCE = dt.datetime(2026, 1, 31, tzinfo=UTC)
FEATURES = {"visits_30d": 'events.count("visit", days(30))', "country": "customer.country"}


def history(n: int = 400, seed: int = 5):
    """Customers, their January visits, and an MQL stage change in February
    that is likelier the more they visited. Returns (customers frame, events
    as dicts, each customer's visit count)."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i:03d}" for i in range(n)]
    countries = rng.choice(["DE", "FR", "US"], n)
    visits = rng.integers(0, 6, n)
    events = []
    for cid, v in zip(ids, visits):
        for _ in range(int(v)):
            at = dt.datetime(2026, 1, 5, tzinfo=UTC) + dt.timedelta(minutes=int(rng.integers(0, 24 * 24 * 60)))
            events.append({"customer_id": cid, "type": "visit", "occurred_at": at})
        if rng.random() < 0.05 + 0.17 * v:
            events.append({"customer_id": cid, "type": "lifecycle_stage_changed",
                           "occurred_at": dt.datetime(2026, 2, 10, tzinfo=UTC),
                           "properties": {"stage": "marketing_qualified"}})
    customers = pd.DataFrame({"id": ids, "country": countries})
    return customers, events, dict(zip(ids, visits.tolist()))


@pytest.fixture(scope="module")
def data():
    return history()


@pytest.fixture(scope="module")
def trained(data):
    customers, events, _ = data
    return saleskit.train_from_history(customers, events, reference=REFERENCE, horizon_days=30,
                                       stage="marketing_qualified", features=FEATURES, seed=7)


def test_visits_drive_conversion(trained):
    model, held_out, warnings = trained
    assert held_out["auc"] > 0.7
    assert model.feature_names == ["visits_30d", "country"]
    assert model.target == "outcome" and model.positive == "yes"
    assert len(trained.train_rows) + len(trained.test_rows) == 400
    # The model remembers each feature's expression.
    assert 'events.count(\\"visit\\", days(30))' in model.to_json()


def test_features_are_as_of_the_reference_time(data, trained):
    customers, events, _ = data
    rng = np.random.default_rng(1)
    later = list(events)
    for i in range(300):
        cid = f"c{int(rng.integers(0, 400)):03d}"
        # Visits inside the horizon (they are no outcome) and anything after it.
        later.append({"customer_id": cid, "type": "visit",
                      "occurred_at": REFERENCE + dt.timedelta(microseconds=1 + int(rng.integers(0, 10**11)))})
        later.append({"customer_id": cid, "type": "lifecycle_stage_changed",
                      "occurred_at": dt.datetime(2026, 4, 1, tzinfo=UTC), "properties": {"stage": "customer"}})
    again = saleskit.train_from_history(customers, later, reference=REFERENCE, horizon_days=30,
                                        stage="marketing_qualified", features=FEATURES, seed=7)
    assert again.model.weights.tobytes() == trained.model.weights.tobytes()
    assert again.model.intercept == trained.model.intercept
    assert again.model.to_bytes() == trained.model.to_bytes()
    assert again.held_out == trained.held_out


def test_inputs_as_frames_dicts_or_files(data, trained, tmp_path):
    customers, events, _ = data
    customers_path = tmp_path / "customers.csv"
    customers.to_csv(customers_path, index=False)
    events_path = tmp_path / "events.ndjson"
    with open(events_path, "w") as f:
        for e in events:
            line = {"customer_id": e["customer_id"], "type": e["type"],
                    "occurred_at": e["occurred_at"].strftime("%Y-%m-%dT%H:%M:%SZ")}
            if "properties" in e:
                line["properties"] = e["properties"]
            f.write(json.dumps(line) + "\n")
    from_files = saleskit.train_from_history(str(customers_path), events_path, reference="2026-01-31T00:00:00Z",
                                             stage="marketing_qualified", features=FEATURES, seed=7)
    from_dicts = saleskit.train_from_history(customers.to_dict("records"), events, reference=REFERENCE,
                                             stage="LIFECYCLE_STAGE_MARKETING_QUALIFIED",
                                             horizon_days=dt.timedelta(days=30), features=list(FEATURES.items()),
                                             seed=7)
    assert from_files.model.to_bytes() == trained.model.to_bytes()
    assert from_dicts.model.to_bytes() == trained.model.to_bytes()


def test_live_predictions_equal_the_model_on_the_same_features(data, trained):
    customers, events, visits = data
    model = trained.model
    engine = saleskit.Engine(start=dt.datetime(2026, 1, 1, tzinfo=UTC))
    engine.bind_model(model)  # first: the windows count what is ingested from now on
    engine.bind_model(model)  # again: nothing happens
    engine.upsert_customers(customers)
    engine.ingest_events([e for e in events if e["occurred_at"] <= REFERENCE])
    engine.advance_to(REFERENCE)
    live = engine.predict(model)
    assert isinstance(live, pd.Series) and live.index.name == "customer_id"
    assert list(live.index) == sorted(customers["id"])
    frame = pd.DataFrame({"visits_30d": [visits[i] for i in live.index],
                          "country": customers.set_index("id").loc[live.index, "country"].to_numpy()})
    expected = model.predict_proba(frame)
    np.testing.assert_allclose(live.to_numpy(), expected, rtol=0, atol=1e-12)

    x = engine.explain_prediction(model, "c001", k=2)
    assert x["customer_id"] == "c001"
    assert x["probability"] == pytest.approx(live["c001"], abs=1e-12)
    assert len(x["top"]) == 2 and {t["feature"] for t in x["top"]} <= set(model.column_names)
    assert x["base_log_odds"] + sum(
        t["log_odds"] for t in engine.explain_prediction(model, "c001", k=10)["top"]) == pytest.approx(x["log_odds"])
    with pytest.raises(saleskit.NotFoundError):
        engine.explain_prediction(model, "nobody")


def test_errors_carry_the_reason(data, trained, tmp_path):
    customers, events, _ = data
    past = [e for e in events if e["occurred_at"] <= REFERENCE]
    with pytest.raises(ValueError, match="is not before any event or deal"):
        saleskit.train_from_history(customers, past, reference=REFERENCE, stage="marketing_qualified",
                                    features=FEATURES)
    with pytest.raises(ValueError, match='feature "visits": '):
        saleskit.train_from_history(customers, events, reference=REFERENCE, stage="marketing_qualified",
                                    features={"visits": "customer.visits"})
    with pytest.raises(ValueError, match="choose an outcome"):
        saleskit.train_from_history(customers, events, reference=REFERENCE, features=FEATURES)
    with pytest.raises(ValueError, match='unknown lifecycle stage "hot"'):
        saleskit.train_from_history(customers, events, reference=REFERENCE, stage="hot", features=FEATURES)
    with pytest.raises(ValueError, match="events: "):
        saleskit.train_from_history(customers, [{"customer_id": "c000", "type": "visit", "occurred_at": 5}],
                                    reference=REFERENCE, stage="lead", features=FEATURES)

    # A model trained on a table (a CSV file) has no expressions: it cannot score live customers.
    table = pd.DataFrame({"visits_30d": np.arange(100) % 6, "won": np.where((np.arange(100) * 7) % 10 < 4, "yes", "no")})
    table.to_csv(tmp_path / "table.csv", index=False)
    plain, _, _ = saleskit.train_model(tmp_path / "table.csv", target="won", positive="yes")
    engine = saleskit.Engine()
    with pytest.raises(ValueError, match='feature "visits_30d" has no CEL expression: only a model trained from '
                                         'history can score live customers'):
        engine.bind_model(plain)
    with pytest.raises(saleskit.FailedPreconditionError, match="bind_model"):
        engine.predict(trained.model)
    with pytest.raises(saleskit.FailedPreconditionError):
        engine.explain_prediction(trained.model, "c001")
    with pytest.raises(ValueError, match="expected a saleskit.PredictiveModel"):
        engine.bind_model("model.json")
