"""The counters in a result's ``stats``, grouped and described in plain words."""

from __future__ import annotations

from typing import Any

from ._format import fmt_number
from ._methods import reported_counters

__all__ = ["COUNTER_GROUPS", "COUNTER_INFO", "WITNESS_FACTS", "counters_frame", "witness_facts", "describe_counter"]

#: The two groups the notebook charts, in order.
COUNTER_GROUPS = ("search work", "polytope size")

#: counter -> (group, one line in plain words).  A counter not listed here is shown under
#: "search work" with a note that it has no description yet.
COUNTER_INFO: dict[str, tuple[str, str]] = {
    # method "reeb": the Chaidez-Hutchings search over paths of 2-faces
    "nodes_expanded": ("search work", "partial paths of 2-faces the search extended (its main unit of work)"),
    "pruned_empty": ("search work", "paths dropped because no starting point can follow them (empty domain)"),
    "pruned_action": ("search work", "paths dropped because every completion is longer than the best orbit so far"),
    "pruned_rotation": ("search work", "paths dropped because they already turn more than rotation_cap allows"),
    "pruned_cF_budget": ("search work", "paths dropped by the c_F budget rule (lever use_cF_budgets)"),
    "pruned_memo": ("search work", "paths dropped because an earlier path to the same 2-face did at least as well "
                                   "(lever use_memo)"),
    "pruned_facet_repeat": ("search work", "paths dropped for entering a facet twice (the capacity search allows "
                                           "each facet once)"),
    "memo_hits": ("search work", "look-ups in the dominance memo that found an entry"),
    "memo_size": ("search work", "entries stored in the dominance memo"),
    "cycles_closed": ("search work", "paths that closed up into a candidate orbit"),
    "fixed_points_rejected": ("search work", "candidate orbits dropped: their return map has no usable fixed point"),
    "rejected_outside_domain": ("search work", "candidate orbits dropped: the fixed point lies outside the domain"),
    "rejected_numerical": ("search work", "candidate orbits dropped: the orbit could not be rebuilt within tolerance"),
    "cycles_nonprimitive": ("search work", "candidate orbits that repeat a shorter cycle (kept once)"),
    "cycles_duplicate_rotation": ("search work", "candidate orbits found again from another starting face"),
    "thin_segments": ("search work", "domains that shrank to a segment (a Type 2 orbit could hide there)"),
    "rotation_impossible": ("search work", "rotation steps that double precision could not decide"),
    "certification_nodes": ("search work", "paths extended by the second, certifying search (no facet-once rule)"),
    "certification_cycles_closed": ("search work", "candidate orbits found by the certifying search"),
    "two_faces": ("polytope size", "2-faces of K (the nodes of the search graph)"),
    "facets": ("polytope size", "facets of K"),
    "graph_edges": ("polytope size", "moves from one 2-face to the next along a facet (edges of the search graph)"),
    # method "haim_kislev": ordered facet subsets
    "subsets_examined": ("search work", "ordered facet subsets examined (its main unit of work)"),
    "kkt_solves": ("search work", "small linear systems solved (the optimality conditions of one subset)"),
    "pruned_swap": ("search work", "orders dropped because swapping two neighbours gives more (lever swap_rule)"),
    "pruned_commute": ("search work", "orders dropped as equivalent to one already counted (lever commute_rule)"),
    "pruned_inertia": ("search work", "prefixes dropped: they cannot be a maximum (lever inertia_rule)"),
    "pruned_closure": ("search work", "facets dropped: they cannot close up a loop"),
    "pruned_reach": ("search work", "prefixes dropped: no allowed facet can follow them"),
    "pairs": ("polytope size", "antipodal facet pairs of a centrally symmetric K"),
    # method "billiard": Minkowski billiards in a Lagrangian product
    "types": ("search work", "combinatorial types of billiard trajectory tried"),
    "lp_solved": ("search work", "linear programs solved (one per type)"),
}

#: Integer entries of ``stats`` that describe the witness, not the work (shown with the witness).
WITNESS_FACTS = {"segments": "segments", "bounces": "bounces", "rotation": "rotation number",
                 "degenerate": "degenerate"}


def describe_counter(name: str, method: str | None = None) -> tuple[str, str]:
    """``(group, description)`` of a counter; unknown counters go to "search work"."""
    if name in COUNTER_INFO:
        return COUNTER_INFO[name]
    who = f' by "{method}"' if method else ""
    return "search work", f"reported{who}; no description yet"


def counters_frame(stats: dict[str, Any], method: str | None = None) -> Any:
    """The integer counters of a result's ``stats``: columns ``group``, ``counter``, ``count``, ``what``.

    Rows are ordered by group (:data:`COUNTER_GROUPS`), then as the method contract lists its counters
    (the work counter first), then as the method reported the others.
    ``seconds``, non-integers and witness facts (:data:`WITNESS_FACTS`) are left out.

    Examples
    --------
    >>> counters_frame({"nodes_expanded": 10, "facets": 8, "segments": 4, "seconds": 0.1})["counter"].tolist()
    ['nodes_expanded', 'facets']
    """
    import pandas as pd

    rows = []
    for key, val in stats.items():
        if isinstance(val, bool) or not isinstance(val, int) or key in WITNESS_FACTS:
            continue
        group, what = describe_counter(key, method)
        rows.append({"group": group, "counter": key, "count": int(val), "what": what})
    order = reported_counters(method)  # the contract's list, the work counter first
    rows.sort(key=lambda r: (COUNTER_GROUPS.index(r["group"]),
                             order.index(r["counter"]) if r["counter"] in order else len(order)))
    return pd.DataFrame(rows, columns=["group", "counter", "count", "what"])


def witness_facts(stats: dict[str, Any]) -> dict[str, str]:
    """The witness facts in ``stats`` (segments, bounces, rotation, degenerate) as label -> text."""
    return {label: fmt_number(stats[key], 6) for key, label in WITNESS_FACTS.items() if key in stats}
