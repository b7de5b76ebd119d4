"""method="reeb": c_EHZ of a symplectic 4D polytope by the Chaidez–Hutchings search, certified.

c_EHZ(K) = min action over closed facet polygons that visit each facet at
most once (reeb-certification.md (★): HK Def 2.1 and Thm 1.5).  The call runs
(§5 there):

1. the fast pass: 2-face cycles with closed domains, facet-once, the levers
   (rotation cap, c_F budgets, memo); children cut by the rotation or c_F
   prune are deferred;
2. the certification pass: the deferred children without those prunes, and
   the jump search (Type 2 orbits through edges and vertices where the flow
   passes between facets without a common 2-face), both against the value
   found;
3. exact rational re-evaluation of cycles the float checks rejected below the
   value, and of the winner on nearly Lagrangian input; jump and 2-face
   branches the float searches gave up as beyond float64 are replayed and
   finished exactly (jump_exact.py, type1_exact.py).

``certified=True`` then means: nothing shorter exists (up to the rounding
model of reeb-certification.md §7) and the witness verifies.
"""

from __future__ import annotations

import math
import time
import weakref

import numpy as np

from ..._native_support import kernel_module
from ...errors import MethodNotApplicableError, TimeBudgetExceededError
from ...geometry.lagrangian import LAGRANGIAN_TOL, lagrangianity
from ...geometry.polytope import Polytope
from ...runtime import Budget
from .._common import orbit_from_numpy
from ..result import CapacityResult
from .exact import exact_cycle
from .flow_graph import FlowGraph, build_flow_graph
from .jump_exact import resolve_jump_branches
from .jump_reference import JUMP_STAT_KEYS, run_jump_search
from .native_bridge import run_native_capacity, run_native_search
from .orbit_fit import STATUS_OK, clean_witness
from .search_reference import (Candidate, SearchConfig, SearchOutcome, run_deferred, run_reference_search)
from .skeleton import Skeleton, build_skeleton
from .tolerances import ACTION_TIE, MAX_DEPTH
from .type1_exact import resolve_type1_branches

__all__ = ["reeb_capacity", "why_not_reeb", "run_search", "flow_graph_of", "skeleton_of", "NEAR_LAGRANGIAN_TOL"]

#: 2-faces with |omega(n_a, n_b)| / sin(angle) below this are "nearly Lagrangian": computed like the
#: others (with error bounds that grow like 1/|omega|), and the witness is re-evaluated exactly.
NEAR_LAGRANGIAN_TOL = 1e-4

#: Test hook: (escalate, imprecise_budget) of the float jump search instead of (ESCALATE, IMPRECISE_BUDGET);
#: (0.0, 0) gives every jump branch up at once, so the exact phase (jump_exact.py) runs the whole jump search.
_JUMP_LIMITS: tuple[float, int] | None = None
#: The same for the 2-face search (both passes); its given-up branches go to type1_exact.py.
_TYPE1_LIMITS: tuple[float, int] | None = None


class _PerPolytope:
    """A cache keyed by the Polytope object itself (identity), holding it weakly.

    Polytope equality is geometric (within 1e-9), so a WeakKeyDictionary would
    hand one polytope's flow graph to a nearby but different one; this keys by
    identity and drops the entry when the polytope is collected.
    """

    def __init__(self):
        self._entries: dict[int, tuple] = {}

    def get(self, K: Polytope):
        entry = self._entries.get(id(K))
        if entry is not None and entry[0]() is K:
            return entry[1]
        return None

    def put(self, K: Polytope, value) -> None:
        key = id(K)
        entries = self._entries

        def drop(ref, key=key):
            if entries.get(key, (None,))[0] is ref:
                del entries[key]

        entries[key] = (weakref.ref(K, drop), value)

    def __len__(self) -> int:
        return len(self._entries)


_GRAPHS = _PerPolytope()
_SKELETONS = _PerPolytope()


def flow_graph_of(K: Polytope) -> FlowGraph:
    """The flow graph of K, built once per Polytope object (kept while K lives)."""
    G = _GRAPHS.get(K)
    if G is None:
        G = build_flow_graph(K)
        _GRAPHS.put(K, G)
    return G


