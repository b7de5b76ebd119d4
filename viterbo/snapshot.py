"""Weekly CSV snapshots of capacities and timings, and the trend checks on them.

``viterbo snapshot`` (and :func:`export`) runs a *roster* of polytopes through
every registered capacity method that applies, in every combination of the
method's boolean levers, and writes one row per (polytope, method, levers) to
``artefacts/snapshots/<ISO year>-W<week>.csv``.  Each row carries the value,
the systolic ratio, the work and pruning counters, the seconds (min / median /
max over repeats), the outcome of ``result.verify()``, a status, and the
environment (versions, commit, CPU, machine).  Methods that apply to the same
polytope must agree to 1e-9 relative; rows that do not are marked
``disagree`` and the command exits non-zero.

:func:`fold_benchmarks` turns a pytest-benchmark JSON file into rows of the
same schema.  :func:`load_snapshots`, :func:`find_regressions` and
:func:`find_capacity_changes` read the folder back and flag what the trends
notebook shows (pandas is needed for those three only).

Writing is atomic: rows are computed first, merged with the week's existing
file (rows with the same key are replaced, the others kept), written to a
temporary file in the same directory and moved over the old one with
:func:`os.replace`.  An interrupted run leaves the previous file untouched.
The column order is :data:`COLUMNS`; docs/snapshots.md documents each column.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import numbers
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ._environment import environment
from .capacity import capacity as _capacity
from .capacity._registry import Method, methods, work_counters
from .capacity.agreement import AGREEMENT_REL_TOL, disagreement, values_agree
from .errors import TimeBudgetExceededError, VerificationError, ViterboError
from .geometry import families
from .geometry.polytope import Polytope

__all__ = [
    "COLUMNS", "KEY", "ROSTERS", "ROSTER_TIME_BUDGETS", "WORK_COUNTERS", "REL_TOL", "SnapshotError",
    "week_label", "snapshot_path", "roster_names", "resolve_polytope", "lever_combinations",
    "format_levers", "format_pruned", "collect_rows", "write_rows", "export", "benchmark_rows",
    "latest_benchmark_file", "fold_benchmarks", "load_snapshots", "configuration_label",
    "find_regressions", "find_capacity_changes", "read_rows", "summarize", "STATUSES",
    "REGRESSION_COLUMNS", "CAPACITY_CHANGE_COLUMNS", "StderrProgress",
]

#: The columns of a snapshot CSV, in file order (documented in docs/snapshots.md).
COLUMNS: tuple[str, ...] = (
    "week", "timestamp", "source", "benchmark",
    "polytope", "seed", "dim", "facets", "vertices", "volume",
    "method", "levers", "capacity", "systolic_ratio",
    "nodes", "pruned", "pruned_total",
    "repeats", "seconds_min", "seconds_median", "seconds_max",
    "verified", "certified", "status", "note",
    "viterbo_version", "git_commit", "python", "torch", "numpy", "scipy",
    "dtype", "device", "cpu", "cores", "native", "machine",
)

#: A row's identity within a week's file: a new run replaces the row with the same key.
#: ``benchmark`` is empty for roster rows, so for them the key is (polytope, method, levers, machine).
KEY: tuple[str, ...] = ("polytope", "method", "levers", "benchmark", "machine")

#: Status values of a row.
STATUSES = ("ok", "disagree", "timeout", "error")

#: Stats keys read as the main work counter (the registry's, one per method).
WORK_COUNTERS: tuple[str, ...] = work_counters()

#: Relative tolerance within which methods must agree, and capacities must stay put week to week.
REL_TOL = AGREEMENT_REL_TOL

#: Rosters: polytope keys understood by :func:`resolve_polytope`.
ROSTERS: dict[str, tuple[str, ...]] = {
    "smoke": (
        "regular_polygon:4",
        "regular_polygon:5",
        "random_polygon:1:8",
        "symplectic_image:1:regular_polygon:6",
    ),
    "default": (
        "cube",
        "cross_polytope",
        "simplex",
        "cell24",
        "pentagon_counterexample",
        "triangle_x_triangle",
        "random_hull:1:12",
        "random_hull:2:12",
        "symplectic_image:1:cube",
        "symplectic_image:2:pentagon_counterexample",
        "regular_polygon:5",
        "random_polygon:1:8",
    ),
}
ROSTERS["deep"] = ROSTERS["default"] + (
    "random_hull:3:16",
    "random_hull:4:20",
    "random_halfspaces:1:8",
    "random_halfspaces:2:10",
    "symplectic_image:3:cell24",
    "symplectic_image:4:triangle_x_triangle",
    "symplectic_image:5:random_hull:1:12",
    "regular_polygon:12",
    "random_polygon:2:40",
)

#: Default per-row time budget (seconds) of each roster; a row that exceeds it is "timeout".
ROSTER_TIME_BUDGETS: dict[str, float] = {"smoke": 10.0, "default": 60.0, "deep": 600.0}

_WEEK_FILE = re.compile(r"^(\d{4})-W(\d{2})\.csv$")


class SnapshotError(ViterboError, ValueError):
    """A roster, snapshot file or benchmark file that cannot be used."""


# --------------------------------------------------------------------------- naming


def _utc(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        return _dt.datetime.now(_dt.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=_dt.timezone.utc)
    return now.astimezone(_dt.timezone.utc)


def week_label(now: _dt.datetime | _dt.date | None = None) -> str:
    """The ISO week of a UTC date as ``YYYY-Www``.

    Parameters
    ----------
    now : datetime or date, optional
        Naive datetimes are taken as UTC; default: the current time.

    Returns
    -------
    str
        ISO year and zero-padded ISO week, e.g. ``"2026-W48"``.

    Examples
    --------
    >>> import datetime as dt
    >>> week_label(dt.date(2026, 12, 31)), week_label(dt.date(2027, 1, 1)), week_label(dt.date(2027, 1, 4))
    ('2026-W53', '2026-W53', '2027-W01')
    """
    if isinstance(now, _dt.date) and not isinstance(now, _dt.datetime):
        day = now
    else:
        day = _utc(now).date()
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def snapshot_path(out: str | Path, now: _dt.datetime | None = None) -> Path:
    """``<out>/<ISO year>-W<week>.csv`` for the UTC week of ``now``."""
    return Path(out) / f"{week_label(now)}.csv"


def _timestamp(now: _dt.datetime) -> str:
    return _utc(now).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- rosters


def roster_names() -> list[str]:
    """Names accepted by ``--roster``."""
    return sorted(ROSTERS)


def resolve_polytope(key: str) -> tuple[Polytope, int | None]:
    """The polytope a roster key names, and its seed (None when not random).

    Keys: every name of :func:`viterbo.geometry.families.by_name` (``cube``,
    ``random_hull:SEED:N``, ``random_halfspaces:SEED:M``, ...), and
    ``regular_polygon:K``, ``random_polygon:SEED:N`` (hull of N Gaussian
    points in the plane), ``symplectic_image:SEED:BASE`` (a seeded random
    symplectic image of the polytope named by the key BASE).

    Raises
    ------
    SnapshotError
        The key is malformed.
    PolytopeError
        The family does not exist or rejects the parameters.

    Examples
    --------
    >>> K, seed = resolve_polytope("symplectic_image:3:regular_polygon:5")
    >>> K.dim, K.n_facets, seed
    (2, 5, 3)
    """
    base, _, rest = key.partition(":")
    try:
        if base == "regular_polygon":
            return families.regular_polygon(int(rest)), None
        if base == "random_polygon":
            seed_s, _, n_s = rest.partition(":")
            seed = int(seed_s)
            return families.random_hull(int(n_s) if n_s else 8, 2, seed), seed
        if base == "symplectic_image":
            seed_s, _, inner = rest.partition(":")
            if not inner:
                raise ValueError("missing BASE")
            seed = int(seed_s)
            K, _ = resolve_polytope(inner)
            return families.symplectic_image(K, seed), seed
    except ValueError as exc:
        if isinstance(exc, ViterboError):
            raise
        raise SnapshotError(
            f"roster key {key!r} is malformed ({exc}); use regular_polygon:K, random_polygon:SEED:N "
            "or symplectic_image:SEED:BASE."
        ) from exc
    K = families.by_name(key)
    seed = None
    if base in {"random_hull", "random_halfspaces"}:
        seed = int(rest.split(":")[0]) if rest else 0
    return K, seed


def lever_combinations(spec: Method) -> list[dict[str, bool]]:
    """Every True/False assignment of the method's sweep levers, all-True first (:meth:`Method.grid`).

    Examples
    --------
    >>> from viterbo.capacity._registry import Lever, Method
    >>> spec = Method("m", func=None, why_not=None, auto_rank=0, summary="",
    ...               levers=(Lever("use_a", True, "a"), Lever("use_b", True, "b")))
    >>> [format_levers(c) for c in lever_combinations(spec)]
    ['use_a=1;use_b=1', 'use_a=1;use_b=0', 'use_a=0;use_b=1', 'use_a=0;use_b=0']
    """
    return spec.grid()


def format_levers(levers: dict[str, Any]) -> str:
    """``"name=1;name=0"`` in the given order, ``"-"`` for a method without levers."""
    if not levers:
        return "-"
    return ";".join(f"{k}={int(bool(v)) if isinstance(v, bool) else v}" for k, v in levers.items())


def format_pruned(stats: dict[str, Any]) -> tuple[str, int | None]:
    """The ``pruned_*`` counters as ``"rule=count;..."`` sorted by rule, and their total.

    Examples
    --------
    >>> format_pruned({"pruned_b": 2, "pruned_a": 1, "nodes_expanded": 9})
    ('a=1;b=2', 3)
    >>> format_pruned({"seconds": 0.1})
    ('', None)
    """
    counts = {k[len("pruned_"):]: int(v) for k, v in stats.items()
              if k.startswith("pruned_") and isinstance(v, numbers.Real) and not isinstance(v, bool)}
    if not counts:
        return "", None
    return ";".join(f"{k}={counts[k]}" for k in sorted(counts)), sum(counts.values())


def _work_counter(spec: Method, stats: dict[str, Any]) -> int | None:
    name = spec.work_counter
    return int(stats[name]) if name in stats else None


# --------------------------------------------------------------------------- running a roster


@dataclass(frozen=True)
class _Task:
    key: str
    polytope: Polytope
    seed: int | None
    spec: Method
    levers: dict[str, bool]


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run_task(task: _Task, repeats: int, time_budget: float | None) -> dict[str, Any]:
    """Run one (polytope, method, levers) row ``repeats`` times within ``time_budget`` seconds."""
    K = task.polytope
    row: dict[str, Any] = {"method": task.spec.name, "levers": format_levers(task.levers), "repeats": 0}
    seconds: list[float] = []
    first = None
    start = time.perf_counter()
    try:
        for _ in range(repeats):
            if time_budget is None:
                allowed = 0.0  # capacity(): <= 0 disables the budget
            else:
                allowed = time_budget - (time.perf_counter() - start)
                if allowed <= 0:
                    raise TimeBudgetExceededError(f"row budget of {time_budget:g} s used up between repeats")
            t0 = time.perf_counter()
            result = _capacity(K, method=task.spec.name, time_budget=allowed, **task.levers)
            seconds.append(time.perf_counter() - t0)
            if first is None:
                first = result
            elif not values_agree(result.value, first.value):
                raise ViterboError(f"repeat gave {result.value!r}, first run gave {first.value!r}")
    except TimeBudgetExceededError as exc:
        row.update(status="timeout", note=_one_line(exc), repeats=len(seconds))
        return row
    except Exception as exc:  # noqa: BLE001 - any failure of a method is recorded, not fatal to the run
        row.update(status="error", note=_one_line(f"{type(exc).__name__}: {exc}"), repeats=len(seconds))
        return row
    assert first is not None
    pruned, pruned_total = format_pruned(first.stats)
    row.update(capacity=first.value, nodes=_work_counter(task.spec, first.stats), pruned=pruned,
               pruned_total=pruned_total, repeats=len(seconds), seconds_min=min(seconds),
               seconds_median=statistics.median(seconds), seconds_max=max(seconds))
    row["systolic_ratio"] = first.systolic_ratio()
    try:
        first.verify()
    except VerificationError as exc:
        row.update(verified="fail", status="error", note=_one_line(exc))
        return row
    # An uncertified value (e.g. "reeb" unable to exclude a Type 2 orbit) is kept, labelled with its reason.
    row.update(verified="pass", status="ok", certified="yes" if first.certified else "no",
               note="" if first.certified else _one_line(f"not certified: {first.reason}"))
    return row


def row_volume(K: Polytope) -> float:
    """vol(K), as recorded in the ``volume`` column."""
    return float(K.volume())


def _mark_disagreements(rows: list[dict[str, Any]]) -> None:
    """Mark every verified row of one polytope whose value differs from another's as ``disagree``."""
    ok = [r for r in rows if r.get("status") == "ok"]
    summary = disagreement({f"{r['method']}[{r['levers']}]": r["capacity"] for r in ok}, what="methods")
    if summary is None:
        return
    for r in ok:
        if any(not values_agree(r["capacity"], other["capacity"]) for other in ok):
            r["status"] = "disagree"
            r["note"] = _one_line(summary, 500)


