"""The ``viterbo`` command: ``info``, ``capacity``, ``profile``, ``snapshot``.

Each subcommand is one ``_cmd_*`` function plus one ``_add_*`` parser builder.  The lever options
(``--use-memo/--no-use-memo``, ``--rotation-cap``, ``--implementation``, ...) are generated from the
method registry (:mod:`viterbo.capacity._registry`).  Bad arguments, unreadable or hostile files and
paths that cannot be written exit with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .capacity import capacity as compute_capacity
from .capacity import method_names
from .capacity._registry import lever_names, methods
from .errors import ViterboError
from .geometry import families, is_symplectic_polytope, lagrangian_two_faces
from .geometry.naming import family_help
from .geometry.polytope import Polytope
from .points_io import PointsInputError, read_points_file

EXIT_USAGE = 2

def _progress(line: str) -> None:
    """Progress of a long read, on a terminal only (a pipe gets the result or the one-line error alone)."""
    if sys.stderr.isatty():
        print(f"viterbo: {line}", file=sys.stderr, flush=True)


def polytope_from_args(args: argparse.Namespace) -> Polytope:
    if getattr(args, "family", None):
        return families.by_name(args.family)
    if not getattr(args, "file", None):
        raise PointsInputError("give a FILE of points or --family NAME")
    return Polytope.from_vertices(read_points_file(args.file, progress=_progress), name=Path(args.file).stem)


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="CSV (one point per row) or JSON list of points")
    parser.add_argument("--family", help=f"a built-in polytope: {family_help()} (arguments in the order of the "
                        "Python function, seed last; e.g. random_hull:12:1)")


def _add_levers(parser: argparse.ArgumentParser) -> None:
    """One option per lever of the registry (the union over methods) and --implementation."""
    owners = lever_names()
    seen: set[str] = set()
    for method in methods():
        for lever in method.levers:
            if lever.name in seen:
                continue
            seen.add(lever.name)
            flag = "--" + lever.name.replace("_", "-")
            helptext = f"{lever.doc} (lever of {', '.join(owners[lever.name])}; default {lever.default})"
            if lever.kind is bool:
                parser.add_argument(flag, dest=lever.name, action=argparse.BooleanOptionalAction, default=None,
                                    help=helptext)
            else:
                parser.add_argument(flag, dest=lever.name, type=lever.kind, choices=lever.choices, default=None,
                                    help=helptext)
    kernels = ", ".join(m.name for m in methods() if m.kernel)
    parser.add_argument("--implementation", choices=["native", "python"], default=None,
                        help=f"run the compiled kernel or the pure-Python reference ({kernels}); default: native "
                        "when available")


def _levers(args: argparse.Namespace) -> dict[str, Any]:
    """The lever options given on the command line (the rest stay at each method's default)."""
    chosen = {name: getattr(args, name) for name in lever_names() if getattr(args, name, None) is not None}
    if getattr(args, "implementation", None) is not None:
        chosen["implementation"] = args.implementation
    return chosen


def _cmd_info(args: argparse.Namespace) -> int:
    K = polytope_from_args(args)
    info = {"name": K.name, "dim": K.dim, "facets": K.n_facets, "vertices": K.n_vertices,
            "volume": K.volume(), "centrally_symmetric": K.is_centrally_symmetric()}
    if K.dim == 4:
        lag = lagrangian_two_faces(K)
        info.update({"two_faces": len(K.two_faces()), "lagrangian_two_faces": [list(f) for f in lag],
                     "symplectic_polytope": is_symplectic_polytope(K)})
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"polytope     {K.name or '(unnamed)'} in R^{K.dim}")
    print(f"facets       {K.n_facets}")
    print(f"vertices     {K.n_vertices}")
    print(f"volume       {K.volume():.12g}")
    print(f"symmetric    {'yes' if info['centrally_symmetric'] else 'no'}")
    if K.dim == 4:
        lag = info["lagrangian_two_faces"]
        print(f"2-faces      {info['two_faces']} ({len(lag)} Lagrangian)")
        if lag:
            print("Lagrangian   " + " ".join(f"F{i}∩F{j}" for i, j in lag))
    if args.verbose:
        print("normals, offsets:")
        for n, h in zip(K.normals_np, K.offsets_np):
            print("  " + " ".join(f"{x:+.6f}" for x in n) + f"  <= {h:.6f}")
        print("vertices:")
        for v in K.vertices_np:
            print("  " + " ".join(f"{x:+.6f}" for x in v))
    return 0


def _cmd_capacity(args: argparse.Namespace) -> int:
    K = polytope_from_args(args)
    result = compute_capacity(K, method=args.method, time_budget=args.time_budget, **_levers(args))
    result.verify()
    sys_ratio = result.systolic_ratio()
    seconds = float(result.stats.get("seconds", float("nan")))
    if args.json:
        out = {"polytope": K.name, "dim": K.dim, "facets": K.n_facets, "vertices": K.n_vertices,
               "volume": K.volume(), "capacity": result.value, "systolic_ratio": sys_ratio,
               "method": result.method, "certified": result.certified, "seconds": seconds, "params": result.params,
               "verified": True, "stats": {k: v for k, v in result.stats.items()
                                           if isinstance(v, (int, float, str, bool))}}
        print(json.dumps(out))
        return 0
    print(f"capacity        {result.value:.12g}")
    print(f"systolic ratio  {sys_ratio:.12g}")
    print(f"method          {result.method}" + ("" if result.certified else f" (NOT certified: {result.reason})"))
    print(f"seconds         {seconds:.4g}")
    print("witness         verified (closed, on the boundary, Reeb direction, action = capacity)")
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from . import profiling

    K = polytope_from_args(args)
    profiling.writable_folder(args.out_dir)  # before the work, not after it
    run = profiling.profile_capacity(K, method=args.method, out_dir=args.out_dir, time_budget=args.time_budget,
                                     **_levers(args))
    result = run.result
    print(f"profiled        capacity(method={result.method!r}) on {K.name or '(unnamed)'}: "
          f"{result.value:.12g} in {run.seconds:.4g} s")
    print(f"profile         {run.path}")
    print(f"top {args.top} by {args.sort} time:")
    print(profiling.format_top(profiling.top_functions(run.path, n=args.top, sort=args.sort)))
    print(f"open it with    {profiling.snakeviz_command(run.path)}")
    return 0