def skeleton_of(K: Polytope, G: FlowGraph) -> Skeleton:
    """The jump faces of K (skeleton.py), built once per Polytope object."""
    S = _SKELETONS.get(K)
    if S is None:
        S = build_skeleton(K, G)
        _SKELETONS.put(K, S)
    return S


def _face_list(faces) -> str:
    shown = ", ".join(f"{i}∩{j}" for i, j in faces[:6])
    return shown + (f", ... ({len(faces)} in all)" if len(faces) > 6 else "")


def why_not_reeb(K: Polytope) -> str | None:
    """None when "reeb" applies to K, else the reason (dimension, Lagrangian 2-faces)."""
    if K.dim != 4:
        return f'"reeb" is the 4D Chaidez–Hutchings search; K is in R^{K.dim}'
    lag = lagrangianity(K)
    exact = sorted(f for f, v in lag.items() if v <= LAGRANGIAN_TOL)
    if exact:
        return (f'K has Lagrangian 2-faces (facets {_face_list(exact)}; |omega|/sin <= {LAGRANGIAN_TOL:g}, the '
                'tolerance at which the hull decides its faces); "reeb" needs none. '
                'Use method="haim_kislev" or "billiard"')
    return None


def _use_cpp(implementation: str | None) -> bool:
    """True when the compiled certifying search runs (see viterbo._native_support.kernel_module)."""
    return kernel_module(implementation, "reeb_capacity_search", 'method="reeb"') is not None


def _raise_if_stopped(out: SearchOutcome, budget: Budget | None) -> None:
    if out.depth_exceeded:
        # Only the spectrum search (no facet-once) caps its paths; the capacity search's paths have at
        # most m faces (Lemma 2), so this is never raised for capacity().
        raise MethodNotApplicableError(
            f"reeb spectrum: a search path grew beyond {MAX_DEPTH} 2-faces without closing below max_action "
            "(orbits that wind many times around nearly Lagrangian faces); lower max_action.")
    if out.timed_out:
        what = f"{out.stats['nodes_expanded']} nodes expanded"
        if budget is not None:
            raise budget.exceeded(what)
        raise TimeBudgetExceededError(f"reeb search exceeded its time budget ({what}).")


def run_search(K: Polytope, cfg: SearchConfig, budget: Budget | None = None,
               implementation: str | None = None) -> tuple[FlowGraph, SearchOutcome]:
    """Build (or reuse) the flow graph and run one 2-face search (the fast pass, or the spectrum).

    ``implementation``: None (the compiled kernel when available), "native" or "python".
    Raises TimeBudgetExceededError when the budget ran out.
    """
    G = flow_graph_of(K)
    native = _use_cpp(implementation)
    if native:
        out = run_native_search(G, cfg, budget)
    else:
        if budget is not None and budget.deadline is not None:
            cfg.deadline = budget.deadline
        out = run_reference_search(G, cfg)
    out.implementation = "native" if native else "python"
    _raise_if_stopped(out, budget)
    return G, out


def _run_capacity_python(K, G, cfg, budget):
    deadline = budget.deadline if budget is not None else None
    cfg.deadline = deadline
    out = run_reference_search(G, cfg)
    _raise_if_stopped(out, budget)
    t_cert = time.perf_counter()
    cert = SearchConfig(certify=True, deadline=deadline, jump_escalate=cfg.jump_escalate,
                        jump_imprecise_budget=cfg.jump_imprecise_budget, escalate=cfg.escalate,
                        imprecise_budget=cfg.imprecise_budget)
    s_def = run_deferred(G, cert, out, out.deferred)
    _raise_if_stopped(out, budget)
    S = skeleton_of(K, G)
    s_jump = run_jump_search(G, S, cert, out)
    _raise_if_stopped(out, budget)
    stats = dict(out.stats)
    stats["certification_nodes"] = s_def["nodes_expanded"]
    stats["certification_pruned_action"] = s_def["pruned_action"]
    stats["certification_cycles_closed"] = s_def["cycles_closed"]
    stats["certification_imprecise_children"] = s_def["imprecise_children"]
    stats["certification_unresolved_branches"] = s_def["unresolved_branches"]
    stats.update(s_jump)
    stats["jump_faces_edge"] = int((S.jf_kind == 1).sum())
    stats["jump_faces_vertex"] = int((S.jf_kind == 0).sum())
    stats["jumps"] = S.n_jumps
    return out, stats, time.perf_counter() - t_cert


