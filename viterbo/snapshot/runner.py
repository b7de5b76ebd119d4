"""Running a roster: one row per (polytope, method, lever combination), with timings, counters, the
verified value and a status; methods that disagree on a polytope are marked."""

from __future__ import annotations

import datetime as _dt
import shutil
import statistics
import sys
import time
from typing import Any, Callable, Sequence

from .._environment import environment
from ..capacity import capacity as _capacity
from ..capacity._registry import Method, work_counters
from ..capacity.agreement import AGREEMENT_REL_TOL, disagreement, values_agree
from ..errors import TimeBudgetExceededError, VerificationError, ViterboError
from ..geometry.polytope import Polytope
from .roster import ROSTER_TIME_BUDGETS, Task, plan
from .schema import COLUMNS, STATUSES, SnapshotError, format_levers, format_pruned, one_line, timestamp, utc, week_label

__all__ = ["WORK_COUNTERS", "REL_TOL", "collect_rows", "row_volume", "summarize", "StderrProgress"]

#: Stats keys read as the main work counter (the registry's, one per method).
WORK_COUNTERS: tuple[str, ...] = work_counters()

#: Relative tolerance within which methods must agree, and capacities must stay put week to week.
REL_TOL = AGREEMENT_REL_TOL


def _work_counter(spec: Method, stats: dict[str, Any]) -> int | None:
    name = spec.work_counter
    return int(stats[name]) if name in stats else None


def _run_task(task: Task, repeats: int, time_budget: float | None) -> dict[str, Any]:
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
        row.update(status="timeout", note=one_line(exc), repeats=len(seconds))
        return row
    except Exception as exc:  # noqa: BLE001 - any failure of a method is recorded, not fatal to the run
        row.update(status="error", note=one_line(f"{type(exc).__name__}: {exc}"), repeats=len(seconds))
        return row
    assert first is not None
    pruned, pruned_total = format_pruned(first.stats)
    row.update(capacity=first.value, nodes=_work_counter(task.spec, first.stats), pruned=pruned,
               pruned_total=pruned_total, repeats=len(seconds), seconds_min=min(seconds),
               seconds_median=statistics.median(seconds), seconds_max=max(seconds),
               systolic_ratio=first.systolic_ratio())
    try:
        first.verify()
    except VerificationError as exc:
        row.update(verified="fail", status="error", note=one_line(exc))
        return row
    # An uncertified value (e.g. "reeb" unable to exclude a Type 2 orbit) is kept, labelled with its reason.
    row.update(verified="pass", status="ok", certified="yes" if first.certified else "no",
               note="" if first.certified else one_line(f"not certified: {first.reason}"))
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
            r["note"] = one_line(summary, 500)


def collect_rows(roster: str | Sequence[str] = "default", *, repeats: int = 1, time_budget: float | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 now: _dt.datetime | None = None) -> list[dict[str, Any]]:
    """Run a roster and return its rows (dicts over :data:`COLUMNS`), writing nothing.

    Parameters
    ----------
    roster : str or sequence of str
        A name in :data:`~viterbo.snapshot.roster.ROSTERS`, or polytope names (:func:`viterbo.families.by_name`).
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
    when = utc(now)
    tasks = plan(roster)
    env = environment()
    rows: list[dict[str, Any]] = []
    by_polytope: dict[str, list[dict[str, Any]]] = {}
    for done, task in enumerate(tasks):
        if progress is not None:
            progress(done, len(tasks), f"{task.key} {task.spec.name} {format_levers(task.levers)}")
        K = task.polytope
        row = {c: "" for c in COLUMNS}
        row.update(env)
        row.update(week=week_label(when), timestamp=timestamp(when), source="snapshot", benchmark="",
                   polytope=task.key, seed="" if task.seed is None else task.seed, dim=K.dim,
                   facets=K.n_facets, vertices=K.n_vertices, volume=row_volume(K),
                   dtype="float64", device=K._device)  # no tensor (and no torch import) for a CSV cell
        row.update(_run_task(task, repeats, budget))
        rows.append(row)
        by_polytope.setdefault(task.key, []).append(row)
    for group in by_polytope.values():
        _mark_disagreements(group)
    if progress is not None:
        progress(len(tasks), len(tasks), "done")
    return rows


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


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Counts of rows by status (every status in :data:`STATUSES` present)."""
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[str(r.get("status"))] = counts.get(str(r.get("status")), 0) + 1
    return counts

