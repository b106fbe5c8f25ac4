"""The 50 segments of bench/segments_bench.cc in DuckDB and pandas, on the same customers.

    build/bench/segments_bench --export=DIR      # writes DIR/manifest.json and the columns
    python bench/segments_peers.py DIR [--runs=N]

segments_bench writes the customers it evaluated (raw column files), the 50
segments (CEL for saleskit, SQL, and the clause tree) and saleskit's member
counts and batch time. This script loads the same columns into
- DuckDB (in-process; `SET threads=1`, then the default thread count), running
  the 50 `SELECT count(*) ... WHERE` queries, and also all 50 as one query of
  `count(*) FILTER (WHERE ...)` aggregates (one scan, like saleskit's shared
  pass). Its string columns are ENUMs (dictionary-encoded, as the store's
  are; about 3x faster here than VARCHAR, which is also timed once);
- pandas, evaluating each clause tree as boolean masks over the DataFrame's
  columns (categorical strings, nullable Int64/Float64), with CEL's
  three-valued logic (a true mask and a false mask per node; an error is in
  neither and does not match).
Every count must equal saleskit's: the script exits with status 1 on any
disagreement and prints the segment, its CEL and its SQL. It prints each
peer's time and the ratio to saleskit's time from the same export (one core).
"""

import argparse
import json
import os
import sys
import time

import duckdb
import numpy as np
import pandas as pd


def load_frame(data_dir, manifest):
    n = manifest["customers"]
    cols = {}
    for name, spec in manifest["columns"].items():
        path = os.path.join(data_dir, spec["file"])
        dtype = {"u8": np.uint8, "i64": np.int64, "f64": np.float64}[spec["file"].rsplit(".", 1)[1]]
        raw = np.fromfile(path, dtype=dtype)
        if raw.size != n:
            raise SystemExit(f"{path}: {raw.size} values, the manifest says {n}")
        if "names" in spec:  # dictionary codes -> categorical strings, null_code -> missing
            names = spec["names"]
            null = spec["null_code"]
            categories = [x for i, x in enumerate(names) if i != null and x is not None]
            code_of = np.full(256, -1, dtype=np.int16)
            k = 0
            for i, x in enumerate(names):
                if i != null and x is not None:
                    code_of[i] = k
                    k += 1
            cols[name] = pd.Categorical.from_codes(code_of[raw], categories=categories)
        elif name == "employee_count":
            cols[name] = pd.arrays.IntegerArray(raw, raw == spec["null_value"])
        elif name == "annual_revenue":
            cols[name] = pd.arrays.FloatingArray(raw, np.isnan(raw))
        else:  # window counts
            cols[name] = raw
    return pd.DataFrame(cols)


def compare(series, op, literal):
    value = float(literal) if any(c in literal for c in ".eE") else int(literal)
    if op == "<":
        r = series < value
    elif op == "<=":
        r = series <= value
    elif op == ">":
        r = series > value
    elif op == ">=":
        r = series >= value
    elif op == "==":
        r = series == value
    else:
        raise ValueError(op)
    if isinstance(r, pd.Series):
        r = r.array
    if isinstance(r, pd.arrays.BooleanArray):
        return r.to_numpy(dtype=bool, na_value=False)
    return np.asarray(r, dtype=bool)


class MaskEvaluator:
    """A clause tree as (true mask, false mask) over the frame's rows."""

    def __init__(self, df):
        self.df = df
        self.members = {}
        self.valid = {}

    def valid_mask(self, field):
        if field not in self.valid:
            self.valid[field] = self.df[field].notna().to_numpy()
        return self.valid[field]

    def eval(self, node):
        op = node["op"]
        if op == "and" or op == "or":
            parts = [self.eval(a) for a in node["args"]]
            t, f = parts[0]
            for pt, pf in parts[1:]:
                if op == "and":
                    t, f = t & pt, f | pf
                else:
                    t, f = t | pt, f & pf
            return t, f
        if op == "not":
            t, f = self.eval(node["args"][0])
            return f, t
        if op == "eq":  # CEL: null == "x" is false, not an error
            t = (self.df[node["field"]] == node["values"][0]).to_numpy()
            return t, ~t
        if op == "in":
            t = self.df[node["field"]].isin(node["values"]).to_numpy()
            return t, ~t
        if op == "cmp":  # a comparison with null is an error: in neither mask
            c = compare(self.df[node["field"]], node["cmp"], node["value"])
            v = self.valid_mask(node["field"])
            return c & v, ~c & v
        if op == "has":
            v = self.valid_mask(node["field"])
            return v, ~v
        if op == "count":
            c = compare(self.df[node["field"]], node["cmp"], node["value"])
            return c, ~c
        if op == "in_segment":
            t = self.members[node["field"]]
            return t, ~t
        raise ValueError(op)


