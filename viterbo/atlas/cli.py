"""The ``viterbo atlas`` subcommands (build, summary); registered from viterbo/cli.py by ``add_parsers``."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parsers"]


def _cmd_build(args: argparse.Namespace) -> int:
    from .builder import BuildSpec, build
    from .generators import SIZE_PARAMETER, AtlasSpecError, parse_range

    if args.family not in SIZE_PARAMETER:
        raise AtlasSpecError(f"unknown atlas family {args.family!r}; choose one of {', '.join(sorted(SIZE_PARAMETER))}.")
    flag = SIZE_PARAMETER[args.family]
    given = {k: getattr(args, k) for k in ("points", "facets", "vertices") if getattr(args, k) is not None}
    wrong = sorted(set(given) - {flag})
    if wrong:
        raise AtlasSpecError(f"family {args.family!r} takes --{flag}, not --{wrong[0]}.")
    if flag not in given:
        raise AtlasSpecError(f"family {args.family!r} needs --{flag} A..B (e.g. --{flag} 6..30).")
    budget = None if args.time_budget is not None and args.time_budget <= 0 else args.time_budget
    spec = BuildSpec(family=args.family, size=parse_range(given[flag], f"--{flag}"), count=args.count,
                     seed=args.seed, chunk_size=args.chunk_size, time_budget=budget, with_spectrum=args.spectrum)
    try:
        report = build(spec, args.out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet,
                       overwrite=args.overwrite)
    except KeyboardInterrupt:
        print(f"viterbo atlas build: interrupted; finished chunks are kept in {args.out}.parts/ - "
              "rerun the same command to resume", file=sys.stderr)
        return 130
    if report.already_finished:
        print(f"{report.path}: already built with these arguments ({report.rows} rows); nothing to do")
    else:
        print(f"{report.path}: {report.rows} rows ({report.chunks_computed} chunk(s) computed, "
              f"{report.chunks_skipped} found done)")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from .store import load
    from .summary import format_summary

    df = load(args.path, partial=args.partial)
    print(format_summary(df, str(args.path)))
    return 0


def add_parsers(sub) -> None:
    """Add ``atlas build`` and ``atlas summary`` to the ``viterbo`` command's subparsers."""
    p = sub.add_parser("atlas", help="build and summarise atlases of polytopes (Parquet)")
    asub = p.add_subparsers(dest="atlas_command", required=True)
    b = asub.add_parser("build", help="one row per polytope: capacity, systolic ratio, witness facts",
                        description="Build an atlas in chunks; an interrupted build resumes when rerun "
                        "with the same arguments.")
    b.add_argument("--family", required=True,
                   help="random_hull (--points), random_halfspaces (--facets), lagrangian_product "
                   "(--vertices per polygon), symplectic_image (--points)")
    b.add_argument("--points", help="range A..B of points (random_hull, symplectic_image)")
    b.add_argument("--facets", help="range A..B of facets (random_halfspaces)")
    b.add_argument("--vertices", help="range A..B of polygon vertices (lagrangian_product)")
    b.add_argument("--count", type=int, required=True, help="number of polytopes")
    b.add_argument("--seed", type=int, default=0, help="build seed; row i uses SeedSequence([seed, i])")
    b.add_argument("--out", required=True, help="the .parquet file to write")
    b.add_argument("--chunk-size", type=int, default=50, help="rows per chunk (unit of work and of loss)")
    b.add_argument("--workers", type=int, default=None, help="local processes (default: all cores; 1: in-process)")
    b.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (instead of local processes)")
    b.add_argument("--time-budget", type=float, default=120.0,
                   help="seconds per polytope; a row that runs out is kept, uncertified (<= 0: no limit)")
    b.add_argument("--spectrum", action="store_true", help="also compute the spectrum (CZ index, A_2)")
    b.add_argument("--overwrite", action="store_true", help="discard an existing atlas or partial build at --out")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=_cmd_build)
    s = asub.add_parser("summary", help="counts, certified fraction, max systolic ratio by family and vertex count")
    s.add_argument("path", help="an atlas .parquet file")
    s.add_argument("--partial", action="store_true", help="read an unfinished build's chunks")
    s.set_defaults(func=_cmd_summary)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `viterbo atlas ...`")
