"""Before/after table of method="haim_kislev" end to end against its compiled search (issue 13).

Usage: python scripts/haim_kislev_overhead.py [--before REV] [--runs 15] [--seeds 3]

"Before" is the method's Python code at git revision REV (default bfae7ad: one HiGHS LP per facet for the
closure mask, the old witness placement), loaded from ``git show`` and run against the current compiled
search, so both columns run in this one process, interleaved call by call, on the same polytopes.
"After" is the method as it is now.  Per polytope: CPU time (time.process_time; a shared machine) per call,
median over --runs calls after a warm-up, of the whole ``haim_kislev_capacity`` call and of the compiled
search inside it (both versions get the extension through a proxy that times ``haim_kislev_search``);
the ratios say how much of the call is overhead around the search.  Values are checked equal (1e-12 relative).
Prints markdown for docs/performance.md.  One run on one machine: report the ratios.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _old_method(rev: str):
    """haim_kislev_capacity as it was at ``rev``, importable next to today's package."""
    source = subprocess.run(["git", "show", f"{rev}:viterbo/capacity/haim_kislev.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    source = source.replace("from ._registry import register\n", "")
    source = "\n".join(line for line in source.splitlines() if not line.startswith("@register(")
                       and not line.startswith("          summary=") and not line.startswith("          levers="))
    module = types.ModuleType("viterbo.capacity._haim_kislev_before", f"haim_kislev at {rev}")
    module.__package__ = "viterbo.capacity"
    exec(compile(source, f"haim_kislev.py@{rev}", "exec"), module.__dict__)
    return module.haim_kislev_capacity


class _TimedSearch:
    """The extension module with ``haim_kislev_search`` timed (CPU seconds appended to ``times``)."""

    def __init__(self, module):
        self._module = module
        self.times: list[float] = []

    def __getattr__(self, name):
        return getattr(self._module, name)

    def haim_kislev_search(self, *args, **kwargs):
        t0 = time.process_time()
        try:
            return self._module.haim_kislev_search(*args, **kwargs)
        finally:
            self.times.append(time.process_time() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="bfae7ad")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    import importlib

    import viterbo as vb
    from viterbo.geometry import families
    from viterbo.runtime import Budget

    from viterbo import _native

    new_module = importlib.import_module("viterbo.capacity.haim_kislev")
    old = _old_method(args.before)
    proxies = {"before": _TimedSearch(_native), "after": _TimedSearch(_native)}
    old.__globals__["native_module"] = lambda: proxies["before"]
    new_module.kernel_module = lambda *a: proxies["after"]
    new = new_module.haim_kislev_capacity
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"Measured {datetime.date.today()} on {platform.node()} ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}), commit {commit} against {args.before}; "
          f"CPU ms per call, median of {args.runs}.\n")
    print("| m | polytope | before: call | before: search | before: call / search | after: call | "
          "after: search | after: call / search | call before / after | same value |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in (8, 9, 10, 11, 12):
        for seed in range(args.seeds):
            K = families.random_halfspaces(m, 4, seed)
            runs = {"before": ([], []), "after": ([], [])}
            values = {}
            for label, fn in (("before", old), ("after", new)):  # warm-up
                values[label] = fn(K, budget=Budget(None)).value
            for _ in range(args.runs):
                for label, fn in (("before", old), ("after", new)):
                    t0 = time.process_time()
                    fn(K, budget=Budget(None))
                    runs[label][0].append(time.process_time() - t0)
                    runs[label][1].append(proxies[label].times[-1])
            med = {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in runs.items()}
            same = abs(values["before"] - values["after"]) <= 1e-12 * abs(values["after"])
            (cb, sb), (ca, sa) = med["before"], med["after"]
            print(f"| {m} | random_halfspaces({m}, 4, {seed}) | {1e3 * cb:.2f} | {1e3 * sb:.2f} | {cb / sb:.1f}x | "
                  f"{1e3 * ca:.2f} | {1e3 * sa:.2f} | **{ca / sa:.2f}x** | {cb / ca:.1f}x | "
                  f"{'yes' if same else 'NO'} |",
                  flush=True)
    print("\nThe closure mask alone (general variant; one LP per first facet): HiGHS reference "
          "(viterbo.capacity._haim_kislev_reference.usable_for_closure) vs the compiled dense simplex "
          "(viterbo._native.haim_kislev_closure_mask), CPU per mask, median of --runs, same masks.\n")
    print("| m | HiGHS (Python) | dense simplex (C++) | speed-up | identical masks |")
    print("|---|---|---|---|---|")
    from viterbo.capacity import _haim_kislev_reference as ref
    from viterbo.capacity._common import centred_halfspaces
    for m in (8, 10, 12, 16, 20, 24):
        Ns = [centred_halfspaces(families.random_halfspaces(m, 4, seed))[0] for seed in range(args.seeds)]
        same = all((ref.usable_for_closure(N) == _native.haim_kislev_closure_mask(N)["usable"]).all() for N in Ns)
        times = {"highs": [], "native": []}
        for _ in range(args.runs):
            for label, fn in (("highs", ref.usable_for_closure), ("native", _native.haim_kislev_closure_mask)):
                t0 = time.process_time()
                for N in Ns:
                    fn(N)
                times[label].append((time.process_time() - t0) / len(Ns))
        h, c = statistics.median(times["highs"]), statistics.median(times["native"])
        print(f"| {m} | {1e3 * h:.2f} ms | {1e6 * c:.0f} µs | **{h / c:.0f}x** | {'yes' if same else 'NO'} |",
              flush=True)
    del vb


if __name__ == "__main__":
    sys.exit(main())
