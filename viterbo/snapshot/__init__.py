"""Weekly CSV snapshots of capacities and timings, and the trend checks on them.

``viterbo snapshot`` (and :func:`export`) runs a *roster* of polytopes through
every registered capacity method that applies, in every combination of the
method's sweep levers (the registry's :meth:`~viterbo.capacity._registry.Method.grid`),
and writes one row per (polytope, method, levers) to
``artefacts/snapshots/<ISO year>-W<week>.csv``.  Each row carries the value,
the systolic ratio, the work and pruning counters, the seconds (min / median /
max over repeats), the outcome of ``result.verify()``, a status, and the
environment (versions, commit, CPU, machine).  Methods that apply to the same
polytope must agree (:mod:`viterbo.capacity.agreement`); rows that do not are
marked ``disagree`` and the command exits non-zero.

The data flow, one module each:

* :mod:`~viterbo.snapshot.roster`: which polytopes (names of :func:`viterbo.families.by_name`) and the
  rows they expand to;
* :mod:`~viterbo.snapshot.runner`: running the rows (:func:`collect_rows`);
* :mod:`~viterbo.snapshot.store`: the week's file, merged under a lock and written atomically, with
  unreadable or foreign rows reported and the original kept aside (:func:`write_rows`, :func:`read_rows`);
* :mod:`~viterbo.snapshot.benchmarks`: pytest-benchmark JSON folded into the same schema;
* :mod:`~viterbo.snapshot.trends`: the folder read back with pandas, regressions and capacity changes;
* :mod:`~viterbo.snapshot.schema`: the columns (:data:`COLUMNS`, documented in docs/snapshots.md).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Callable, Sequence

from .benchmarks import benchmark_rows, fold_benchmarks, latest_benchmark_file
from .roster import ROSTER_TIME_BUDGETS, ROSTERS, lever_combinations, resolve_polytope, roster_names
from .runner import REL_TOL, WORK_COUNTERS, StderrProgress, collect_rows, row_volume, summarize
from .schema import (COLUMNS, KEY, STATUSES, SnapshotError, format_levers, format_pruned, snapshot_path, utc,
                     week_label)
from .store import check_folder, read_file, read_rows, write_rows
from .trends import (CAPACITY_CHANGE_COLUMNS, REGRESSION_COLUMNS, configuration_label, find_capacity_changes,
                     find_regressions, load_snapshots)

__all__ = [
    "COLUMNS", "KEY", "ROSTERS", "ROSTER_TIME_BUDGETS", "WORK_COUNTERS", "REL_TOL", "SnapshotError",
    "week_label", "snapshot_path", "roster_names", "resolve_polytope", "lever_combinations",
    "format_levers", "format_pruned", "collect_rows", "write_rows", "export", "benchmark_rows",
    "latest_benchmark_file", "fold_benchmarks", "load_snapshots", "configuration_label",
    "find_regressions", "find_capacity_changes", "read_rows", "read_file", "summarize", "STATUSES",
    "REGRESSION_COLUMNS", "CAPACITY_CHANGE_COLUMNS", "StderrProgress", "row_volume", "check_folder",
]


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
    when = utc(now)
    rows = collect_rows(roster, repeats=repeats, time_budget=time_budget, progress=progress, now=when)
    return write_rows(rows, out, now=when)