def _of_value(action: float, value: float) -> str:
    """An action as a multiple of the value (reasons are read in the user's units; the search ran in a frame)."""
    if not math.isfinite(value) or value <= 0:
        return f"{action:.6g} (in the search's units)"
    return f"{action / value:.6g} times the value"


def _exact_phase_note(stats: dict) -> str:
    """Why the exact phases (jump_exact.py, type1_exact.py) left branches open, if they did."""
    parts = []
    for kind, label in (("jump", "jump"), ("type1", "2-face")):
        if stats.get(f"{kind}_exact_over_budget"):
            parts.append(f"{stats[f'{kind}_exact_over_budget']} {label} branches beyond the node budget "
                         f"({stats[f'{kind}_exact_nodes']} exact nodes)")
        if stats.get(f"{kind}_exact_unavailable"):
            parts.append(f"{stats[f'{kind}_exact_unavailable']} {label} branches through facets the exact polytope "
                         "cannot be built for: K is neither simplicial nor simple and its float vertices are not "
                         "exactly coplanar")
    return f", and exact arithmetic left them open ({'; '.join(parts)})" if parts else ""


def _resolve_pending(K, G: FlowGraph, out: SearchOutcome, stats: dict, deadline: float | None) -> list[str]:
    """Exact re-evaluation of cycles the float checks rejected below the value; the unresolved ones.

    A 2-face cycle is replayed in integers on the exact polytope (type1_exact.py: its fixed set in the
    closed domain, a family included); where no exact polytope can be built, the rational evaluation on
    the float data (exact.py) decides it."""
    unresolved = []
    resolved = 0
    v = out.best.action if out.best is not None else math.inf
    # Only 2-face cycles are pending: jump cycles the float checks reject are recorded as jump branches.
    cycles = [p for p in sorted(out.pending, key=lambda p: p[2]) if not p[2] >= v * (1.0 - ACTION_TIE)]
    assert all(p[0] == 1 for p in cycles)
    if cycles:
        local: dict = {}
        left = resolve_type1_branches(K, G, skeleton_of(K, G), out, local, deadline=deadline,
                                      branches=[(1, -math.inf, math.nan, tuple(f) + (f[0],)) for _k, f, _e in cycles])
        resolved += len(cycles) - len(left)
        stats["pending_exact_nodes"] = local.get("type1_exact_nodes", 0)
        if local.get("winner_from_exact_type1"):
            stats["winner_from_exact_type1"] = stats["winner_from_exact_resolution"] = True
            stats["exact_action"] = local["exact_action"]
        open_paths = {tuple(u[3]) for u in left}
        cycles = [c for c in cycles if tuple(c[1]) + (c[1][0],) in open_paths]
    for _kind, faces, est in cycles:
        v = out.best.action if out.best is not None else math.inf
        if est >= v * (1.0 - ACTION_TIE):
            continue
        ex = exact_cycle(G, list(faces))
        if ex.status == "excluded":
            resolved += 1
            continue
        if ex.status == "valid":
            resolved += 1
            action = float(ex.action)
            if action < v * (1.0 - ACTION_TIE):
                flows = [int(G.face_facets[f, 1]) for f in faces]
                out.best = Candidate(tuple(faces), ex.x, ex.t, action, 0, math.nan, np.eye(2), False, STATUS_OK, est,
                                     1, flows, 1)
                stats["winner_from_exact_resolution"] = True
            else:
                out.min_other_action = min(out.min_other_action, action)
            continue
        what = (f"estimated action {_of_value(est, out.best.action if out.best is not None else math.inf)}"
                if math.isfinite(est) else "its return map singular in float64")
        unresolved.append(f"a degenerate 2-face cycle ({len(faces)} faces) with {what}")
    stats["exact_resolved"] = resolved
    stats["unresolved"] = len(unresolved)
    return unresolved


