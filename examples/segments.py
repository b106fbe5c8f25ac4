"""Live segments from Python: a derived event kind, two segments that build on
each other, membership that follows events and the clock, and the change log.

    python examples/segments.py
"""
import datetime as dt

import saleskit

UTC = dt.timezone.utc

eng = saleskit.Engine(start=dt.datetime(2026, 3, 1, tzinfo=UTC))
# Define before loading events: windows count events ingested from then on.
eng.define_playbook({
    "event_kinds": [{"name": "pricing_view",
                     "condition": 'event.type == "page_view" && event.properties.url.startsWith("/pricing")'}],
    "segments": [
        {"name": "hot_saas", "condition": 'in_segment("shopping") && customer.industry == "SaaS"'},
        {"name": "shopping", "condition": 'events.count("pricing_view", days(14)) >= 2'},
    ],
})
eng.upsert_customers([{"id": "c1", "industry": "SaaS"}, {"id": "c2", "industry": "Retail"}])
eng.ingest_events([
    {"customer_id": "c1", "type": "page_view", "occurred_at": "2026-03-01T09:00:00Z", "properties": {"url": "/pricing"}},
    {"customer_id": "c1", "type": "page_view", "occurred_at": "2026-03-01T11:00:00Z", "properties": {"url": "/pricing/team"}},
    {"customer_id": "c2", "type": "page_view", "occurred_at": "2026-03-01T10:00:00Z", "properties": {"url": "/blog"}},
])
print("hot_saas:", list(eng.segment_members("hot_saas")))

# On March 15 both views have left the 14-day window (March 2-15).
eng.advance_to(dt.datetime(2026, 4, 1, tzinfo=UTC))
print(eng.segment_changes().to_string(index=False))
why = eng.explain_segment("hot_saas", "c1")
print("c1 in hot_saas:", why["member"])
for clause in why["clauses"]:
    print("  %s => %s" % (clause["text"], clause["value"]))
