"""What the notebooks need to know about the capacity methods: names, applicability, levers, sweeps.

Everything the notebooks read from the method registry goes through this module, so that the
switch to a new registry contract touches this file only.  The lever controls are generated from
the registry: a method's boolean levers come from its keyword parameters (as the lever sweep sees
them), its float levers from :data:`_FLOAT_LEVERS`, and each lever's one-line description from
the method's numpydoc.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from .. import profiling as _profiling
from ..capacity import choose_method
from ..capacity import method_names as _method_names
from ..capacity._registry import get_method, methods
from ..errors import MethodNotApplicableError
from ..geometry.polytope import Polytope

__all__ = ["LeverInfo", "method_names", "method_table", "resolve_method", "lever_catalogue",
           "capacity_levers", "lever_note", "settling_methods", "LEVER_COUNTERS", "lever_grid", "lever_sweep",
           "sweep_summary", "sweep_disagreement", "work_counter", "profile_capacity", "snakeviz_command",
           "start_snakeviz", "top_functions", "sweep_table"]

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

#: Float levers and their slider ranges (the registry declares boolean levers only).
#: rotation_cap starts at 2: a smaller cap could report a non-minimal action (Chaidez-Hutchings Cor 1.15).
_FLOAT_LEVERS: dict[str, dict[str, tuple[float, float, float]]] = {"reeb": {"rotation_cap": (2.0, 4.0, 0.25)}}

#: Keyword parameters that choose an implementation or output, not a pruning rule.
_NOT_LEVERS = {"use_native", "implementation", "progress", "variant"}

#: Which counter in ``result.stats`` shows a lever at work.
LEVER_COUNTERS = {"use_cF_budgets": "pruned_cF_budget", "use_memo": "pruned_memo", "swap_rule": "pruned_swap",
                  "commute_rule": "pruned_commute", "inertia_rule": "pruned_inertia"}

#: Plain words for levers whose docstring opens with a term of art.
_PLAIN_LEVER_TEXT = {("reeb", "use_memo"): "Skip a path that comes back to a 2-face where an earlier path did "
                                           "at least as well (dominance memo)."}

#: Levers that are accepted but cannot act on a capacity computation, and why (plain words).
_INERT_IN_CAPACITY = {
    ("reeb", "use_memo"): ("cannot act on the capacity search: there every path visits each facet once, so it never "
                           "returns to a 2-face and the memo is never consulted; it prunes the spectrum search"),
}


@dataclass(frozen=True)
class LeverInfo:
    """One lever of one method, as the notebook shows it."""

    method: str
    name: str
    kind: str  # "bool" or "float"
    default: Any
    description: str
    low: float | None = None
    high: float | None = None
    step: float | None = None


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


def _param_docs(func) -> dict[str, str]:
    """First sentence of each parameter's numpydoc description."""
    doc = inspect.getdoc(func) or ""
    match = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    if not match:
        return {}
    docs: dict[str, str] = {}
    current = None
    for line in match.group(1).splitlines():
        head = re.match(r"^(\w+)(?:, (\w+))*\s*:", line)
        if head and not line.startswith(" "):
            names = [n.strip() for n in line.split(":")[0].split(",")]
            current = names
            for n in names:
                docs[n] = ""
        elif current and line.strip():
            for n in current:
                docs[n] = (docs[n] + " " + line.strip()).strip()
    return {n: _first_sentence(text) for n, text in docs.items()}


def _first_sentence(text: str) -> str:
    """The first sentence of ``text`` without asides in parentheses ("(exact; see ...)")."""
    plain, depth = [], 0
    for i, ch in enumerate(text):
        if ch == "(" and (i == 0 or not text[i - 1].isalnum()):
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            continue
        if depth:
            continue
        plain.append(ch)
        if ch == "." and (i + 1 == len(text) or text[i + 1] == " "):
            break
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s+", " ", "".join(plain))).strip()


def lever_catalogue() -> dict[str, list[LeverInfo]]:
    """The levers of every registered method that has some, in "auto" order."""
    catalogue: dict[str, list[LeverInfo]] = {}
    for spec in methods():
        defaults = _profiling.method_parameters(spec.name)
        docs = _param_docs(spec.func)
        levers = []
        for name, (low, high, step) in _FLOAT_LEVERS.get(spec.name, {}).items():
            if name in defaults:
                levers.append(LeverInfo(spec.name, name, "float", float(defaults[name]), docs.get(name, ""),
                                        low, high, step))
        for name, default in defaults.items():
            if isinstance(default, bool) and name not in _NOT_LEVERS:
                text = _PLAIN_LEVER_TEXT.get((spec.name, name)) or docs.get(name, "")
                levers.append(LeverInfo(spec.name, name, "bool", default, text))
        if levers:
            catalogue[spec.name] = levers
    return catalogue


def capacity_levers(method: str, chosen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The keyword arguments ``capacity(K, method=method)`` gets from the chosen levers (``{method: {lever: value}}``)."""
    return dict(chosen.get(method, {}))


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
    counter = LEVER_COUNTERS.get(lever.name)
    if stats is not None and counter in stats and lever.kind == "bool":
        return f"{counter} = {int(stats[counter])} in the run shown"
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