def _plan(roster: str | Sequence[str]) -> list[_Task]:
    if isinstance(roster, str):
        if roster not in ROSTERS:
            raise SnapshotError(f"unknown roster {roster!r}; choose one of {', '.join(roster_names())}.")
        keys: Sequence[str] = ROSTERS[roster]
    else:
        keys = list(roster)
    tasks = []
    for key in keys:
        K, seed = resolve_polytope(key)
        for spec in methods():
            if spec.why_not(K) is not None:
                continue
            for levers in lever_combinations(spec):
                tasks.append(_Task(key, K, seed, spec, levers))
    return tasks


def collect_rows(roster: str | Sequence[str] = "default", *, repeats: int = 1, time_budget: float | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 now: _dt.datetime | None = None) -> list[dict[str, Any]]:
    """Run a roster and return its rows (dicts over :data:`COLUMNS`), writing nothing.

    Parameters
    ----------
    roster : str or sequence of str
        A name in :data:`ROSTERS`, or polytope keys (see :func:`resolve_polytope`).
    repeats : int
        Runs per row; seconds are reported as min / median / max.
    time_budget : float, optional
        Seconds per row (all repeats together); default from
        :data:`ROSTER_TIME_BUDGETS` (60 s for a custom list).  A row over
        budget gets status ``"timeout"``.
    progress : callable, optional
        Called as ``progress(done, total, polytope_key)`` before each row and
        once at the end.
    now : datetime, optional
        Timestamp of the rows (UTC); default: the current time.

    Returns
    -------
    list of dict
        One row per (polytope, applicable method, lever combination).
    """
    if repeats < 1:
        raise SnapshotError(f"repeats = {repeats}; need at least 1.")
    if time_budget is None:
        time_budget = ROSTER_TIME_BUDGETS.get(roster, 60.0) if isinstance(roster, str) else 60.0
    budget = None if time_budget is None or time_budget <= 0 else float(time_budget)
    when = _utc(now)
    tasks = _plan(roster)
    env = environment()
    rows: list[dict[str, Any]] = []
    by_polytope: dict[str, list[dict[str, Any]]] = {}
    for done, task in enumerate(tasks):
        if progress is not None:
            progress(done, len(tasks), f"{task.key} {task.spec.name} {format_levers(task.levers)}")
        K = task.polytope
        row = {c: "" for c in COLUMNS}
        row.update(env)
        row.update(week=week_label(when), timestamp=_timestamp(when), source="snapshot", benchmark="",
                   polytope=task.key, seed="" if task.seed is None else task.seed, dim=K.dim,
                   facets=K.n_facets, vertices=K.n_vertices, volume=row_volume(K),
                   dtype=str(K.vertices.dtype).replace("torch.", ""), device=str(K.device))
        row.update(_run_task(task, repeats, budget))
        rows.append(row)
        by_polytope.setdefault(task.key, []).append(row)
    for group in by_polytope.values():
        _mark_disagreements(group)
    if progress is not None:
        progress(len(tasks), len(tasks), "done")
    return rows


