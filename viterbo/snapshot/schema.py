"""The snapshot CSV's schema: columns, key, statuses, week labels and how cells are written."""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from pathlib import Path
from typing import Any

from ..errors import ViterboError

__all__ = ["COLUMNS", "KEY", "STATUSES", "NUMERIC", "WEEK_FILE", "SnapshotError", "week_label", "snapshot_path", "utc",
           "timestamp", "format_levers", "format_pruned", "cell", "row_key", "one_line"]

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

#: File names of weekly snapshots.
WEEK_FILE = re.compile(r"^(\d{4})-W(\d{2})\.csv$")

#: Columns holding numbers (empty when not applicable).
NUMERIC = ("seed", "dim", "facets", "vertices", "volume", "capacity", "systolic_ratio", "nodes",
           "pruned_total", "repeats", "seconds_min", "seconds_median", "seconds_max", "cores")


class SnapshotError(ViterboError, ValueError):
    """A roster, snapshot file or benchmark file that cannot be used."""


def utc(now: _dt.datetime | None) -> _dt.datetime:
    """``now`` in UTC (naive datetimes are taken as UTC); the current time when None."""
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
        day = utc(now).date()
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def snapshot_path(out: str | Path, now: _dt.datetime | None = None) -> Path:
    """``<out>/<ISO year>-W<week>.csv`` for the UTC week of ``now``."""
    return Path(out) / f"{week_label(now)}.csv"


def timestamp(now: _dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return utc(now).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def cell(value: Any) -> str:
    """How a value is written into the CSV: floats in full (``repr``), booleans as 1/0, None and NaN empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def row_key(row: dict[str, Any]) -> tuple[str, ...]:
    """The row's :data:`KEY` as written."""
    return tuple(cell(row.get(c, "")) for c in KEY)


def one_line(text: Any, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters (for the ``note`` column)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
