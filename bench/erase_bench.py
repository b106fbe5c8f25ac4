"""Erasing customers one call each against one EraseCustomers batch.

    build/venv/bin/python bench/erase_bench.py [--customers 20000] [--events 100000] [--erase 200]

Two engines get the same --customers customers (each with an email) and
--events events with ids (remembered for de-duplication), in memory and on a
state file. One erases --erase of the customers with one erase_customer call
each, the other with one erase_customers call; both end in the same state.
The peer is the one-call-each engine, in the same run: on a state file each
of its calls takes a checkpoint of the whole state, the batch takes one.
No floor: this measures what batching saves (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time

import saleskit

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def build(path: str | None, customers: int, events: int) -> saleskit.Engine:
    eng = saleskit.Engine.open(path, start=T0, checkpoint_every=0) if path else saleskit.Engine(start=T0)
    eng.upsert_customers([{"id": f"c{i}", "email": f"u{i}@example.com"} for i in range(customers)])
    eng.ingest_events([{"id": f"e{i}", "customer_id": f"c{i % customers}", "type": "click",
                        "occurred_at": "2025-12-31T00:00:00Z"} for i in range(events)])
    return eng


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--events", type=int, default=100000)
    parser.add_argument("--erase", type=int, default=200)
    args = parser.parse_args()
    step = max(1, args.customers // args.erase)
    ids = [f"c{i}" for i in range(0, args.customers, step)][: args.erase]
    with tempfile.TemporaryDirectory() as d:
        for durable in (False, True):
            one = build(os.path.join(d, "one.db") if durable else None, args.customers, args.events)
            start = time.perf_counter()
            for i in ids:
                one.erase_customer(i)
            each = time.perf_counter() - start
            batch_engine = build(os.path.join(d, "batch.db") if durable else None, args.customers, args.events)
            start = time.perf_counter()
            batch_engine.erase_customers(ids)
            batch = time.perf_counter() - start
            assert len(one) == len(batch_engine) == args.customers - len(ids)
            print(f"{'state file' if durable else 'in memory':<10}  {len(ids)} of {args.customers} customers "
                  f"({args.events} events with ids): one call each {each:.3f} s, one batch {batch:.3f} s, "
                  f"ratio {each / batch:.0f}x")
            for eng in (one, batch_engine):
                eng.close()


if __name__ == "__main__":
    main()
