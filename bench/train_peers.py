"""scikit-learn's LogisticRegression on the data train_bench exported.

    python bench/train_peers.py DIR [--l2=1] [--runs=N] [--solvers=lbfgs,newton-cholesky]

DIR holds x.npy (float64, rows x features, Fortran order), y.npy (uint8) and
saleskit_coef.npy (the features' coefficients, then the intercept). Each
solver fits LogisticRegression(C=1/l2) with BLAS and OpenMP limited to one
thread, best of --runs (default 2) by CPU time, at scikit-learn's default
tol (1e-4) and, as the accuracy reference, newton-cholesky at tol=1e-10; X is converted to the C order
scikit-learn asks for before the clock starts. Prints, per solver, one line
that train_bench reads:

    PEER solver[@tol] wall=S cpu=S iterations=N objective=F max_coef_diff=D intercept_diff=D auc=A
         saleskit_objective=F

and the objective and AUC of saleskit's coefficients on the same data. Exits
3 when scikit-learn or threadpoolctl is missing.
"""

import argparse
import os
import sys
import time

import numpy as np

try:
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError as e:  # the bench prints the skip
    print(f"scikit-learn or threadpoolctl is missing ({e}); the peers are skipped")
    sys.exit(3)


def objective(coef, intercept, x, y, l2):
    """sum_i logloss(y_i, sigmoid(x_i . w + b)) + l2/2 |w|^2, in float64."""
    z = x @ coef + intercept
    return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * coef @ coef)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=2)
    # solver[@tol]: scikit-learn's default tol (1e-4) unless given; the tight
    # newton-cholesky is the accuracy reference for saleskit's coefficients.
    parser.add_argument("--solvers", default="lbfgs,newton-cholesky,newton-cholesky@1e-10")
    args = parser.parse_args()

    x = np.ascontiguousarray(np.load(os.path.join(args.dir, "x.npy")))
    y = np.load(os.path.join(args.dir, "y.npy")).astype(np.float64)
    saleskit = np.load(os.path.join(args.dir, "saleskit_coef.npy"))
    ours_w, ours_b = saleskit[:-1], saleskit[-1]
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, X {x.shape} C-contiguous")
    with threadpool_limits(limits=1):
        for pool in threadpool_info():
            print(f"  {pool['user_api']} {pool.get('internal_api')} {pool.get('version')} "
                  f"threads={pool['num_threads']} arch={pool.get('architecture')}")
        ours_obj = objective(ours_w, ours_b, x, y, args.l2)
        ours_auc = roc_auc_score(y, x @ ours_w + ours_b)
        print(f"saleskit's coefficients: objective {ours_obj:.10g}, AUC {ours_auc:.6f}")
        for spec in args.solvers.split(","):
            solver, _, tol = spec.partition("@")
            best_wall = best_cpu = float("inf")
            for _ in range(args.runs):
                model = LogisticRegression(C=1 / args.l2, solver=solver, max_iter=10000,
                                           tol=float(tol) if tol else 1e-4)
                wall0, cpu0 = time.perf_counter(), time.process_time()
                model.fit(x, y)
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
            w, b = model.coef_[0], model.intercept_[0]
            obj = objective(w, b, x, y, args.l2)
            auc = roc_auc_score(y, x @ w + b)
            print(f"{spec}: objective {obj:.10g} (saleskit's minus this: {ours_obj - obj:.3g})")
            print(f"PEER {spec} wall={best_wall:.4f} cpu={best_cpu:.4f} iterations={int(model.n_iter_[0])} "
                  f"objective={obj:.10g} max_coef_diff={np.max(np.abs(w - ours_w)):.3e} "
                  f"intercept_diff={abs(b - ours_b):.3e} auc={auc:.6f} saleskit_objective={ours_obj:.10g}")


if __name__ == "__main__":
    main()