def fail(segment, peer, got):
    print(f"DISAGREEMENT: segment {segment['name']}: {peer} counts {got}, saleskit {segment['saleskit_count']}\n"
          f"  CEL: {segment['cel']}\n  SQL: {segment['sql']}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the directory segments_bench --export=DIR wrote")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each peer (best is reported)")
    args = parser.parse_args()
    with open(os.path.join(args.data, "manifest.json")) as f:
        manifest = json.load(f)
    segments = manifest["segments"]
    n = manifest["customers"]
    sk = manifest["saleskit"]
    sk_wall, sk_cpu = sk["best_wall_seconds"], sk["best_cpu_seconds"]
    print(f"{n} customers, {len(segments)} segments from {args.data}; "
          f"saleskit (from the export): {sk_wall * 1e3:.1f} ms wall, {sk_cpu * 1e3:.1f} ms cpu, one thread")

    t0 = time.perf_counter()
    df = load_frame(args.data, manifest)
    print(f"pandas: frame of {n} rows loaded in {time.perf_counter() - t0:.1f} s "
          f"({df.memory_usage(deep=True).sum() / n:.0f} B/row)")

    results = []  # (peer, best wall seconds, best cpu seconds of the process)

    # --- pandas masks, one segment after another (in_segment reads earlier results).
    best, best_cpu = float("inf"), float("inf")
    for _ in range(args.runs):
        ev = MaskEvaluator(df)
        t0, c0 = time.perf_counter(), time.process_time()
        counts = []
        for s in segments:
            t, _ = ev.eval(s["tree"])
            ev.members[s["name"]] = t
            counts.append(int(np.count_nonzero(t)))
        best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
        for s, c in zip(segments, counts):
            if c != s["saleskit_count"]:
                fail(s, "pandas", c)
    print(f"pandas masks: best {best * 1e3:.0f} ms wall, {best_cpu * 1e3:.0f} ms cpu; every count agrees with saleskit")
    results.append(("pandas/numpy boolean masks, 1 thread", best, best_cpu))

    # --- DuckDB on the same frame, materialised as a DuckDB table.
    con = duckdb.connect()
    default_threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    t0 = time.perf_counter()
    con.register("frame", df)
    con.execute("CREATE TABLE customers AS SELECT * FROM frame")  # categoricals become ENUMs
    strings = ["country", "industry", "lifecycle_stage", "lead_source"]
    select = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if c in strings else c for c in df.columns)
    con.execute(f"CREATE TABLE customers_varchar AS SELECT {select} FROM frame")
    con.unregister("frame")
    print(f"duckdb {duckdb.__version__}: tables of {n} rows (strings as ENUM, and as VARCHAR) loaded in "
          f"{time.perf_counter() - t0:.1f} s (default threads {default_threads})")
    del df, ev

    con.execute("SET threads=1")
    best, best_cpu = float("inf"), float("inf")
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        for s in segments:
            c = con.execute(f"SELECT count(*) FROM customers_varchar WHERE {s['sql']}").fetchall()[0][0]
            if c != s["saleskit_count"]:
                fail(s, "duckdb (VARCHAR)", c)
        best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
    print(f"duckdb, 1 thread, strings as VARCHAR, 50 queries: best {best * 1e3:.0f} ms wall, {best_cpu * 1e3:.0f} ms "
          "cpu; every count agrees")
    results.append(("duckdb, 50 queries, threads=1, VARCHAR strings", best, best_cpu))
    con.execute("DROP TABLE customers_varchar")

    one_query = "SELECT " + ", ".join(f"count(*) FILTER (WHERE {s['sql']})" for s in segments) + " FROM customers"
    for threads in (1, default_threads):
        con.execute(f"SET threads={threads}")
        best, best_cpu = float("inf"), float("inf")
        per_segment = [float("inf")] * len(segments)
        for _ in range(args.runs):
            total = 0.0
            c0 = time.process_time()
            for i, s in enumerate(segments):
                t0 = time.perf_counter()
                c = con.execute(f"SELECT count(*) FROM customers WHERE {s['sql']}").fetchall()[0][0]
                dt = time.perf_counter() - t0
                total += dt
                per_segment[i] = min(per_segment[i], dt)
                if c != s["saleskit_count"]:
                    fail(s, f"duckdb ({threads} threads)", c)
            best, best_cpu = min(best, total), min(best_cpu, time.process_time() - c0)
        print(f"duckdb, {threads} thread(s), 50 queries: best {best * 1e3:.0f} ms wall, {best_cpu * 1e3:.0f} ms cpu; "
              f"every count agrees (slowest: {max(zip(per_segment, [s['name'] for s in segments]))[1]})")
        results.append((f"duckdb, 50 queries, threads={threads}, ENUM strings", best, best_cpu))
        best, best_cpu = float("inf"), float("inf")
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            row = con.execute(one_query).fetchall()[0]
            best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
            for s, c in zip(segments, row):
                if c != s["saleskit_count"]:
                    fail(s, f"duckdb one query ({threads} threads)", c)
        print(f"duckdb, {threads} thread(s), one query of 50 FILTER aggregates: best {best * 1e3:.0f} ms wall, "
              f"{best_cpu * 1e3:.0f} ms cpu; every count agrees")
        results.append((f"duckdb, one query of 50 FILTERs, threads={threads}, ENUM", best, best_cpu))

    print(f"\n== segments_peers summary: {n} customers, {len(segments)} segments, every count equal to saleskit's, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores ==")
    print("saleskit's time is from the C++ run that exported the data (another process, another moment): on a\n"
          "shared machine compare the cpu columns too (cpu of a 2-thread peer is the work of both threads)")
    print(f"{'':55s} {'wall ms':>9s} {'cpu ms':>9s}   saleskit faster by (wall, cpu)")
    print(f"{'saleskit (SegmentCatalog::EvaluateAll, 1 thread)':55s} {sk_wall * 1e3:9.1f} {sk_cpu * 1e3:9.1f}")
    for name, seconds, cpu in results:
        print(f"{name:55s} {seconds * 1e3:9.1f} {cpu * 1e3:9.1f}   x{seconds / sk_wall:.1f}, x{cpu / sk_cpu:.1f}")


if __name__ == "__main__":
    main()
