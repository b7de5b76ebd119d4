"""Record search runs: best certified polytope per size, re-checked, into artefacts/search/bests.json.

Usage: python scripts/search_results.py [RUN.parquet ...] [--bests artefacts/search/bests.json]

Each RUN.parquet is a finished ``viterbo search --out`` file.  Its best start per size is re-checked by
every applicable method (viterbo.search.recheck, witnesses verified) and merged into the bests file
(a better value replaces a worse one).  Then the README's results table is printed from that file.
"""

import argparse
from pathlib import Path

from viterbo.search.results import best_per_size, load_bests, write_bests

ROOT = Path(__file__).resolve().parents[1]
LABEL = {"vertices": "hull of {n} points", "halfspaces": "{n} facets", "lagrangian_product": "{n}-gon x {n}-gon"}


def table(records: list[dict]) -> str:
    lines = ["| family | best sys | certified by | re-check (methods that agree) | starts x budget, seed | "
             "evaluations | seconds |", "|---|---|---|---|---|---|---|"]
    for r in records:
        label = LABEL[r["family"]].format(n=r["n"])
        if r["systolic_ratio"] is None:
            lines.append(f"| {label} | none certified | | | {r['starts']} x {r['budget']}, {r['seed']} | "
                         f"{r['evaluations']} | {r['seconds']:.0f} |")
            continue
        agree = sorted(m for m, v in r["recheck"].items() if v is not None)
        failed = sorted(m for m, v in r["recheck"].items() if v is None)
        check = ", ".join(agree) + (" agree" if r["agree"] else (" only" if len(agree) == 1 else " DISAGREE"))
        if failed:
            check += f"; no certificate from {', '.join(failed)}"
        lines.append(f"| {label} | {r['systolic_ratio']:.10f} | {r['method']} | {check} | "
                     f"{r['starts']} x {r['budget']}, {r['seed']} | {r['evaluations']} | {r['seconds']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="*")
    ap.add_argument("--bests", default=str(ROOT / "artefacts" / "search" / "bests.json"))
    args = ap.parse_args()
    for run in args.runs:
        write_bests(best_per_size(run), args.bests)
    print(table(load_bests(args.bests)))


if __name__ == "__main__":
    main()
