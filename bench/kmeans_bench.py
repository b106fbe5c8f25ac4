"""saleskit.kmeans against scikit-learn's KMeans on the same data.

    build/venv/bin/python bench/kmeans_bench.py [--n 1000000] [--d 10] [--k 8] [--restarts 3]

A seeded mixture of Gaussians (n x d float64, k clusters of unequal size and
spread). Both run Lloyd's algorithm from k-means++ seeding with the same k,
the same number of restarts (n_init), max_iter and tol (relative to the
data's variance in both); scikit-learn's k-means++ is its greedy variant
(2 + log k trials per centre). scikit-learn is timed with threadpoolctl
limiting OpenMP and BLAS to 1 thread, then to 2; saleskit runs on one
thread. Each time is the best of --repeat runs.

The floor, checked at the end (exit status 1 if missed): saleskit's inertia
within 0.5% of single-thread scikit-learn's, and saleskit no slower than it.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np


def mixture(n: int, d: int, k: int, seed: int) -> np.ndarray:
    """n points from k Gaussians with random centres, weights and spreads."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10.0, 10.0, size=(k, d))
    weights = rng.dirichlet(np.full(k, 3.0))
    spreads = rng.uniform(1.0, 3.0, size=k)
    which = rng.choice(k, size=n, p=weights)
    x = centres[which] + rng.standard_normal((n, d)) * spreads[which, None]
    return np.ascontiguousarray(x, dtype=np.float64)


def best_of(repeat: int, run):
    best_time, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        elapsed = time.perf_counter() - start
        if elapsed < best_time:
            best_time, result = elapsed, out
    return best_time, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--restarts", type=int, default=3, help="saleskit restarts = scikit-learn n_init")
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="report without checking the floor")
    args = parser.parse_args()

    import sklearn
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    import saleskit

    x = mixture(args.n, args.d, args.k, args.seed)
    print("kmeans_bench: %d x %d float64, k=%d, restarts/n_init=%d, max_iter=%d, tol=%g, best of %d"
          % (args.n, args.d, args.k, args.restarts, args.max_iter, args.tol, args.repeat))
    print("  saleskit %s, scikit-learn %s, numpy %s, python %s, %s"
          % (saleskit.__version__, sklearn.__version__, np.__version__, platform.python_version(),
             platform.machine()))

    def run_saleskit():
        r = saleskit.kmeans(x, args.k, seed=args.seed, restarts=args.restarts, max_iterations=args.max_iter,
                            tol=args.tol)
        return r.inertia, r.iterations

    def run_sklearn(threads: int):
        def run():
            with threadpool_limits(limits=threads):
                km = KMeans(n_clusters=args.k, init="k-means++", n_init=args.restarts, max_iter=args.max_iter,
                            tol=args.tol, algorithm="lloyd", random_state=args.seed).fit(x)
            return km.inertia_, km.n_iter_
        return run

    rows = []
    t_sk, (inertia_sk, iters_sk) = best_of(args.repeat, run_saleskit)
    rows.append(("saleskit.kmeans (1 thread)", t_sk, inertia_sk, iters_sk))
    t_1, (inertia_1, iters_1) = best_of(args.repeat, run_sklearn(1))
    rows.append(("sklearn KMeans lloyd, 1 thread", t_1, inertia_1, iters_1))
    t_2, (inertia_2, iters_2) = best_of(args.repeat, run_sklearn(2))
    rows.append(("sklearn KMeans lloyd, 2 threads", t_2, inertia_2, iters_2))

    print("  %-34s %10s %22s %10s" % ("", "seconds", "inertia", "iters*"))
    for name, t, inertia, iters in rows:
        print("  %-34s %10.3f %22.6f %10d" % (name, t, inertia, iters))
    print("  (* iterations of the winning run)")
    time_ratio_1 = t_sk / t_1
    time_ratio_2 = t_sk / t_2
    rel_inertia = (inertia_sk - inertia_1) / inertia_1
    print("  time saleskit / sklearn 1 thread:  %.3f" % time_ratio_1)
    print("  time saleskit / sklearn 2 threads: %.3f" % time_ratio_2)
    print("  inertia (saleskit - sklearn) / sklearn: %+.6f%%" % (100 * rel_inertia))

    if args.no_check:
        return 0
    ok = True
    if abs(rel_inertia) > 0.005 and inertia_sk > inertia_1:
        print("FLOOR MISSED: saleskit's inertia is %.3f%% above scikit-learn's (floor 0.5%%)" % (100 * rel_inertia))
        ok = False
    if time_ratio_1 > 1.0:
        print("FLOOR MISSED: saleskit is %.2fx the time of single-thread scikit-learn" % time_ratio_1)
        ok = False
    print("floor: %s" % ("met" if ok else "missed"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
