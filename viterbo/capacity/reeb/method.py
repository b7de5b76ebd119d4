"""method="reeb": c_EHZ of a symplectic 4D polytope by the Chaidez–Hutchings combinatorial search.

c_EHZ(K) = min action over Type 1 combinatorial Reeb orbits with rotation
number <= 2 that visit each facet at most once (CH Cor 1.15, Rem 1.19; HK Thm
1.5), found by a branch-and-bound search on the flow graph of 2-faces
(flow_graph.py) with exact prunes: empty domain, action, facet repeat,
rotation (the 4-state lift tracker), c_F budgets and a dominance memo.  The
witness is rebuilt in R^4 as one linear system and validated; its action is
recomputed from the breakpoints.  Results that may hide a Type 2 orbit or a
numerically lost cycle come back with ``certified=False`` and a reason.
"""

from __future__ import annotations

import time
import weakref

import numpy as np

from ..._native_support import kernel_module
from ...errors import MethodNotApplicableError
from ...geometry.lagrangian import LAGRANGIAN_TOL, lagrangianity
from ...geometry.polytope import Polytope
from ...runtime import Budget
from .._common import orbit_from_numpy
from ..result import CapacityResult
from .flow_graph import FlowGraph, build_flow_graph
from .orbit_fit import STATUS_OK
from .search_reference import MAX_DEPTH, Candidate, SearchConfig, SearchOutcome, run_reference_search

__all__ = ["reeb_capacity", "why_not_reeb", "run_search", "flow_graph_of", "NEAR_LAGRANGIAN_TOL"]

#: The certification pass looks for orbits with action below (1 - CHECK_MARGIN) * value.
CHECK_MARGIN = 1e-9

#: 2-faces with |omega(n_a, n_b)| / sin(angle) below this are beyond float64 for the
#: search (reeb-dynamics-4d.md §6 item 11): "reeb" declines and points to Haim-Kislev.
NEAR_LAGRANGIAN_TOL = 1e-4

_GRAPHS: dict[int, FlowGraph] = {}


def flow_graph_of(K: Polytope) -> FlowGraph:
    """The flow graph of K, built once per Polytope object (kept while K lives)."""
    key = id(K)
    G = _GRAPHS.get(key)
    if G is None:
        G = build_flow_graph(K)
        _GRAPHS[key] = G
        weakref.finalize(K, _GRAPHS.pop, key, None)
    return G


def _face_list(faces) -> str:
    shown = ", ".join(f"{i}∩{j}" for i, j in faces[:6])
    return shown + (f", ... ({len(faces)} in all)" if len(faces) > 6 else "")


def why_not_reeb(K: Polytope) -> str | None:
    """None when "reeb" applies to K, else the reason (dimension, (near-)Lagrangian 2-faces)."""
    if K.dim != 4:
        return f'"reeb" is the 4D Chaidez–Hutchings search; K is in R^{K.dim}'
    lag = lagrangianity(K)
    exact = sorted(f for f, v in lag.items() if v <= LAGRANGIAN_TOL)
    if exact:
        return (f'K has Lagrangian 2-faces (facets {_face_list(exact)}); "reeb" needs none. '
                'Use method="haim_kislev" or "billiard"')
    near = sorted((f for f, v in lag.items() if v < NEAR_LAGRANGIAN_TOL), key=lambda f: lag[f])
    if near:
        worst = near[0]
        return (f"K has nearly Lagrangian 2-faces (facets {_face_list(near)}; |omega|/sin = "
                f"{lag[worst]:.2g} < {NEAR_LAGRANGIAN_TOL:g} at {worst[0]}∩{worst[1]}), where float64 cannot "
                'certify the "reeb" search. Use method="haim_kislev"')
    return None


def _native_arrays(G: FlowGraph) -> dict:
    c = np.ascontiguousarray
    return dict(
        N=c(G.N), H=c(G.H), R=c(G.R), face_pairs=c(np.array(G.face_pairs, dtype=np.int64).reshape(-1, 2)),
        face_facets=c(G.face_facets), face_c=c(G.face_c), face_M=c(G.face_M.reshape(-1, 8)),
        face_poly=c(G.face_poly), face_poly_start=c(G.face_poly_start), face_diam=c(G.face_diam),
        face_cF=c(G.face_cF), edge_src=c(G.edge_src), edge_dst=c(G.edge_dst), edge_facet=c(G.edge_facet),
        edge_A=c(G.edge_A.reshape(-1, 4)), edge_b=c(G.edge_b), edge_alpha=c(G.edge_alpha),
        edge_beta=c(G.edge_beta), edge_hp_start=c(G.edge_hp_start), hp_a=c(G.hp_a), hp_c=c(G.hp_c),
        edge_minf=c(G.edge_minf), scale=float(G.scale), inradius=float(G.inradius))


