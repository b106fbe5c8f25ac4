"""CEL conditions about customers from Python: compile, evaluate, match.

    python examples/conditions.py
"""
import datetime as dt

import pandas as pd

import saleskit
from saleskit import cel

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)

# A mistake is found when compiling, with its line:column and a suggestion.
try:
    cel.compile('customer.emial.endsWith("@example.com")')
except saleskit.CompileError as e:
    print("compile error:", e)

# Standalone: evaluate on a customer given as a dict.
big_de = cel.compile('customer.country == "DE" && customer.employee_count >= 50')
print("dict match:", big_de.matches({"id": "c1", "country": "DE", "employee_count": 120}))
# A field never set compared: an error value, so the condition does not match.
print("unknown size matches:", big_de.matches({"id": "c2", "country": "DE"}))
try:
    big_de.evaluate({"id": "c2", "country": "DE"})
except cel.EvaluationError as e:
    print("evaluation error:", e)

# On a DataFrame: one row per customer, a bool Series aligned with the frame.
df = pd.DataFrame({"id": ["a", "b", "c"], "country": ["DE", "DE", "FR"],
                   "employee_count": [120, None, 300]}, index=["r1", "r2", "r3"])
print("frame:", big_de.evaluate_frame(df).to_dict())

# On an engine: compile there first, so the store keeps the event window
# from then on (events ingested before compiling are in no window).
eng = saleskit.Engine(start=T0)
engaged = eng.compile('customer.country == "DE" && events.count("email_click", days(7)) >= 2')
print("windows:", engaged.dependencies["windows"])
eng.upsert_customers(df)
eng.ingest_events([{"id": "e%d" % i, "customer_id": "a", "type": "email_click",
                    "occurred_at": T0 + dt.timedelta(hours=i)} for i in range(2)])
eng.advance_to(T0 + dt.timedelta(days=1))
print("engaged:", eng.match(engaged))
print("clicks of a:", eng.evaluate('events.count("email_click", days(7))', "a"))
