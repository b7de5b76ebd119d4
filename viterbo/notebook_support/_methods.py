"""What the notebooks need to know about the capacity methods: names, applicability, levers, sweeps.

Everything the notebooks read from the method contract (:mod:`viterbo.capacity._registry`: one row
per method with typed levers, an implementation switch and its counters) goes through this module.
The lever controls are generated from the rows; what the contract does not say (a slider's range,
a lever that is accepted but cannot act on a capacity search) is in the two small tables below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import profiling as _profiling
from ..capacity import choose_method
from ..capacity import method_names as _method_names
from ..capacity._registry import get_method, lever_names, methods
from ..errors import MethodNotApplicableError
from ..geometry.polytope import Polytope

__all__ = ["LeverInfo", "IMPLEMENTATION_CHOICES", "method_names", "method_table", "resolve_method",
           "lever_controls", "lever_catalogue", "reported_counters", "capacity_levers", "acting_levers", "lever_note",
           "settling_methods", "lever_grid", "lever_sweep", "sweep_summary", "sweep_disagreement", "work_counter",
           "profile_capacity", "snakeviz_command", "start_snakeviz", "top_functions", "sweep_table"]

# The lever sweep and the profiler live in viterbo.profiling; the notebooks reach them through here.
lever_grid = _profiling.lever_grid
lever_sweep = _profiling.lever_sweep
sweep_summary = _profiling.sweep_summary
sweep_disagreement = _profiling.sweep_disagreement
work_counter = _profiling.work_counter
profile_capacity = _profiling.profile_capacity
snakeviz_command = _profiling.snakeviz_command
start_snakeviz = _profiling.start_snakeviz
top_functions = _profiling.top_functions

#: The implementation switch as the notebook offers it (label -> value for ``capacity(implementation=...)``).
IMPLEMENTATION_CHOICES = {"compiled when available": None, "compiled (native)": "native",
                          "pure-Python reference": "python"}

#: Slider ranges of number levers (the contract gives a minimum only).  rotation_cap starts at 2:
#: a smaller cap could report a non-minimal action (Chaidez-Hutchings Cor 1.15).
_SLIDERS: dict[tuple[str, str], tuple[float, float, float]] = {("reeb", "rotation_cap"): (2.0, 4.0, 0.25)}

#: Levers that are accepted but cannot act on a capacity computation, and why (plain words).
_INERT_IN_CAPACITY = {
    ("reeb", "use_memo"): ("cannot act on the capacity search: there every path visits each facet once, so it never "
                           "returns to a 2-face and the memo is never consulted; it prunes the spectrum search"),
}


@dataclass(frozen=True)
class LeverInfo:
    """One lever of one method, as the notebook shows it: ``kind`` is "bool", "float", "int" or "choice"."""

    method: str
    name: str
    kind: str
    default: Any
    description: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple = ()
    counter: str | None = None


def method_names() -> list[str]:
    """Names the method picker offers, "auto" first."""
    return _method_names()


def method_table(K: Polytope) -> list[dict[str, Any]]:
    """One row per registered method: does it apply to K, and if not, why not (``"auto"`` marks auto's choice)."""
    try:
        auto = choose_method(K).name
    except MethodNotApplicableError:
        auto = None
    rows = []
    for spec in methods():
        why = spec.why_not(K)
        rows.append({"method": spec.name, "applies": "yes" if why is None else "no",
                     "auto": "runs first" if spec.name == auto else "", "why not": _no_advice(why or ""),
                     "what it does": spec.summary})
    return rows


def _no_advice(reason: str) -> str:
    """A method's why-not sentence without its 'Use method=...' advice (the table lists every method)."""
    return re.sub(r"\.?\s*Use method=.*$", "", reason).strip()


def resolve_method(K: Polytope, method: str) -> str:
    """The method ``capacity(K, method)`` runs: ``method`` itself, or the one "auto" picks first.

    Raises
    ------
    MethodNotApplicableError
        The method does not apply to K, or none does; the message says what to choose instead.
    """
    if method == "auto":
        try:
            return choose_method(K).name
        except MethodNotApplicableError:
            raise MethodNotApplicableError(
                "No exact method applies to this polytope (the table of methods above says why for each). "
                "Choose another polytope: a random hull with another seed or fewer points, or a family.") from None
    spec = get_method(method)
    why = spec.why_not(K)
    if why is not None:
        try:
            other = f' Choose method "auto" (it runs "{choose_method(K).name}" here).'
        except MethodNotApplicableError:
            other = " No other method applies either; choose another polytope."
        raise MethodNotApplicableError(f'Method "{spec.name}" does not apply to this polytope: {_no_advice(why)}.'
                                       + other)
    return spec.name


def lever_controls(method: str | None = None) -> list[dict[str, Any]]:
    """What the notebook's lever controls show, from the registry: one dict per lever.

    Parameters
    ----------
    method : str, optional
        Only this method's levers; default: every lever of every method (a lever two methods share
        appears once, with both in ``methods``).

    Returns
    -------
    list of dict
        ``name``, ``kind`` ("switch" for booleans, "number", "integer", "choice"), ``default``, ``doc``,
        ``choices`` (for "choice"), ``minimum`` (numbers must be at least this), ``methods`` (that have it),
        ``counter`` (the stats counter that shows it firing, or None), ``sweep`` (in the lever grid).

    Examples
    --------
    >>> [c["name"] for c in lever_controls("reeb")]
    ['rotation_cap', 'use_cF_budgets', 'use_memo']
    >>> lever_controls("reeb")[1]["kind"], lever_controls("reeb")[1]["default"]
    ('switch', True)
    """
    kinds = {bool: "switch", float: "number", int: "integer", str: "choice"}
    specs = [get_method(method)] if method is not None else methods()
    owners = lever_names()
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        for lever in spec.levers:
            if lever.name in out:
                continue
            out[lever.name] = {"name": lever.name, "kind": kinds[lever.kind], "default": lever.default,
                               "doc": lever.doc, "choices": list(lever.choices) if lever.choices else None,
                               "minimum": lever.minimum, "methods": owners[lever.name] if method is None else [method],
                               "counter": lever.counter, "sweep": bool(lever.sweep)}
    return list(out.values())


def _sentence(doc: str) -> str:
    return (doc[:1].upper() + doc[1:]).rstrip(".") + "." if doc else ""


def lever_catalogue() -> dict[str, list[LeverInfo]]:
    """The levers of every method that has some, in "auto" order, as the notebook lays them out
    (:func:`lever_controls` per method, with slider ranges for numbers).

    Levers without a usable default (``progress``: an output switch, None by default) are left out.
    """
    catalogue: dict[str, list[LeverInfo]] = {}
    for spec in methods():
        levers = []
        for c in lever_controls(spec.name):
            if c["default"] is None:
                continue
            kind = {"switch": "bool", "choice": "choice", "number": "float", "integer": "int"}[c["kind"]]
            if kind == "choice":
                info = LeverInfo(spec.name, c["name"], kind, c["default"], _sentence(c["doc"]),
                                 choices=tuple(c["choices"] or ()), counter=c["counter"])
            elif kind == "bool":
                info = LeverInfo(spec.name, c["name"], kind, c["default"], _sentence(c["doc"]), counter=c["counter"])
            else:
                low, high, step = _SLIDERS.get((spec.name, c["name"]),
                                               (c["minimum"] or 0.0, 4 * float(c["default"]) or 1.0, None))
                info = LeverInfo(spec.name, c["name"], kind, c["default"], _sentence(c["doc"]), low, high, step,
                                 counter=c["counter"])
            levers.append(info)
        if levers:
            catalogue[spec.name] = levers
    return catalogue


def reported_counters(method: str | None) -> tuple[str, ...]:
    """The counters a method always reports, its work counter first (the contract's list); () when unknown."""
    try:
        return tuple(get_method(method).counters) if method else ()
    except MethodNotApplicableError:
        return ()


def capacity_levers(method: str, chosen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The levers ``capacity(K, method=method)`` gets from the chosen ones (``{method: {lever: value}}``).

    For "auto", every method's chosen levers (the contract gives each method the ones it has).
    """
    if method == "auto":
        return {k: v for levers in chosen.values() for k, v in levers.items()}
    spec = get_method(method)
    return {k: v for k, v in chosen.get(method, {}).items() if spec.lever(k) is not None}


def acting_levers(K: Polytope, method: str, chosen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The chosen levers that can change the capacity of K with ``method``: those of the method, or for
    "auto" those of every method that applies to K (auto may cross-check with a later one)."""
    names = [method] if method != "auto" else [s.name for s in methods() if s.why_not(K) is None]
    return {k: v for name in names for k, v in chosen.get(name, {}).items()}


def lever_note(lever: LeverInfo, method_used: str | None, stats: dict[str, Any] | None = None) -> str:
    """A short note next to a lever's switch when it cannot act on the current capacity computation ("" otherwise).

    ``stats`` of the result shown, when there is one, adds what the lever did in that run.
    """
    if method_used is None:
        return ""
    if lever.method != method_used:
        spectrum = " (it does act on the spectrum below)" if lever.method == "reeb" else ""
        return f'not used for this capacity: it is a lever of "{lever.method}", which does not run here{spectrum}'
    inert = _INERT_IN_CAPACITY.get((lever.method, lever.name))
    if inert:
        return inert
    if stats is not None and lever.counter in stats and lever.kind == "bool":
        return f"{lever.counter} = {int(stats[lever.counter])} in the run shown"
    return ""


def settling_methods(K: Polytope, exclude: str) -> list[str]:
    """Exact methods other than ``exclude`` that apply to K, in "auto" order: those that can certify a value."""
    return [s.name for s in methods() if s.name != exclude and s.exact and s.why_not(K) is None]


def sweep_table(summary) -> Any:
    """A :func:`sweep_summary` frame in columns that fit the page: median (min–max) as rounded text.

    Columns ``levers``, ``runs``, ``capacity``, ``seconds`` and the work counter when there is one.
    """
    import pandas as pd

    from ._format import fmt_number, fmt_seconds

    rows = []
    for r in summary.to_dict("records"):
        row = {"levers": r["combo"], "runs": int(r["runs"]), "capacity": fmt_number(r["value"])}
        for key in [k[: -len("_median")] for k in r if k.endswith("_median")]:
            fmt = fmt_seconds if key == "seconds" else (lambda v: fmt_number(v, 6))
            row[key] = f"{fmt(r[key + '_median'])} ({fmt(r[key + '_min'])} – {fmt(r[key + '_max'])})"
        rows.append(row)
    return pd.DataFrame(rows)