def _run_native(native, G: FlowGraph, cfg: SearchConfig, budget: Budget | None) -> SearchOutcome:
    seconds = -1.0 if budget is None else budget.remaining_or_negative()
    raw = native.reeb_search(_native_arrays(G), spectrum=cfg.spectrum, rotation_cap=cfg.rotation_cap,
                             use_cF_budgets=cfg.use_cF_budgets, use_memo=cfg.use_memo,
                             action_cap=cfg.action_cap, seconds=seconds,
                             max_orbits=-1 if cfg.max_orbits is None else int(cfg.max_orbits),
                             incumbent=cfg.incumbent)
    out = SearchOutcome()
    out.stats.update({k: int(v) for k, v in raw["stats"].items()})
    out.min_rejected_estimate = float(raw["min_rejected_estimate"])
    out.min_thin_bound = float(raw["min_thin_bound"])
    out.timed_out = bool(raw["timed_out"])
    out.depth_exceeded = bool(raw["depth_exceeded"])
    cands = []
    for o in raw["orbits"]:
        cands.append(Candidate(tuple(int(f) for f in o["faces"]), np.asarray(o["x"]).reshape(-1, 4),
                               np.asarray(o["t"]), float(o["action"]), int(o["code"]), float(o["rho"]),
                               np.asarray(o["A"]).reshape(2, 2), bool(o["degenerate"]), int(o["status"]),
                               float(o["estimate"])))
    if cfg.spectrum:
        out.orbits = cands
    elif cands:
        out.best = cands[0]
    return out


def run_search(K: Polytope, cfg: SearchConfig, budget: Budget | None = None,
               implementation: str | None = None) -> tuple[FlowGraph, SearchOutcome]:
    """Build (or reuse) the flow graph and run the search with C++ or the Python reference.

    ``implementation``: None (the compiled kernel when available), "native" or "python";
    ``out.implementation`` records which ran.  Raises TimeBudgetExceededError when the budget ran out.
    """
    G = flow_graph_of(K)
    native = kernel_module(implementation, "reeb_search", 'method="reeb"')
    if native is not None:
        out = _run_native(native, G, cfg, budget)
    else:
        if budget is not None and budget.deadline is not None:
            cfg.deadline = budget.deadline
        out = run_reference_search(G, cfg)
    out.implementation = "native" if native is not None else "python"
    if out.depth_exceeded:
        raise MethodNotApplicableError(
            f"reeb: a search path grew beyond {MAX_DEPTH} 2-faces (tiny c_F constants: nearly Lagrangian "
            'faces); lower rotation_cap or max_action, or use method="haim_kislev".')
    if out.timed_out:
        what = f"{out.stats['nodes_expanded']} nodes expanded"
        if budget is not None:
            raise budget.exceeded(what)
        from ...errors import TimeBudgetExceededError
        raise TimeBudgetExceededError(f"reeb search exceeded its time budget ({what}).")
    return G, out


def certification(G: FlowGraph, out: SearchOutcome, best: Candidate | None, value: float) -> list[str]:
    """Reasons why ``value`` is not proved (empty list when it is).  reeb-dynamics-4d.md §5.5, §6."""
    reasons = []
    lim = value * (1.0 - 1e-9)
    if best is not None and best.status != STATUS_OK:
        reasons.append("the minimising orbit touches the 1-skeleton within tolerance (a Type 2 orbit or a "
                       "boundary fixed point); Type 2 orbits are not searched exhaustively")
    if out.min_rejected_estimate < lim:
        reasons.append(f"a cycle with estimated action {out.min_rejected_estimate:.12g} < {value:.12g} "
                       "was rejected for numerical reasons (reconstruction or domain margin)")
    if out.min_thin_bound < lim:
        reasons.append(f"a candidate domain thinned to a segment with action bound {out.min_thin_bound:.12g} "
                       f"< {value:.12g} was pruned; a Type 2 orbit through the 1-skeleton is not excluded")
    if out.stats.get("rotation_impossible", 0):
        reasons.append(f"{out.stats['rotation_impossible']} rotation-class transitions were impossible in "
                       "floating point (traces within rounding of +-2)")
    return reasons


