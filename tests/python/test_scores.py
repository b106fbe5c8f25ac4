"""Points scores from Python: definitions (dicts, timedeltas, short stage
names) and their errors, values and grades, decay and crossings at their
instants, promotion, explanation, the frames, removal, and the promise that
live values equal a batch recompute for random data."""
import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

import saleskit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)

LEAD = {
    "name": "lead",
    "rules": [
        {"condition": 'customer.country == "DE"', "points": 20},
        {"event": "demo_request", "points": 40},
        {"name": "clicks", "event": "email_click", "points": 5, "max_per_window": 2, "window": dt.timedelta(days=1)},
    ],
    "decay": {"time_frame": dt.timedelta(days=7)},
    "min": 0,
    "max": 100,
    "grades": [{"grade": "A", "min": 50}, {"grade": "B", "min": 20}],
    "thresholds": [{"value": 50, "name": "mql", "promote_to": "marketing_qualified"}],
}


def make_engine() -> saleskit.Engine:
    eng = saleskit.Engine(start=T0)
    eng.define_score(LEAD)
    eng.upsert_customers([{"id": "c1", "country": "DE", "lifecycle_stage": "lead"},
                          {"id": "c2", "country": "FR", "lifecycle_stage": "lead"}])
    return eng


def ev(customer, type_, at):
    return {"customer_id": customer, "type": type_, "occurred_at": at}


def test_values_grades_and_frames():
    eng = make_engine()
    assert eng.score("lead", "c1") == 20.0
    assert eng.score_grade("lead", "c1") == "B"
    assert eng.score("lead", "c2") == 0.0
    assert eng.score_grade("lead", "c2") == ""
    eng.ingest_events([{**ev("c2", "email_click", "2026-03-01T00:00:00Z"), "id": "e%d" % i} for i in range(3)])
    assert eng.score("lead", "c2") == 10.0  # two of the day's clicks earn
    values = eng.score_values("lead")
    assert isinstance(values, pd.Series) and values.dtype == np.float64
    assert values.to_dict() == {"c1": 20.0, "c2": 10.0}
    frame = eng.scores_frame()
    assert list(frame.columns) == ["lead", "lead_grade"]
    assert list(frame.index) == ["c1", "c2"]
    assert list(frame["lead_grade"]) == ["B", ""]
    assert eng.evaluate_scores()["lead"].to_dict() == {"c1": 20.0, "c2": 10.0}
    defs = eng.scores()
    assert [d["name"] for d in defs] == ["lead"]
    assert defs[0]["decay"] == {"time_frame": "604800s"}
    assert eng.playbook()["scores"] == defs
    with pytest.raises(saleskit.NotFoundError, match='"nope"'):
        eng.score("nope", "c1")
    with pytest.raises(saleskit.NotFoundError):
        eng.score("lead", "nobody")
    with pytest.raises(saleskit.NotFoundError):
        eng.score_values("nope")


def test_crossings_promotion_and_decay_at_exact_instants():
    eng = make_engine()
    eng.advance_to(dt.datetime(2026, 3, 2, tzinfo=UTC))
    eng.ingest_events([ev("c1", "demo_request", "2026-03-01T12:00:00Z")])
    assert eng.score("lead", "c1") == 60.0
    assert eng.score_grade("lead", "c1") == "A"
    assert eng.get_customer("c1")["lifecycle_stage"] == "marketing_qualified"
    eng.advance_to(dt.datetime(2026, 3, 10, tzinfo=UTC))
    assert eng.score("lead", "c1") == 20.0
    crossings = eng.score_crossings()
    assert list(crossings.columns) == ["seq", "at", "score", "customer_id", "threshold", "threshold_value",
                                       "direction", "value", "promoted_to"]
    rows = [(r.seq, r.at.isoformat(), r.score, r.customer_id, r.threshold, r.threshold_value, r.direction, r.value,
             r.promoted_to) for r in crossings.itertuples()]
    assert rows == [
        (1, "2026-03-02T00:00:00+00:00", "lead", "c1", "mql", 50.0, "up", 60.0, "marketing_qualified"),
        (2, "2026-03-08T12:00:00+00:00", "lead", "c1", "mql", 50.0, "down", 20.0, None),
    ]
    assert eng.last_score_crossing == 2
    assert list(eng.score_crossings(after=1)["seq"]) == [2]
    assert list(eng.score_crossings(limit=1)["seq"]) == [1]
    eng.trim_score_crossings(1)
    assert list(eng.score_crossings()["seq"]) == [2]
    assert eng.last_score_crossing == 2


