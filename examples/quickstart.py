"""Quickstart for Python: load customers and events, read one back, erase one.

    python examples/quickstart.py
"""
import datetime as dt

import saleskit

eng = saleskit.Engine(start=dt.datetime(2026, 1, 1))

# Records as dicts: plain values in attrs become typed attributes.
report = eng.upsert_customers([
    {"id": "c1", "email": "ada@example.com", "industry": "SaaS", "employee_count": 120,
     "lifecycle_stage": "lead", "tags": ["webinar"], "attrs": {"plan": "pro", "seats": 25}},
    {"id": "c2", "email": "grace@example.com", "industry": "Retail", "lifecycle_stage": "subscriber"},
])
print("customers inserted:", report.inserted)

# Events: the repeated id is a redelivery and is counted once.
click = {"id": "e1", "customer_id": "c1", "type": "email_click",
         "occurred_at": dt.datetime(2026, 1, 5, 10, tzinfo=dt.timezone.utc)}
report = eng.ingest_events([click, click])
print("events counted:", report.inserted, "duplicates:", report.duplicates)

# A bad batch raises, names the record and field, and changes nothing.
try:
    eng.upsert_customers([{"id": "c3", "timezone": "Mars/Base"}])
except saleskit.InvalidArgumentError as e:
    print("bad batch:", e)

print("c1:", eng.get_customer("c1"))
eng.erase_customer("c2")
print("customers after erasing c2:", len(eng))
