"""Before/after table: a whole ``vb.capacity(K, method="haim_kislev")`` call against the compiled search in it.

Usage: python scripts/haim_kislev_call_ratio.py [--before REV] [--seeds 20] [--rounds 7] [--m 8,9,10,11,12] [--fresh]

Per polytope random_halfspaces(m, 4, seed), seed = 0..seeds-1 (those of tests/performance/test_bench_haim_kislev.py):
one warm-up call, then ``rounds`` calls on the same K; CPU time of this thread (time.thread_time: a shared
machine) of the whole call and of ``viterbo._native.haim_kislev_search`` inside it (timed through a proxy of
the extension module); the ratio of the two medians.  Per m: the median, smallest and largest ratio over the
polytopes, and the median call and search times.  ``--fresh``: each timed call gets a new K (the same halfspaces,
built outside the clock), so the per-polytope work a second call reuses (the normal forms, the Chebyshev
centre, the closure mask) is in the call.

"Before" is the ``viterbo`` package at git revision REV (default: main), exported with ``git archive`` next to
the compiled extension built from this checkout (the kernels the old code calls are unchanged), run in a
subprocess; "after" is this checkout.  The two alternate per m (before, after, before, after), so both see the
same load; each row takes the median of its two runs.  Values are compared: the script stops if they differ.
Prints markdown for docs/performance.md.  One run on one machine: quote the ratios, not the times.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = r'''
import importlib, json, statistics, sys, time
tree, m, seeds, rounds, fresh = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
if tree:  # the exported revision first; editable-install finders would otherwise redirect to the checkout
    sys.path.insert(0, tree)
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()
                        and "skbc" not in type(f).__module__]
import viterbo as vb
from viterbo import _native
from viterbo.geometry import families as F
hk = importlib.import_module("viterbo.capacity.haim_kislev")
clock = time.thread_time

class Timed:
    last = 0.0
    def __getattr__(self, name):
        return getattr(_native, name)
    def haim_kislev_search(self, *args, **kwargs):
        t0 = clock()
        try:
            return _native.haim_kislev_search(*args, **kwargs)
        finally:
            Timed.last = clock() - t0

for name in ("kernel_module", "native_module"):  # whichever the revision asks for the extension
    if hasattr(hk, name):
        original = getattr(hk, name)
        setattr(hk, name, (lambda f: lambda *a: Timed() if f(*a) is not None else None)(original))
rows = []
for seed in range(seeds):
    K = F.random_halfspaces(m, 4, seed)
    value = vb.capacity(K, method="haim_kislev").value
    calls, searches = [], []
    for _ in range(rounds):
        L = vb.Polytope.from_halfspaces(K.normals_np, K.offsets_np) if fresh else K  # built outside the clock
        t0 = clock()
        vb.capacity(L, method="haim_kislev")
        calls.append(clock() - t0)
        searches.append(Timed.last)
    rows.append({"seed": seed, "value": value, "call": statistics.median(calls),
                 "search": statistics.median(searches), "file": vb.__file__})
print(json.dumps(rows))
'''


def _run(tree: str, m: int, seeds: int, rounds: int, fresh: bool) -> list[dict]:
    out = subprocess.run([sys.executable, "-c", WORKER, tree, str(m), str(seeds), str(rounds), "1" if fresh else "0"],
                         cwd=tempfile.gettempdir(),
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _export(rev: str, into: Path) -> str:
    """The package at ``rev`` in ``into``, with this checkout's compiled extension copied in."""
    archive = subprocess.run(["git", "archive", rev, "viterbo"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    from viterbo import _native

    shutil.copy(_native.__file__, into / "viterbo")
    return str(into)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--m", default="8,9,10,11,12")
    parser.add_argument("--fresh", action="store_true",
                        help="time the first call on a new K each time (normal form, Chebyshev centre, closure mask "
                             "included; building K is not timed)")
    args = parser.parse_args()
    ms = [int(x) for x in args.m.split(",")]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    before_rev = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    print(f"Measured {datetime.date.today()} on {platform.node()} ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}): commit {commit} against {args.before} ({before_rev}); "
          f"random_halfspaces(m, 4, seed), seeds 0-{args.seeds - 1}; per polytope CPU time of the call and of the "
          f"compiled search in it, median of {args.rounds} calls after a warm-up"
          f"{', each on a new K (first call: normal form etc. included)' if args.fresh else ', on the same K'}; "
          "ratio = call / search.\n")
    print("| m | before: median ratio (min-max) | after: median ratio (min-max) | before: call | after: call | "
          "search | same values |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tree = _export(args.before, Path(tmp))
        for m in ms:
            runs = {"before": [], "after": []}
            for _ in range(2):
                runs["before"].append(_run(tree, m, args.seeds, args.rounds, args.fresh))
                runs["after"].append(_run("", m, args.seeds, args.rounds, args.fresh))
            assert all(Path(r[0]["file"]).is_relative_to(tmp) for r in runs["before"]), "before did not load REV"
            summary = {}
            for label, pair in runs.items():
                per = [{key: statistics.median(run[i][key] for run in pair) for key in ("call", "search")}
                       for i in range(args.seeds)]
                ratios = [p["call"] / p["search"] for p in per]
                summary[label] = (statistics.median(ratios), min(ratios), max(ratios),
                                  statistics.median(p["call"] for p in per),
                                  statistics.median(p["search"] for p in per))
            same = all(a["value"] == b["value"] for a, b in zip(runs["before"][0], runs["after"][0]))
            (rb, lb, hb, cb, _), (ra, la, ha, ca, sa) = summary["before"], summary["after"]
            print(f"| {m} | {rb:.2f}x ({lb:.2f}-{hb:.2f}) | **{ra:.2f}x** ({la:.2f}-{ha:.2f}) | {1e3 * cb:.3f} ms | "
                  f"{1e3 * ca:.3f} ms | {1e3 * sa:.3f} ms | {'yes' if same else 'NO'} |", flush=True)
            if not same:
                sys.exit(f"m = {m}: the values differ between {args.before} and this checkout")


if __name__ == "__main__":
    main()
