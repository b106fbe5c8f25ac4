"""Points scores from Python: a fit score from conditions and an engagement
score from events that fades by a half-life, a threshold that promotes a
customer to marketing qualified, an explanation and the crossing log.

    python examples/scores.py
"""
import datetime as dt

import pandas as pd

import saleskit

UTC = dt.timezone.utc

eng = saleskit.Engine(start=dt.datetime(2026, 3, 1, tzinfo=UTC))
# Define before ingesting: event rules count the events ingested from then on.
eng.define_scores([
    {"name": "fit",
     "rules": [{"condition": 'customer.industry == "SaaS"', "points": 20},
               {"condition": "customer.employee_count >= 50", "points": 15}],
     "grades": [{"grade": "A", "min": 35}, {"grade": "B", "min": 20}]},
    {"name": "engagement",
     "rules": [{"event": "demo_request", "points": 40},
               # Three clicks in a day earn for two.
               {"event": "email_click", "points": 5, "max_per_window": 2, "window": dt.timedelta(days=1)}],
     "decay": {"half_life": dt.timedelta(weeks=1)},
     "min": 0, "max": 100,
     "thresholds": [{"value": 40, "name": "mql", "promote_to": "marketing_qualified"}]},
])
eng.upsert_customers([{"id": "c1", "industry": "SaaS", "employee_count": 120, "lifecycle_stage": "lead"},
                      {"id": "c2", "industry": "Retail", "employee_count": 10, "lifecycle_stage": "lead"}])
eng.advance_to(dt.datetime(2026, 3, 2, 12, tzinfo=UTC))
eng.ingest_events([
    {"id": "e1", "customer_id": "c1", "type": "demo_request", "occurred_at": "2026-03-02T09:00:00Z"},
    {"id": "e2", "customer_id": "c1", "type": "email_click", "occurred_at": "2026-03-02T10:00:00Z"},
    {"id": "e3", "customer_id": "c1", "type": "email_click", "occurred_at": "2026-03-02T10:30:00Z"},
    {"id": "e4", "customer_id": "c1", "type": "email_click", "occurred_at": "2026-03-02T11:00:00Z"},
    {"id": "e5", "customer_id": "c2", "type": "email_click", "occurred_at": "2026-03-02T11:00:00Z"},
])
with pd.option_context("display.precision", 2):
    print(eng.scores_frame())
print("c1 is now", eng.get_customer("c1")["lifecycle_stage"])

# A week later every event is worth half: engagement fell below 40 at an
# exact instant, recorded as a down crossing.
eng.advance_to(dt.datetime(2026, 3, 9, 12, tzinfo=UTC))
why = eng.explain_score("engagement", "c1")
print("engagement of c1 on %s: %.2f" % (why["at"].date(), why["value"]))
for rule in why["rules"]:
    print("  %s: %.2f" % (rule["rule"], rule["points"]))
    for e in rule["events"]:
        print("    %s worth %.2f of %g%s" % (e["at"].strftime("%Y-%m-%d %H:%M"), e["points"], e["full_points"],
                                           " (over the maximum)" if e["over_maximum"] else ""))
for c in eng.score_crossings().itertuples():
    promoted = " -> " + c.promoted_to if c.promoted_to else ""
    print("crossing", c.seq, c.at.strftime("%Y-%m-%d %H:%M"), c.score, c.customer_id, c.direction, c.threshold + promoted)
