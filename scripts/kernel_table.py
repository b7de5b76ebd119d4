"""Before/after table for the C++ kernels: each method end to end, native vs pure-Python reference.

Usage: python scripts/kernel_table.py [--runs 10]
Prints markdown rows for docs/performance.md ("C++ kernels so far"): CPU time per call
(time.process_time), median over the runs after one warm-up, spread = IQR / median, and whether
both paths give the same value (to 1e-12 relative). One run on one machine; report the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import viterbo as vb
from viterbo import families

CASES = [
    ("reeb", "cross_polytope", lambda: families.cross_polytope(4)),
    ("reeb", "cell24", families.cell24),
    ("reeb", "random_hull(20, seed=0)", lambda: families.random_hull(20, 4, 0)),
    ("haim_kislev", "random_halfspaces(8, seed=0)", lambda: families.random_halfspaces(8, 4, 0)),
    ("haim_kislev", "random_halfspaces(10, seed=0)", lambda: families.random_halfspaces(10, 4, 0)),
    ("haim_kislev", "pentagon_counterexample", families.pentagon_counterexample),
    ("billiard", "pentagon_counterexample", families.pentagon_counterexample),
    ("billiard", "10-gon x 10-gon", lambda: families.lagrangian_product(families.regular_polygon(10),
                                                                        families.regular_polygon(10, angle=0.3))),
]


def _time(method: str, K, runs: int, pure: bool) -> tuple[list[float], float]:
    if pure:
        os.environ["VITERBO_PURE_PYTHON"] = "1"
    else:
        os.environ.pop("VITERBO_PURE_PYTHON", None)
    value = vb.capacity(K, method=method, time_budget=0).value  # warm-up (graph caches, imports)
    times = []
    for _ in range(runs):
        start = time.process_time()
        vb.capacity(K, method=method, time_budget=0)
        times.append(time.process_time() - start)
    os.environ.pop("VITERBO_PURE_PYTHON", None)
    return times, value


def _spread(times: list[float]) -> float:
    q = statistics.quantiles(times, n=4)
    return (q[2] - q[0]) / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print("| method | polytope | facets | reference (Python) | native (C++) | speed-up | spread ref / native | same value |")
    print("|---|---|---|---|---|---|---|---|")
    for method, name, build in CASES:
        K = build()
        ref, v_ref = _time(method, K, args.runs, pure=True)
        nat, v_nat = _time(method, K, args.runs, pure=False)
        same = abs(v_ref - v_nat) <= 1e-12 * abs(v_nat)
        print(f"| {method} | {name} | {K.n_facets} | {1e3 * statistics.median(ref):.2f} ms | "
              f"{1e3 * statistics.median(nat):.3f} ms | **{statistics.median(ref) / statistics.median(nat):.0f}x** | "
              f"{100 * _spread(ref):.0f}% / {100 * _spread(nat):.0f}% | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