def reeb_capacity(K: Polytope, *, budget: Budget, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
                  use_memo: bool = True, implementation: str | None = None) -> CapacityResult:
    """c_EHZ(K) for a 4D polytope without Lagrangian 2-faces, with a witness orbit and a certificate.

    Parameters
    ----------
    K : Polytope
        In R^4, no Lagrangian 2-face (|omega|/sin <= 1e-9); nearly Lagrangian
        faces are computed, with error bounds and an exact re-check.
    budget : Budget
        Deadline passed in by :func:`viterbo.capacity`.
    rotation_cap : float
        The fast pass searches orbits with combinatorial rotation number <=
        rotation_cap first (2 suffices for c_EHZ, CH Cor 1.15); what it cuts
        is searched by the certification pass, so the value never depends on it.
    use_cF_budgets : bool
        Fast pass: prune paths whose c_F sum plus the cheapest return exceeds
        the cap (deferred to the certification pass, like the rotation prune).
    use_memo : bool
        Dominance memo (only ever fires without facet-once, i.e. in
        :func:`viterbo.spectrum`; kept as a lever for symmetry).
    implementation : {None, "native", "python"}
        None: the compiled kernel when available; "native" requires it; "python" forces the
        pure-Python reference (parity tests).  ``stats["implementation"]`` records which ran.

    Returns
    -------
    CapacityResult
        ``certified=True`` when the certification pass finished and nothing
        with smaller action was left open; otherwise ``reason`` says what was
        not excluded.  ``stats`` has the counters of every pass (fast pass:
        ``nodes_expanded`` ...; deferred children: ``certification_*``; jump
        search: ``jump_*``), ``orbit_type`` (1 or 2) and ``winner`` ("2-face
        cycle" or "jump cycle"), ``certification_margin`` and, when computed,
        ``exact_action``.

    Raises
    ------
    MethodNotApplicableError
        When no admissible orbit was found (should not happen on a symplectic polytope).
    TimeBudgetExceededError
        When the budget runs out.

    References
    ----------
    J. Chaidez, M. Hutchings, "Computing Reeb dynamics on four-dimensional
    convex polytopes", J. Comput. Dyn. (2021), Def 1.6, Cor 1.15, Rem 1.19.
    P. Haim-Kislev, GAFA 29 (2019), Def 2.1, Thm 1.5.
    docs/math/reeb-certification.md.

    Examples
    --------
    >>> import viterbo as vb
    >>> r = vb.capacity(vb.families.cross_polytope(), method="reeb")
    >>> round(r.value, 9), r.certified, r.verify()
    (1.0, True, True)
    """
    start = time.perf_counter()
    for name, val in (("rotation_cap", rotation_cap),):
        if not isinstance(val, (int, float)) or not math.isfinite(val) or val <= 0:
            raise MethodNotApplicableError(f"reeb: {name} must be a positive finite number; got {val!r}.")
    G = flow_graph_of(K)
    cfg = SearchConfig(rotation_cap=rotation_cap, use_cF_budgets=use_cF_budgets, use_memo=use_memo)
    if _JUMP_LIMITS is not None:
        cfg.jump_escalate, cfg.jump_imprecise_budget = float(_JUMP_LIMITS[0]), int(_JUMP_LIMITS[1])
    if _TYPE1_LIMITS is not None:
        cfg.escalate, cfg.imprecise_budget = float(_TYPE1_LIMITS[0]), int(_TYPE1_LIMITS[1])
    cpp = _use_cpp(implementation)
    if cpp:
        S = skeleton_of(K, G)
        out, stats, cert_seconds = run_native_capacity(G, S, cfg, budget)
        _raise_if_stopped(out, budget)
    else:
        out, stats, cert_seconds = _run_capacity_python(K, G, cfg, budget)
    t_exact = time.perf_counter()
    deadline = budget.deadline if budget is not None else None
    unresolved = _resolve_pending(K, G, out, stats, deadline)
    # Jump branches given up as beyond float64: replayed and finished in rationals (jump_exact.py).
    left = resolve_jump_branches(K, G, skeleton_of(K, G), out, stats, deadline=deadline)
    # 2-face branches given up as beyond float64: the same, with 2-D domains (type1_exact.py).
    left += resolve_type1_branches(K, G, skeleton_of(K, G), out, stats, deadline=deadline)
    out.unresolved = [u for u in out.unresolved if not u[3]] + left
    best = out.best
    if best is None and out.unresolved:
        raise MethodNotApplicableError(
            f"reeb: no closed orbit was found outside {len(out.unresolved)} search branches beyond float64 "
            "(strongly hyperbolic paths near nearly Lagrangian faces), so there is no value to report; "
            'use method="haim_kislev".')
    if best is None:
        raise MethodNotApplicableError(
            "reeb: the search found no closed orbit; this contradicts HK Thm 1.5 for a polytope, so the input is "
            'probably degenerate. Use method="haim_kislev".')
    value = float(best.action)
    near = float(G.face_symplecticity.min()) < NEAR_LAGRANGIAN_TOL
    if best.kind == 1 and not stats.get("winner_from_exact_type1") and (
            near or stats.get("winner_from_exact_resolution")):
        ex = exact_cycle(G, list(best.faces))
        stats["exact_status"] = ex.status
        if ex.status == "valid":
            stats["exact_action"] = float(ex.action)
    cert_seconds += time.perf_counter() - t_exact
    reasons = []
    beyond = [u for u in out.unresolved if not u[1] >= value * (1.0 - ACTION_TIE)]  # NaN bounds stay
    stats["unresolved_branches_below_value"] = len(beyond)
    if beyond:
        worst = min(beyond, key=lambda u: u[1])
        reasons.append(f"not excluded: {len(beyond)} search branches beyond float64 (strongly hyperbolic "
                       f"paths, |A_p| up to {max(u[2] for u in beyond):.2g}; the smallest action bound among "
                       f"them is {_of_value(worst[1], value)}) — their error bounds exceed what float64 can decide"
                       + _exact_phase_note(stats) + '; method="haim_kislev" settles it when K has at most 24 facets')
    if unresolved:
        reasons.append("not excluded: " + "; ".join(unresolved[:3])
                       + (f" (and {len(unresolved) - 3} more)" if len(unresolved) > 3 else "")
                       + ' — rejected by the float checks and not decidable exactly; method="haim_kislev" settles '
                       "it when K has at most 24 facets")
    if stats.get("exact_status") == "excluded":
        reasons.append("the exact re-evaluation of the winning cycle found no orbit on it (a float artefact)")
    x, facets = clean_witness(best.x, best.t, best.flow_facets)
    orbit = orbit_from_numpy(K, x + G.centre, facets)
    runner = out.min_other_action
    pruned = out.min_pruned_bound
    margin = (min(runner, pruned) - value) / value if math.isfinite(min(runner, pruned)) else math.inf
    stats.update({"two_faces": G.n_faces, "facets": G.n_facets, "graph_edges": G.n_edges,
                  "rotation": float(best.rho) if best.kind == 1 and math.isfinite(best.rho) else None,
                  "segments": len(facets), "degenerate": bool(best.degenerate),
                  "orbit_type": int(best.orbit_type), "winner": "2-face cycle" if best.kind == 1 else "jump cycle",
                  "runner_up_action": runner, "min_pruned_bound": pruned, "certification_margin": margin,
                  "min_face_symplecticity": float(G.face_symplecticity.min()),
                  "implementation": "native" if cpp else "python",
                  "seconds_certification": cert_seconds, "seconds": time.perf_counter() - start})
    params = {"rotation_cap": rotation_cap, "use_cF_budgets": use_cF_budgets, "use_memo": use_memo}
    return CapacityResult(value=value, method="reeb", orbit=orbit, stats=stats, polytope=K, params=params,
                          certified=not reasons, reason="; ".join(reasons) if reasons else None)
