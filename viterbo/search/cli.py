"""``viterbo search``: maximise the systolic ratio from many random starts, streaming to an atlas file.

One start (for one size n) is one chunk of the atlas store, so the results land in the same
Parquet format as ``viterbo atlas build`` (family ``search:<family>:<strategy>``, params
``{"n": ..., "start": ..., "budget": ..., "evaluations": ...}``), an interrupted search resumes
where it stopped, and ``--workers`` / ``--scheduler`` spread the starts like atlas chunks.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

__all__ = ["SearchSpec", "search_chunk", "add_parsers", "run_search"]

#: The size flag of each search family.
SIZE_FLAG = {"vertices": "vertices", "halfspaces": "facets", "lagrangian_product": "vertices"}


@dataclass(frozen=True)
class SearchSpec:
    """A search's arguments (its manifest): sizes lo..hi, starts per size, budget, strategy, seed."""

    family: str
    size: tuple[int, int]
    starts: int
    budget: int = 10000
    strategy: str = "cma"
    seed: int = 0
    kind: str = "search"
    max_seconds: float | None = None

    def manifest(self) -> dict:
        d = asdict(self)
        d["size"] = list(self.size)
        return d

    @property
    def n_chunks(self) -> int:
        return (self.size[1] - self.size[0] + 1) * self.starts

    def chunk(self, k: int) -> tuple[int, int]:
        """(n, start) of chunk k."""
        return self.size[0] + k // self.starts, k % self.starts


def search_chunk(spec: SearchSpec, k: int, version: str, commit: str) -> list[dict]:
    """One start of the search as atlas rows (one per strategy); runs in a worker."""
    from ..atlas.rows import compute_row
    from .ascent import maximize_systolic_ratio

    n, start = spec.chunk(k)
    rows = []

    def keep(sr) -> None:
        params = {"n": n, "start": start, "budget": spec.budget, "evaluations": sr.evaluations,
                  "timed_out": sr.timed_out, "x": [float(v) for v in sr.x]}
        if sr.polytope is not None:
            row = compute_row(sr.polytope)
        else:
            row = _failed_row(sr)
        row.update(index=k, family=f"search:{spec.family}:{sr.strategy}", params=json.dumps(params, sort_keys=True),
                   build_seed=spec.seed, seed=start, viterbo_version=version, git_commit=commit)
        row["seconds"] = sr.seconds
        rows.append(row)

    # one start: run maximize with a single start whose seed stream is (seed, start)
    _single_start(spec, n, start, keep)
    return rows


def _single_start(spec: SearchSpec, n: int, start: int, keep) -> None:
    from .ascent import run_start

    for kind in (("cma", "gradient") if spec.strategy == "both" else (spec.strategy,)):
        keep(run_start(spec.family, n, start, spec.seed, spec.budget, kind, spec.max_seconds))


def _failed_row(sr) -> dict:
    from ..atlas.store import SCHEMA

    row = {name: None for name in SCHEMA.names}
    row.update(certified=False, reason="no certified point reached from this start", work="{}", dim=4,
               n_facets=0, n_vertices=0, vertices=[], normals=[], offsets=[], volume=float("nan"))
    return row


def run_search(spec: SearchSpec, out: str, *, workers=None, scheduler=None, quiet=False, overwrite=False):
    """Run (or resume) the search ``spec`` into the Parquet file ``out``; returns the finished path."""
    from ..atlas.builder import run_chunks
    from ..atlas.store import ChunkStore
    from .parametrisations import family

    family(spec.family, spec.size[0])  # validates family and size
    store = ChunkStore(out, spec.manifest())
    store.open(overwrite=overwrite)
    if store.finished_manifest() == store.manifest:
        return store.out
    done = store.done_chunks()
    todo = [k for k in range(spec.n_chunks) if k not in done]
    per = 2 if spec.strategy == "both" else 1
    run_chunks(search_chunk, spec, todo, store, total=spec.n_chunks * per, rows_done=len(done) * per,
               workers=workers, scheduler=scheduler, quiet=quiet, unit="start")
    return store.finish(spec.n_chunks)


def _cmd_search(args: argparse.Namespace) -> int:
    from ..atlas.generators import parse_range
    from ..atlas.store import load
    from .ascent import FINDING_THRESHOLD
    from .parametrisations import SearchSpecError

    flag = SIZE_FLAG.get(args.family)
    if flag is None:
        raise SearchSpecError(f"unknown search family {args.family!r}; choose one of {', '.join(sorted(SIZE_FLAG))}.")
    text = getattr(args, flag)
    if text is None:
        raise SearchSpecError(f"search family {args.family!r} needs --{flag} A..B.")
    if args.max_seconds is not None and not args.max_seconds > 0:
        raise SearchSpecError(f"--max-seconds {args.max_seconds}: need a positive number of seconds (or leave it out).")
    spec = SearchSpec(args.family, parse_range(text, f"--{flag}"), args.starts, args.budget, args.strategy, args.seed,
                      max_seconds=args.max_seconds)
    try:
        path = run_search(spec, args.out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet,
                          overwrite=args.overwrite)
    except KeyboardInterrupt:
        print(f"viterbo search: interrupted; finished starts are kept in {args.out}.parts/ - "
              "rerun the same command to resume", file=sys.stderr)
        return 130
    df = load(path)
    print(f"{path}: {len(df)} start(s)")
    for n in range(spec.size[0], spec.size[1] + 1):
        sub = df[df.certified & df.params.str.contains(f'"n": {n},')]
        if len(sub):
            best = sub.sort_values("systolic_ratio", ascending=False).iloc[0]
            print(f"  n = {n:2d}: best sys {best.systolic_ratio:.10f} ({best.family}, start {best.seed}, "
                  f"{best.n_vertices} vertices, {best.n_facets} facets, {best.method})")
            if best.systolic_ratio > FINDING_THRESHOLD + 1e-9:
                _report_finding(best)
        else:
            print(f"  n = {n:2d}: no certified point")
    return 0


def _report_finding(row) -> None:
    """A ratio above the pentagon product's: re-check by every method and print the vertices."""
    import numpy as np

    from ..geometry.polytope import Polytope
    from .ascent import recheck

    K = Polytope.from_vertices(np.stack(row.vertices))
    print(f"  FINDING: sys {row.systolic_ratio:.12f} > (sqrt 5 + 3)/5; re-check by every method: {recheck(K)}")
    print("  vertices:", json.dumps(K.vertices_np.tolist()))


def add_parsers(sub) -> None:
    """Add ``search`` to the ``viterbo`` command's subparsers."""
    p = sub.add_parser("search", help="maximise the systolic ratio from random starts (CMA-ES, gradient)")
    p.add_argument("--family", default="vertices", choices=sorted(SIZE_FLAG),
                   help="vertices: hulls of --vertices points; halfspaces: --facets facets; "
                   "lagrangian_product: two polygons of --vertices vertices (default: vertices)")
    p.add_argument("--vertices", help="range A..B (points, or polygon vertices)")
    p.add_argument("--facets", help="range A..B of facets (halfspaces)")
    p.add_argument("--starts", type=int, default=16, help="random starts per size (default 16)")
    p.add_argument("--budget", type=int, default=10000,
                   help="objective evaluations per start (default 10000; see README, Search)")
    p.add_argument("--strategy", default="cma", choices=["cma", "gradient", "both"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=None,
                   help="wall-time cap per start (a safety net; a start it cuts short is marked timed_out)")
    p.add_argument("--out", default="artefacts/atlas/search.parquet", help="Parquet file (atlas format)")
    p.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_search)