# --------------------------------------------------------------------------- files


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _row_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(_cell(row.get(c, "")) for c in KEY)


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a snapshot CSV as dicts of strings over :data:`COLUMNS` (missing columns empty).

    Raises
    ------
    SnapshotError
        The file has no header or lacks a key column.
    """
    p = Path(path)
    with open(p, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            return []
        missing = [c for c in KEY if c not in reader.fieldnames]
        if missing:
            raise SnapshotError(f"{p}: not a snapshot file (no column(s) {', '.join(missing)}); "
                                "move it out of the snapshots folder or delete it.")
        return [{c: (r.get(c) or "") for c in COLUMNS} for r in reader]


def _render(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c, "")) for c in COLUMNS])
    return buf.getvalue()


def write_rows(rows: Sequence[dict[str, Any]], out: str | Path = "artefacts/snapshots",
               now: _dt.datetime | None = None) -> Path:
    """Merge rows into the week's CSV atomically and return its path.

    Rows of the existing file with the same key (:data:`KEY`) as a new row are
    replaced; the others are kept.  The merged file is written to a temporary
    file in the same directory and moved into place with :func:`os.replace`,
    so readers and interrupted runs never see a half-written file.

    Parameters
    ----------
    rows : sequence of dict
        Rows over :data:`COLUMNS`.
    out : str or Path
        The snapshots folder (created if missing).
    now : datetime, optional
        Chooses the week's file; default: the current UTC time.
    """
    target = snapshot_path(out, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    if target.exists():
        for old in read_rows(target):
            merged[_row_key(old)] = old
    for row in rows:
        merged[_row_key(row)] = row
    ordered = [merged[k] for k in sorted(merged)]
    text = _render(ordered)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return target


class StderrProgress:
    """One updating progress line on a terminal; one line per polytope otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_polytope = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.tty:
            end = "\n" if done >= total else ""
            width = shutil.get_terminal_size((80, 24)).columns - 1  # never wrap: one updating line
            self.stream.write(f"\r\x1b[K{f'snapshot {done}/{total} {label}'[:width]}{end}")
        else:
            polytope = label.split(" ")[0]
            if done >= total:
                self.stream.write(f"snapshot {done}/{total} done\n")
            elif polytope != self.last_polytope:
                self.stream.write(f"snapshot {done}/{total} {polytope}\n")
            self.last_polytope = polytope
        self.stream.flush()


