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
    "rotation_impossible": ("search work", "rotation steps that double precision could not decide"),
    "rejected_ball": ("search work", "candidate loops dropped: shorter than the smallest possible orbit (a constant "
                                     "loop around a vertex or edge)"),
    "pruned_fixed_point_action": ("search work", "closed paths dropped: their orbit is no shorter than the best so far"),
    "pruned_zero_time": ("search work", "paths dropped: their last step takes no time (a hop around an edge, found "
                                        "again without the hop)"),
    "deferred": ("search work", "paths the first pass set aside (rotation or c_F rule) for the certifying pass"),
    "imprecise_children": ("search work", "paths followed although rounding errors were large (strongly hyperbolic, "
                                          "or nearly Lagrangian faces)"),
    "unresolved_branches": ("search work", "paths given up as beyond double precision (they leave the result "
                                           "uncertified if they could be shorter)"),
    "certification_nodes": ("search work", "set-aside paths the certifying pass extended (no rotation or c_F rule)"),
    "certification_pruned_action": ("search work", "set-aside paths the certifying pass dropped as too long"),
    "certification_cycles_closed": ("search work", "candidate orbits found by the certifying pass"),
    "certification_imprecise_children": ("search work", "paths the certifying pass followed with large rounding "
                                                        "errors"),
    "certification_unresolved_branches": ("search work", "paths the certifying pass gave up as beyond double "
                                                         "precision"),
    "jump_starts": ("search work", "edges and vertices where the search for orbits through the 1-skeleton starts"),
    "jump_nodes": ("search work", "steps of the search for orbits through edges and vertices (Type 2)"),
    "jump_nodes_face": ("search work", "Type 2 search steps at a 2-face"),
    "jump_nodes_edge": ("search work", "Type 2 search steps at an edge"),
    "jump_nodes_vertex": ("search work", "Type 2 search steps at a vertex"),
    "jump_pruned_empty": ("search work", "Type 2 search steps dropped: no start point can follow them"),
    "jump_pruned_action": ("search work", "Type 2 search steps dropped: every completion is longer than the best"),
    "jump_pruned_facet_repeat": ("search work", "Type 2 search steps dropped for entering a facet twice"),
    "jump_pruned_canonical": ("search work", "Type 2 search steps dropped: the same loop is searched from another "
                                             "start"),
    "jump_pruned_zero_time": ("search work", "Type 2 search steps dropped: the step takes no time"),
    "jump_cycles_closed": ("search work", "closed loops found through edges and vertices"),
    "jump_rejected_numerical": ("search work", "loops through edges and vertices dropped: not rebuilt within "
                                               "tolerance"),
    "jump_rejected_ball": ("search work", "loops through edges and vertices dropped: shorter than any orbit can be "
                                          "(constant loops)"),
    "jump_rejected_outside": ("search work", "loops through edges and vertices dropped: they leave K"),
    "jump_unresolved_branches": ("search work", "Type 2 search steps given up as beyond double precision"),
    "jump_imprecise_children": ("search work", "Type 2 search steps followed with large rounding errors"),
    "jump_exact_branches": ("search work", "given-up Type 2 search steps replayed in exact arithmetic"),
    "jump_exact_resolved": ("search work", "given-up Type 2 search steps settled in exact arithmetic"),
    "jump_exact_nodes": ("search work", "Type 2 search steps taken in exact arithmetic"),
    "jump_exact_unavailable": ("search work", "given-up Type 2 search steps exact arithmetic could not take (a facet "
                                              "whose vertices are not exactly coplanar)"),
    "jump_exact_over_budget": ("search work", "given-up Type 2 search steps beyond the exact phase's node budget"),
    "jump_exact_cycles_closed": ("search work", "closed loops through edges and vertices met in exact arithmetic"),
    "type1_exact_branches": ("search work", "given-up 2-face search steps replayed in exact arithmetic"),
    "type1_exact_resolved": ("search work", "given-up 2-face search steps settled in exact arithmetic"),
    "type1_exact_nodes": ("search work", "2-face search steps taken in exact arithmetic"),
    "type1_exact_unavailable": ("search work", "given-up 2-face search steps exact arithmetic could not take (no "
                                               "exact model of K: neither simple nor exactly coplanar facets)"),
    "type1_exact_over_budget": ("search work", "given-up 2-face search steps beyond the exact phase's node budget"),
    "type1_exact_cycles_closed": ("search work", "closed 2-face loops met in exact arithmetic"),
    "pending_exact_nodes": ("search work", "exact steps spent deciding loops the float checks could not"),
    "exact_resolved": ("search work", "candidates the float checks could not decide, settled in exact arithmetic"),
    "unresolved": ("search work", "candidates neither float nor exact arithmetic could decide (uncertified if "
                                  "shorter than the value)"),
    "unresolved_branches_below_value": ("search work", "given-up paths that could have been shorter than the value"),
    "two_faces": ("polytope size", "2-faces of K (the nodes of the search graph)"),
    "facets": ("polytope size", "facets of K"),
    "graph_edges": ("polytope size", "moves from one 2-face to the next along a facet (edges of the search graph)"),
    "jump_faces_edge": ("polytope size", "edges where the flow passes between two facets without a common 2-face"),
    "jump_faces_vertex": ("polytope size", "vertices where the flow passes between two facets without a common "
                                           "2-face"),
    "jumps": ("polytope size", "moves through such edges and vertices (the extra edges of the Type 2 search)"),
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
                 "degenerate": "degenerate", "orbit_type": "orbit type (2: touches edges or vertices of K)"}


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