def test_explain():
    eng = make_engine()
    eng.advance_to(dt.datetime(2026, 3, 2, tzinfo=UTC))
    eng.ingest_events([ev("c1", "demo_request", "2026-03-01T12:00:00Z")])
    x = eng.explain_score("lead", "c1")
    assert x["value"] == 60.0 and x["unclamped"] == 60.0 and x["grade"] == "A"
    assert x["at"] == dt.datetime(2026, 3, 2, tzinfo=UTC)
    rules = {r["rule"]: r for r in x["rules"]}
    assert [r["rule"] for r in x["rules"]] == ['customer.country == "DE"', "demo_request", "clicks"]
    assert rules['customer.country == "DE"'] == {"rule": 'customer.country == "DE"', "event": False, "points": 20.0,
                                                 "holds": True, "events": []}
    assert rules["demo_request"]["event"] and rules["demo_request"]["points"] == 40.0
    assert rules["demo_request"]["events"] == [{
        "at": dt.datetime(2026, 3, 1, 12, tzinfo=UTC), "points": 40.0, "full_points": 40.0, "over_maximum": False,
        "expires": dt.datetime(2026, 3, 8, 12, tzinfo=UTC)}]
    with pytest.raises(saleskit.NotFoundError):
        eng.explain_score("lead", "nobody")


def test_definition_errors_name_the_score():
    eng = make_engine()
    with pytest.raises(ValueError, match='"lead"'):
        eng.define_score(LEAD)  # already defined
    with pytest.raises(ValueError, match='"twice"'):
        eng.define_scores([{"name": "twice", "rules": [{"event": "x", "points": 1}]}] * 2)
    with pytest.raises(ValueError, match='"capped"'):
        eng.define_score({"name": "capped", "rules": [{"event": "x", "points": 1}], "min": 0, "max": 10,
                          "thresholds": [{"value": 20, "name": "t"}]})
    with pytest.raises(saleskit.InvalidArgumentError, match='"empty"'):
        eng.define_score({"name": "empty", "rules": []})
    with pytest.raises(saleskit.InvalidArgumentError, match='"typed"'):
        eng.define_score({"name": "typed", "rules": [{"condition": "customer.employee_count + 1", "points": 1}]})
    with pytest.raises(saleskit.InvalidArgumentError):
        eng.define_scores("lead")
    assert [d["name"] for d in eng.scores()] == ["lead"]  # all or none


def test_remove_and_score_in_cel():
    eng = make_engine()
    eng.define_segment("warm", 'score("lead") >= 20')
    assert list(eng.segment_members("warm")) == ["c1"]
    with pytest.raises(saleskit.FailedPreconditionError):
        eng.remove_score("lead")
    eng.remove_segment("warm")
    eng.remove_score("lead")
    assert eng.scores() == []
    with pytest.raises(saleskit.NotFoundError):
        eng.remove_score("lead")


def test_live_values_equal_batch_recompute_for_random_data():
    rng = random.Random(7)
    eng = saleskit.Engine(start=T0)
    eng.define_scores([
        {"name": "fit", "rules": [{"condition": 'customer.country == "DE"', "points": 10},
                                  {"condition": "customer.employee_count >= 50", "points": 15}],
         "grades": [{"grade": "A", "min": 20}]},
        {"name": "engagement",
         "rules": [{"event": "email_click", "points": 3, "max_per_window": 2, "window": "86400s"},
                   {"event": "demo_request", "points": 25},
                   {"event": "unsubscribe", "points": -20}],
         "decay": {"half_life": "259200s"}, "min": 0, "max": 60,
         "thresholds": [{"value": 20, "name": "warm"}, {"value": 40, "name": "hot", "promote_to": "sales_qualified"}]},
    ])
    countries = ["DE", "FR", "US"]
    eng.upsert_customers([{"id": "c%02d" % i, "country": rng.choice(countries),
                           "employee_count": rng.randrange(1, 200)} for i in range(30)])
    now = T0
    for step in range(12):
        batch = []
        for j in range(rng.randrange(5, 25)):
            at = now - dt.timedelta(hours=rng.randrange(0, 96))
            batch.append({"id": "e%d_%d" % (step, j), "customer_id": "c%02d" % rng.randrange(30),
                          "type": rng.choice(["email_click", "email_click", "demo_request", "unsubscribe"]),
                          "occurred_at": at.isoformat()})
        eng.ingest_events(batch)
        if step % 4 == 3:
            eng.upsert_customers([{"id": "c%02d" % rng.randrange(30), "country": rng.choice(countries)}])
        now += dt.timedelta(hours=rng.randrange(1, 48))
        eng.advance_to(now)
        live = eng.scores_frame()[["fit", "engagement"]]
        batch_values = eng.evaluate_scores()
        pd.testing.assert_frame_equal(live, batch_values)
    crossings = eng.score_crossings()
    assert len(crossings) > 0
    assert list(crossings["seq"]) == list(range(1, len(crossings) + 1))
    assert (crossings["at"].diff().dropna() >= pd.Timedelta(0)).all()