def _add_profile(sub) -> None:
    p_prof = sub.add_parser("profile", help="run a capacity computation under cProfile; write .profiles/*.prof")
    _add_input(p_prof)
    p_prof.add_argument("--method", default="auto", choices=method_names())
    p_prof.add_argument("--top", type=int, default=20, help="how many functions to list (default 20)")
    p_prof.add_argument("--sort", default="cumulative", choices=["cumulative", "own"],
                        help="rank by cumulative or own time (default cumulative)")
    p_prof.add_argument("--out-dir", default=".profiles", help="directory for the .prof (default .profiles)")
    p_prof.add_argument("--time-budget", type=float, default=None, help="seconds (<= 0: no limit)")
    _add_levers(p_prof)
    p_prof.set_defaults(func=_cmd_profile)


def _add_snapshot(sub) -> None:
    from .snapshot import ROSTER_TIME_BUDGETS, roster_names

    p = sub.add_parser("snapshot", help="run a roster through every method and lever combination; "
                       "write this ISO week's CSV (artefacts/snapshots/YYYY-Www.csv)")
    p.add_argument("--roster", default="default", choices=roster_names(),
                   help="which polytopes to run (default: %(default)s)")
    p.add_argument("--out", default="artefacts/snapshots", help="snapshots folder (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=1, help="runs per row; seconds are min/median/max over them")
    p.add_argument("--time-budget", type=float, default=None,
                   help="seconds per row before it is recorded as 'timeout' (default per roster: "
                   + ", ".join(f"{k} {v:g}" for k, v in sorted(ROSTER_TIME_BUDGETS.items())) + "; <= 0: no limit)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--from-benchmarks", nargs="?", const=".benchmarks", default=None, metavar="PATH",
                   help="instead of running the roster, fold the newest pytest-benchmark JSON under PATH "
                   "(default .benchmarks/) into its week's CSV")
    p.set_defaults(func=_cmd_snapshot)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    import datetime as dt

    from . import snapshot

    snapshot.check_folder(args.out)  # before the roster runs, not after it
    if args.from_benchmarks is not None:
        source = snapshot.latest_benchmark_file(args.from_benchmarks)
        rows, when = snapshot.benchmark_rows(source)
        path = snapshot.write_rows(rows, args.out, now=when)
        print(f"{path}: folded {len(rows)} benchmark(s) from {source}")
        return 0
    now = dt.datetime.now(dt.timezone.utc)  # the week a run belongs to is the week it started in
    progress = None if args.quiet else snapshot.StderrProgress()
    rows = snapshot.collect_rows(args.roster, repeats=args.repeats, time_budget=args.time_budget,
                                 progress=progress, now=now)
    path = snapshot.write_rows(rows, args.out, now=now)
    counts = snapshot.summarize(rows)
    print(f"{path}: {len(rows)} row(s): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    bad = [r for r in rows if r["status"] in ("disagree", "error")]
    for r in bad:
        print(f"  {r['status']}: {r['polytope']} {r['method']} [{r['levers']}]: {r['note']}", file=sys.stderr)
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="viterbo", description="Exact, verified symplectic capacities of convex polytopes.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser("info", help="facets, vertices, volume, Lagrangian 2-faces of a polytope")
    _add_input(p_info)
    p_info.add_argument("--json", action="store_true", help="print one JSON object")
    p_info.add_argument("-v", "--verbose", action="store_true", help="also print halfspaces and vertices")
    p_info.set_defaults(func=_cmd_info)

    p_cap = sub.add_parser("capacity", help="c_EHZ, systolic ratio and method, with a verified witness")
    _add_input(p_cap)
    p_cap.add_argument("--method", default="auto", choices=method_names())
    p_cap.add_argument("--json", action="store_true", help="print one JSON object")
    p_cap.add_argument("--time-budget", type=float, default=None, help="seconds (<= 0: no limit)")
    _add_levers(p_cap)
    p_cap.set_defaults(func=_cmd_capacity)

    _add_profile(sub)
    _add_snapshot(sub)
    from .atlas.cli import add_parsers as _add_atlas  # atlas and search keep their CLI in their own modules
    _add_atlas(sub)
    from .search.cli import add_parsers as _add_search
    _add_search(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ViterboError as exc:
        print(f"viterbo {args.command}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the environment (a full disk, a vanished folder), not a bug: one line
        print(f"viterbo {args.command}: {exc.strerror or exc}"
              + (f": {exc.filename}" if getattr(exc, "filename", None) else ""), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"viterbo {args.command}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
