"""Lever sweeps: one method on one polytope under every lever combination of its registry row.

The grid is :meth:`viterbo.capacity._registry.Method.grid` (the one the snapshots use); the value must
not depend on the levers, which only prune (:func:`sweep_disagreement`).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ..capacity import capacity
from ..capacity._registry import get_method, work_counters
from ..capacity.agreement import AGREEMENT_REL_TOL, values_agree
from ..geometry.polytope import Polytope
from .profile import resolve_method

__all__ = ["lever_defaults", "lever_grid", "WORK_COUNTERS", "work_counter", "lever_sweep", "sweep_summary",
           "sweep_disagreement"]


def lever_defaults(method: str) -> dict[str, Any]:
    """The levers of a registered method with their default values (its registry row)."""
    return get_method(method).defaults()


def lever_grid(method: str) -> list[dict[str, bool]]:
    """Every on/off assignment of a method's sweep levers, all on first; ``[{}]`` when it has none.

    Levers that are not booleans (a rotation cap, a variant name) are left at the method's default.

    Examples
    --------
    >>> lever_grid("area")
    [{}]
    """
    return get_method(method).grid()


#: Counters that measure the work of a search, one per method (the registry's; the first present is charted).
WORK_COUNTERS: tuple[str, ...] = work_counters()


def work_counter(frame) -> str | None:
    """The first of :data:`WORK_COUNTERS` that a :func:`lever_sweep` frame has, or None."""
    return next((c for c in WORK_COUNTERS if c in frame.columns), None)


def _combo_label(combo: dict[str, Any]) -> str:
    if not combo:
        return "(no levers)"
    parts = []
    for name, value in combo.items():
        parts.append(f"{name}={'on' if value is True else 'off' if value is False else value}")
    return " ".join(parts)


def lever_sweep(K: Polytope, method: str = "auto", repeats: int = 3, *, time_budget: float | None = None,
                grid: list[dict[str, Any]] | None = None, progress: Callable[[int, int], None] | None = None):
    """Run one method on K under every lever combination, ``repeats`` times each.

    Parameters
    ----------
    K : Polytope
        The polytope.
    method : str
        A registered method or ``"auto"`` (resolved once, so every run uses the same method).
    repeats : int
        Runs per combination (>= 1); their spread shows the timing noise.
    time_budget : float, optional
        Per run, passed to :func:`viterbo.capacity`.
    grid : list of dict, optional
        Lever combinations; default :func:`lever_grid` of the method.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``method``, ``combo`` (label), one column per lever, ``repeat``, ``value``,
        ``seconds`` and every numeric entry of the result's ``stats`` (``nodes_expanded``,
        ``pruned_*``, ...), in the order run.

    Raises
    ------
    ValueError
        ``repeats < 1``.
    MethodNotApplicableError, TimeBudgetExceededError
        As :func:`viterbo.capacity`.
    """
    import pandas as pd

    if repeats < 1:
        raise ValueError(f"lever_sweep: repeats={repeats}; need at least 1 run per combination.")
    name = resolve_method(K, method)
    combos = lever_grid(name) if grid is None else grid
    rows = []
    total = len(combos) * repeats
    for repeat in range(repeats):
        for combo in combos:
            start = time.perf_counter()
            result = capacity(K, method=name, time_budget=time_budget, **combo)
            wall = time.perf_counter() - start
            row: dict[str, Any] = {"method": result.method, "combo": _combo_label(combo), **combo,
                                   "repeat": repeat, "value": float(result.value)}
            for key, val in result.stats.items():
                if isinstance(val, (int, float)) and not isinstance(val, bool) and key not in row:
                    row[key] = val
            row["seconds"] = float(result.stats.get("seconds", wall))
            rows.append(row)
            if progress is not None:
                progress(len(rows), total)
    return pd.DataFrame(rows)


def sweep_summary(frame, columns: tuple[str, ...] | None = None):
    """Min / median / max of ``columns`` per lever combination of a :func:`lever_sweep` frame.

    ``columns`` defaults to ``seconds`` and the frame's :func:`work_counter`.

    Returns
    -------
    pandas.DataFrame
        One row per combination: ``combo``, ``runs``, ``value``, and ``<col>_min``,
        ``<col>_median``, ``<col>_max`` for each of ``columns`` present in the frame.
    """
    import pandas as pd

    if columns is None:
        columns = ("seconds",) + tuple(c for c in [work_counter(frame)] if c is not None)
    out = []
    for combo, group in frame.groupby("combo", sort=False):
        row: dict[str, Any] = {"combo": combo, "runs": len(group), "value": float(group["value"].iloc[0])}
        for col in columns:
            if col in group:
                row[f"{col}_min"] = float(group[col].min())
                row[f"{col}_median"] = float(group[col].median())
                row[f"{col}_max"] = float(group[col].max())
        out.append(row)
    return pd.DataFrame(out)


def sweep_disagreement(frame, rel_tol: float = AGREEMENT_REL_TOL) -> str | None:
    """None when every run of a sweep found the same value (:func:`~viterbo.capacity.agreement.values_agree`),
    else a sentence naming the outliers.

    Levers only prune the search, so any disagreement is a bug in a pruning rule.
    """
    values = frame["value"].astype(float)
    reference = float(values.iloc[0])
    bad = frame[~values.apply(lambda v: values_agree(v, reference, rel_tol))]
    if bad.empty:
        return None
    listing = "; ".join(f"{c} (repeat {r}): {v!r}" for c, r, v in zip(bad["combo"], bad["repeat"], bad["value"]))
    first = frame["combo"].iloc[0]
    return (f"lever combinations disagree on the capacity: {first} gives {reference!r} but {listing}. "
            "A lever must only prune; this is a bug in the pruning rule that differs.")