def export(roster: str | Sequence[str] = "default", out: str | Path = "artefacts/snapshots", repeats: int = 1,
           quiet: bool = True, progress: Callable[[int, int, str], None] | None = None,
           now: _dt.datetime | None = None, time_budget: float | None = None) -> Path:
    """Run a roster and merge its rows into this week's snapshot CSV.

    Parameters
    ----------
    roster : str or sequence of str
        ``"smoke"``, ``"default"``, ``"deep"`` or a list of polytope keys.
    out : str or Path
        The snapshots folder.
    repeats : int
        Runs per row.
    quiet : bool
        When False and no ``progress`` is given, print progress on stderr.
    progress : callable, optional
        ``progress(done, total, label)``.
    now : datetime, optional
        Decides the week (UTC) and the rows' timestamp.
    time_budget : float, optional
        Seconds per row; see :func:`collect_rows`.

    Returns
    -------
    Path
        The week's file, e.g. ``artefacts/snapshots/2026-W48.csv``.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     export(["regular_polygon:4"], out=folder, now=dt.datetime(2026, 11, 27)).name
    '2026-W48.csv'
    """
    if progress is None and not quiet:
        progress = StderrProgress()
    when = _utc(now)
    rows = collect_rows(roster, repeats=repeats, time_budget=time_budget, progress=progress, now=when)
    return write_rows(rows, out, now=when)