def reeb_capacity(K: Polytope, *, budget: Budget, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
                  use_memo: bool = True, implementation: str | None = None) -> CapacityResult:
    """c_EHZ(K) for a 4D polytope without Lagrangian 2-faces, with a witness orbit.

    Parameters
    ----------
    K : Polytope
        In R^4, no Lagrangian (or nearly Lagrangian) 2-face.
    budget : Budget
        Deadline passed in by :func:`viterbo.capacity`.
    rotation_cap : float
        Only orbits with combinatorial rotation number <= rotation_cap are
        searched (2 suffices for c_EHZ, CH Cor 1.15; a larger cap only
        searches more).
    use_cF_budgets : bool
        Prune paths whose c_F sum plus the cheapest return exceeds the cap.
    use_memo : bool
        Dominance memo (exact up to rounding: equal maps up to 1e-9, domain
        containment and pointwise smaller action checked on vertices with a
        1e-12 relative margin).  Distinct paths to a face that are not
        prefixes of one another have disjoint open domains, so only an
        ancestor at the same face can dominate: the memo is consulted when a
        path returns to a face.  Under facet-once that never happens (so
        ``memo_size`` stays 0 here); in :func:`viterbo.spectrum` it does.
    implementation : {None, "native", "python"}
        None: the compiled kernel when available; "native" requires it; "python" forces the
        pure-Python reference (parity tests).  ``stats["implementation"]`` records which ran.

    Returns
    -------
    CapacityResult
        ``certified=False`` with ``reason`` when a Type 2 orbit or a
        numerically rejected cycle could undercut the value.  The search
        runs twice: with facet-once (HK Thm 1.5; fast, finds the value), then
        without it, capped at the value found (``stats["certification_nodes"]``),
        so that the value never rests on combining facet-once with rho <= 2,
        which is not proved (CH Rem 1.19).

    Raises
    ------
    MethodNotApplicableError
        When no admissible orbit was found (should not happen on a symplectic polytope).
    TimeBudgetExceededError
        When the budget runs out.

    References
    ----------
    J. Chaidez, M. Hutchings, "Computing Reeb dynamics on four-dimensional
    convex polytopes", J. Comput. Dyn. (2021), Thm 1.11, Cor 1.15, Rem 1.19.
    P. Haim-Kislev, GAFA 29 (2019), Thm 1.5.

    Examples
    --------
    >>> import viterbo as vb
    >>> r = vb.capacity(vb.families.cross_polytope(), method="reeb")
    >>> round(r.value, 9), r.verify()
    (1.0, True)
    """
    start = time.perf_counter()
    cfg = SearchConfig(rotation_cap=rotation_cap, use_cF_budgets=use_cF_budgets, use_memo=use_memo)
    G, out = run_search(K, cfg, budget, implementation)
    best = out.best
    if best is None:
        raise MethodNotApplicableError(
            "reeb: the search found no admissible closed orbit (rotation <= "
            f"{rotation_cap}); this contradicts CH Cor 1.15 for a symplectic polytope, so the input is "
            'probably degenerate. Use method="haim_kislev".')
    # Certification pass: the facet-once restriction combined with rho <= cap is not proved
    # (reeb-dynamics-4d.md §5.2), so search again without it, with the value found as the
    # action cap: any Type 1 orbit with rho <= cap and smaller action would show up here.
    check_cfg = SearchConfig(spectrum=True, rotation_cap=rotation_cap, use_cF_budgets=use_cF_budgets,
                             use_memo=use_memo, action_cap=float(best.action) * (1.0 - CHECK_MARGIN))
    _, check = run_search(K, check_cfg, budget, implementation)
    missed = min(check.orbits, key=lambda c: c.action, default=None)
    if missed is not None and missed.action < best.action:
        best = missed
    out.min_rejected_estimate = min(out.min_rejected_estimate, check.min_rejected_estimate)
    out.min_thin_bound = min(out.min_thin_bound, check.min_thin_bound)
    out.stats["rotation_impossible"] += check.stats["rotation_impossible"]
    value = float(best.action)
    reasons = certification(G, out, best, value)
    if missed is not None:
        reasons.append("the search without facet-once found a shorter orbit than the facet-once search "
                       "(CH Rem 1.19 combined with rho <= 2 failed here); the shorter one is reported")
    facets = [int(G.face_facets[f, 1]) for f in best.faces]
    orbit = orbit_from_numpy(K, best.x + G.centre, facets)
    stats = dict(out.stats)
    stats.update({"certification_nodes": check.stats["nodes_expanded"],
                  "certification_cycles_closed": check.stats["cycles_closed"],
                  "two_faces": G.n_faces, "facets": G.n_facets, "graph_edges": G.n_edges,
                  "rotation": best.rho, "segments": len(best.faces), "degenerate": bool(best.degenerate),
                  "implementation": out.implementation,
                  "seconds": time.perf_counter() - start})
    params = {"rotation_cap": rotation_cap, "use_cF_budgets": use_cF_budgets, "use_memo": use_memo}
    return CapacityResult(value=value, method="reeb", orbit=orbit, stats=stats, polytope=K, params=params,
                          certified=not reasons, reason="; ".join(reasons) if reasons else None)