# --------------------------------------------------------------------------- pytest-benchmark


def latest_benchmark_file(path: str | Path = ".benchmarks") -> Path:
    """The newest ``*.json`` under ``path`` (or ``path`` itself when it is a file).

    Raises
    ------
    SnapshotError
        Nothing found.
    """
    p = Path(path)
    if p.is_file():
        return p
    candidates = sorted(p.rglob("*.json"), key=lambda f: (f.stat().st_mtime, f.name)) if p.is_dir() else []
    if not candidates:
        raise SnapshotError(
            f"no pytest-benchmark JSON under {p}/; run "
            "`pytest tests/performance -m \"smoke or deep\" --benchmark-enable --benchmark-autosave` first."
        )
    return candidates[-1]


def _parse_datetime(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return _utc(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def benchmark_rows(path: str | Path, now: _dt.datetime | None = None) -> tuple[list[dict[str, Any]], _dt.datetime]:
    """Rows (over :data:`COLUMNS`) from one pytest-benchmark JSON file, and the run's time.

    ``extra_info`` of a benchmark may carry ``polytope`` (or ``family``),
    ``method``, ``levers`` (a dict or a string), ``seed``, ``dim``, ``facets``,
    ``vertices``, ``volume``, ``capacity``, ``systolic_ratio``, ``nodes``,
    ``dtype``, ``device``; missing ones stay empty.  Seconds come from the
    stats (min, median, max over ``rounds``).  Commit, Python, CPU and host
    come from the file; versions not recorded there are those of the running
    environment.

    Raises
    ------
    SnapshotError
        The file is not a pytest-benchmark JSON file.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        benches = data["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{p}: not a pytest-benchmark JSON file ({exc}).") from exc
    when = _parse_datetime(data.get("datetime")) or _utc(now)
    machine_info = data.get("machine_info") or {}
    commit_info = data.get("commit_info") or {}
    cpu_info = machine_info.get("cpu") or {}
    base = environment()
    if commit_info.get("id"):
        base["git_commit"] = commit_info["id"] + ("-dirty" if commit_info.get("dirty") else "")
    if machine_info.get("python_version"):
        base["python"] = machine_info["python_version"]
    if cpu_info.get("brand_raw"):
        base["cpu"] = cpu_info["brand_raw"]
    if cpu_info.get("count"):
        base["cores"] = str(cpu_info["count"])
    if not os.environ.get("VITERBO_MACHINE_ID", "").strip() and machine_info.get("node"):
        base["machine"] = machine_info["node"]
    rows = []
    for bench in benches:
        info = bench.get("extra_info") or {}
        stats = bench.get("stats") or {}
        row = {c: "" for c in COLUMNS}
        row.update(base)
        for name in ("viterbo_version", "torch", "numpy", "scipy", "dtype", "device", "native", "seed", "dim",
                     "facets", "vertices", "volume", "method", "capacity", "systolic_ratio", "nodes"):
            if info.get(name) is not None:
                row[name] = info[name]
        levers = info.get("levers")
        row["levers"] = format_levers(levers) if isinstance(levers, dict) else (levers or "")
        pruned, total = format_pruned(info)
        if pruned:
            row.update(pruned=pruned, pruned_total=total)
        row.update(week=week_label(when), timestamp=_timestamp(when), source="benchmark",
                   benchmark=bench.get("fullname") or bench.get("name") or "",
                   polytope=info.get("polytope") or info.get("family") or "",
                   repeats=stats.get("rounds", ""), seconds_min=stats.get("min"),
                   seconds_median=stats.get("median"), seconds_max=stats.get("max"),
                   status="ok", verified="", note=_one_line(bench.get("group") or "", 200))
        rows.append(row)
    return rows, when


def fold_benchmarks(path: str | Path = ".benchmarks", out: str | Path = "artefacts/snapshots",
                    now: _dt.datetime | None = None) -> Path:
    """Fold the newest pytest-benchmark JSON under ``path`` into the snapshot of its week.

    Returns
    -------
    Path
        The weekly CSV written (the week of the benchmark run, UTC).
    """
    rows, when = benchmark_rows(latest_benchmark_file(path), now=now)
    return write_rows(rows, out, now=when)


# --------------------------------------------------------------------------- trends (pandas)

_NUMERIC = ("seed", "dim", "facets", "vertices", "volume", "capacity", "systolic_ratio", "nodes",
            "pruned_total", "repeats", "seconds_min", "seconds_median", "seconds_max", "cores")
_CONFIG = ("polytope", "method", "levers", "benchmark")


def load_snapshots(folder: str | Path = "artefacts/snapshots"):
    """Every ``YYYY-Www.csv`` in ``folder`` as one pandas DataFrame over :data:`COLUMNS`.

    A missing or empty folder gives an empty frame with the same columns.
    Numeric columns are floats (NaN where empty); text columns are strings;
    a ``configuration`` column labels (polytope, method, levers, benchmark).
    """
    import pandas as pd

    p = Path(folder)
    files = sorted(f for f in p.glob("*.csv") if _WEEK_FILE.match(f.name)) if p.is_dir() else []
    rows = []
    for f in files:
        for r in read_rows(f):
            if not r["week"]:
                r["week"] = f.stem
            rows.append(r)
    df = pd.DataFrame(rows, columns=list(COLUMNS)).astype(str)
    for c in _NUMERIC:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df["configuration"] = [configuration_label(r) for r in df[list(_CONFIG)].to_dict("records")]
    return df


def configuration_label(row: dict[str, Any]) -> str:
    """``"polytope | method | levers"``, plus ``" | benchmark"`` for benchmark rows."""
    parts = [str(row.get("polytope", "")), str(row.get("method", "")), str(row.get("levers", ""))]
    if row.get("benchmark"):
        parts.append(str(row["benchmark"]))
    return " | ".join(parts)


REGRESSION_COLUMNS = ("machine", "polytope", "method", "levers", "benchmark", "week", "previous_week",
                      "seconds_median", "previous_seconds_median", "ratio")
CAPACITY_CHANGE_COLUMNS = ("polytope", "method", "levers", "benchmark", "week", "machine", "capacity",
                           "previous_week", "previous_machine", "previous_capacity", "rel_change")


def find_regressions(df, threshold: float = 0.25):
    """Configurations whose median seconds grew by more than ``threshold`` since their previous week.

    Compares each ``ok`` row with the latest earlier week holding the same
    (polytope, method, levers, benchmark) on the same machine.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`load_snapshots`.
    threshold : float
        0.25 flags a median more than 25% slower.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REGRESSION_COLUMNS`, one row per regression, ``ratio`` = new / old median.
    """
    import pandas as pd

    flagged = []
    if len(df):
        ok = df[(df["status"] == "ok") & (df["seconds_median"] > 0)]
        ok = ok.sort_values(["week", "timestamp"])
        for _, group in ok.groupby(["machine", *_CONFIG], sort=True):
            per_week = group.groupby("week", sort=True).last()
            previous = None
            for week, row in per_week.iterrows():
                if previous is not None:
                    ratio = row["seconds_median"] / previous[1]["seconds_median"]
                    if ratio > 1.0 + threshold:
                        flagged.append({"machine": row["machine"], "polytope": row["polytope"],
                                        "method": row["method"], "levers": row["levers"],
                                        "benchmark": row["benchmark"], "week": week,
                                        "previous_week": previous[0], "seconds_median": row["seconds_median"],
                                        "previous_seconds_median": previous[1]["seconds_median"],
                                        "ratio": ratio})
                previous = (week, row)
    return pd.DataFrame(flagged, columns=list(REGRESSION_COLUMNS))


def find_capacity_changes(df, rel_tol: float = REL_TOL):
    """Computed capacities that changed: they never may.

    For each (polytope, method, levers, benchmark), rows with a capacity are
    taken in order of week and timestamp (all machines together); a row whose
    capacity differs by more than ``rel_tol`` (relative) from the row before
    it is flagged.  Disagreement between methods within a run is the
    ``disagree`` status instead.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CAPACITY_CHANGE_COLUMNS`.
    """
    import pandas as pd

    flagged = []
    if len(df):
        valued = df[df["capacity"].notna() & df["status"].isin(["ok", "disagree"])]
        valued = valued.sort_values(["week", "timestamp", "machine"])
        for _, group in valued.groupby(list(_CONFIG), sort=True):
            previous = None
            for _, row in group.iterrows():
                if previous is not None and not values_agree(row["capacity"], previous["capacity"], rel_tol):
                    change = abs(row["capacity"] - previous["capacity"]) / max(abs(row["capacity"]),
                                                                               abs(previous["capacity"]))
                    flagged.append({"polytope": row["polytope"], "method": row["method"],
                                    "levers": row["levers"], "benchmark": row["benchmark"],
                                    "week": row["week"], "machine": row["machine"],
                                    "capacity": row["capacity"], "previous_week": previous["week"],
                                    "previous_machine": previous["machine"],
                                    "previous_capacity": previous["capacity"], "rel_change": change})
                previous = row
    return pd.DataFrame(flagged, columns=list(CAPACITY_CHANGE_COLUMNS))


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Counts of rows by status (every status in :data:`STATUSES` present)."""
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[str(r.get("status"))] = counts.get(str(r.get("status")), 0) + 1
    return counts

