"""Pure-Python reference of the branch-and-bound Reeb-orbit search (slow, clear).

The C++ kernel (ext/reeb_search.cpp) runs the same algorithm on the same
flow-graph arrays, rule for rule and in the same order, so that the parity
tests can compare values and node counts.  reeb-dynamics-4d.md §5.3.

Search, per start 2-face F_1 (in index order), depth first:

* canonical start: only faces with index >= F_1 are visited (F_1 is the
  minimal index on the cycle);
* a node carries the domain D (polygon in the chart of F_1), the composed
  map s -> A s + b into the chart of the current face, the affine action
  f(s) = a . s + d, the lift code of A (rotation.py), the c_F sum and the set
  of facets crossed;
* children of a node are generated edge by edge; each is checked, in this
  order: facet repeat (capacity mode), rotation lower bound > cap, c_F budget
  (sum so far + cheapest return to F_1) > cap, empty or thin domain, action
  lower bound (min of f over D + cheapest return action) >= incumbent (or
  > max_action for the spectrum);
* surviving children are visited in order of their action lower bound
  (ties by edge index); before a child is expanded the action bound is
  re-checked against the (possibly improved) incumbent, and then the
  dominance memo (against the ancestors at the same face, see SearchConfig);
* a child back at F_1 closes a cycle: its fixed point is solved, the orbit is
  rebuilt in R^4 as one linear system and validated, and the recomputed
  action is what counts.
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np

from ...geometry.polygon import shoelace_area as polygon_area
from .flow_graph import SEGMENT_LENGTH, THIN_WIDTH, FlowGraph, clip_convex, polygon_diameter
from .orbit_fit import STATUS_BOUNDARY, STATUS_OK, polygon_margin, reconstruct, solve_fixed_point, validate_orbit
from .rotation import exceeds_cap, rho_from_code, step_code

__all__ = ["SearchConfig", "Candidate", "SearchOutcome", "run_reference_search", "return_bounds",
           "MEMO_TOL", "ACTION_TIE"]

#: Memo: maps are "equal" when entries agree to MEMO_TOL (A relative to max(1, |A|),
#: b relative to the current face's diameter); containment and the action
#: inequality are checked on the vertices with a margin of MEMO_MARGIN (relative to
#: the start face's diameter and to max(1, |d|)).  The later state must also have a
#: lift code, c_F sum and facet set no smaller than the earlier one's.
MEMO_TOL = 1e-9
MEMO_MARGIN = 1e-12
#: A branch whose action lower bound is within this relative amount of the
#: incumbent is pruned (it could only tie).
ACTION_TIE = 1e-12
#: Budget slack: prune only when the c_F sum exceeds the cap by this much.
BUDGET_SLACK = 1e-12
#: Longest path the search follows; a longer one (possible only without facet-once, with
#: tiny c_F, i.e. nearly Lagrangian faces) aborts the run with an error instead of
#: silently dropping orbits.
MAX_DEPTH = 600


class SearchConfig:
    """Options of one search run."""

    def __init__(self, *, spectrum: bool = False, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
                 use_memo: bool = True, action_cap: float = math.inf, deadline: float | None = None,
                 max_orbits: int | None = None, incumbent: float = math.inf):
        self.spectrum = spectrum
        self.facet_once = not spectrum
        self.rotation_cap = float(rotation_cap)
        self.use_cF_budgets = bool(use_cF_budgets)
        self.use_memo = bool(use_memo)
        # Dominance memo.  Two paths from F_1 to the same face that are not prefixes of one
        # another have disjoint open domains (the flow is deterministic off the 1-skeleton), so
        # an earlier state can dominate a later one (domain containing it) only if it is an
        # ancestor on the current path: the memo is the stack of ancestor states, consulted
        # when a path returns to a face it visited before.  Under facet-once that never
        # happens; in the spectrum search it does (e.g. the 24-cell's 12-cycles, A_p = I).
        self.action_cap = float(action_cap)
        self.deadline = deadline
        self.max_orbits = max_orbits
        self.incumbent = float(incumbent)  # an action known to be attained (prunes from the start)


class Candidate:
    """A validated closed orbit found by the search."""

    __slots__ = ("faces", "x", "t", "action", "code", "rho", "A", "degenerate", "status", "estimate")

    def __init__(self, faces, x, t, action, code, rho, A, degenerate, status, estimate):
        self.faces, self.x, self.t, self.action = faces, x, t, action
        self.code, self.rho, self.A, self.degenerate = code, rho, A, degenerate
        self.status, self.estimate = status, estimate


class SearchOutcome:
    """Counters, the best orbit (capacity) or all primitive orbits (spectrum), and doubts."""

    def __init__(self):
        self.stats = {k: 0 for k in (
            "nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
            "pruned_memo", "pruned_facet_repeat", "memo_hits", "memo_size", "cycles_closed",
            "fixed_points_rejected", "rejected_outside_domain", "rejected_numerical", "cycles_nonprimitive",
            "cycles_duplicate_rotation", "thin_segments", "rotation_impossible")}
        self.best: Candidate | None = None
        self.orbits: list[Candidate] = []
        self.min_rejected_estimate = math.inf  # smallest action estimate of a numerically rejected cycle
        self.min_thin_bound = math.inf  # smallest action bound of a domain thinned to a segment
        self.timed_out = False
        self.implementation = "python"  # "native" when the compiled kernel produced this outcome
        self.depth_exceeded = False


def return_bounds(G: FlowGraph, start: int, weights_edge: np.ndarray, weights_node: np.ndarray) -> np.ndarray:
    """Cheapest cost from every face (index >= start) back to ``start``.

    Cost of a path F -> X_1 -> ... -> start: sum of the edge weights plus the
    node weights of the interior nodes X_j.  Dijkstra on the reversed graph,
    restricted to faces >= start (the canonical start).  inf = no way back.
    """
    nF = G.n_faces
    dist = np.full(nF, math.inf)
    # dist[F] = min over edges F -> X of w_e + (node(X) + dist[X] if X != start else 0).
    into = [[] for _ in range(nF)]
    for e in range(G.n_edges):
        into[int(G.edge_dst[e])].append(e)
    heap = []
    # Seed: edges into start.
    for e in into[start]:
        u = int(G.edge_src[e])
        if u < start:
            continue
        w = float(weights_edge[e])
        if w < dist[u]:
            dist[u] = w
            heapq.heappush(heap, (w, u))
    done = np.zeros(nF, dtype=bool)
    while heap:
        du, x = heapq.heappop(heap)
        if done[x] or du > dist[x]:
            continue
        done[x] = True
        if x == start:
            continue
        for e in into[x]:
            u = int(G.edge_src[e])
            if u < start:
                continue
            w = du + float(weights_edge[e]) + float(weights_node[x])
            if w < dist[u]:
                dist[u] = w
                heapq.heappush(heap, (w, u))
    return dist


def _is_power(seq: tuple) -> bool:
    k = len(seq)
    for p in range(1, k):
        if k % p == 0 and seq == seq[p:] + seq[:p]:
            return True
    return False


def _is_canonical_rotation(seq: tuple) -> bool:
    first = seq[0]
    for i in range(1, len(seq)):
        if seq[i] == first and seq[i:] + seq[:i] < seq:
            return False
    return True


def run_reference_search(G: FlowGraph, cfg: SearchConfig) -> SearchOutcome:
    """Run the branch-and-bound search on a flow graph; see the module docstring."""
    out = SearchOutcome()
    st = out.stats
    nF = G.n_faces
    cap = cfg.rotation_cap
    spectrum_cap = [cfg.action_cap]
    incumbent = [cfg.incumbent * (1.0 + 2 * ACTION_TIE)]
    edge_w = np.maximum(G.edge_minf, 0.0)
    zero_e = np.zeros(G.n_edges)
    face_w = G.face_cF
    zero_f = np.zeros(nF)
    out_edges = [list(G.out_edges(f)) for f in range(nF)]
    hp_a, hp_c, hp_start = G.hp_a, G.hp_c, G.edge_hp_start
    tick = [0]
    ball_bound = math.pi * G.inradius ** 2 * (1.0 - 1e-6)
    spectrum_actions: list[float] = []  # max-heap (negated) of the max_orbits smallest primitive actions

    def action_pruned(bound: float) -> bool:
        if cfg.spectrum:
            return bound > spectrum_cap[0] * (1.0 + ACTION_TIE)
        return bound >= incumbent[0] * (1.0 - ACTION_TIE)

    for f1 in range(nF):
        if cfg.deadline is not None and time.monotonic() > cfg.deadline:
            out.timed_out = True
            break
        h_act = return_bounds(G, f1, edge_w, zero_f)
        if not math.isfinite(h_act[f1]):  # no cycle through F_1 among faces >= F_1
            continue
        g_cf = return_bounds(G, f1, zero_e, face_w) if cfg.use_cF_budgets else None
        diam1 = float(G.face_diam[f1])
        eps = 1e-14 * diam1
        root_poly = G.face_polygon(f1)

        def close_cycle(path, D, A, b, a, d, code):
            st["cycles_closed"] += 1
            fp = solve_fixed_point(A, b, D, diam1)
            if fp is None:
                st["fixed_points_rejected"] += 1
                st["rejected_outside_domain"] += 1
                return
            est = a[0] * fp.s[0] + a[1] * fp.s[1] + d
            faces = list(path)
            x, t, resid = reconstruct(G, faces, fp.s, pin=fp.degenerate)
            status, action, _problem = validate_orbit(G, faces, x, t, resid)
            if status not in (STATUS_OK, STATUS_BOUNDARY):
                st["fixed_points_rejected"] += 1
                st["rejected_numerical"] += 1
                # Only a rejected cycle that could be a real orbit matters for certification:
                # real orbits have action >= pi r^2 (fake vertex loops have ~0, §6 item 4).
                if est >= ball_bound:
                    out.min_rejected_estimate = min(out.min_rejected_estimate, est)
                return
            if fp.status == STATUS_BOUNDARY:
                status = STATUS_BOUNDARY
            cand = Candidate(tuple(faces), x, t, action, code, rho_from_code(code, A), A.copy(),
                             fp.degenerate, status, est)
            if cfg.spectrum:
                seq = tuple(faces)
                if _is_power(seq):
                    st["cycles_nonprimitive"] += 1
                    return
                if not _is_canonical_rotation(seq):
                    st["cycles_duplicate_rotation"] += 1
                    return
                if action <= spectrum_cap[0] * (1.0 + ACTION_TIE):
                    out.orbits.append(cand)
                    if cfg.max_orbits is not None:
                        # Only the max_orbits smallest actions are wanted: tighten the cap.
                        heapq.heappush(spectrum_actions, -action)
                        if len(spectrum_actions) > cfg.max_orbits:
                            heapq.heappop(spectrum_actions)
                        if len(spectrum_actions) == cfg.max_orbits:
                            spectrum_cap[0] = min(spectrum_cap[0], -spectrum_actions[0])
            elif action < incumbent[0] * (1.0 - ACTION_TIE):  # ties: the first found stays (deterministic)
                incumbent[0] = action
                out.best = cand

        def memo_check(path, face, D, A, b, a, d, code, csum, used) -> bool:
            """True when an earlier state at the same face dominates this one (prune).

            The only earlier states that can dominate are the ancestors on the current
            path (see SearchConfig), so those are the memo: states[i] belongs to path[i].
            """
            amax = max(1.0, float(np.abs(A).max()))
            dm = float(G.face_diam[face])
            for idx in range(len(path)):
                if path[idx] != face:
                    continue
                A2, b2, D2, a2, d2, code2, csum2, used2 = states[idx]
                st["memo_size"] += 1
                if float(np.abs(A2 - A).max()) > MEMO_TOL * amax or float(np.abs(b2 - b).max()) > MEMO_TOL * dm:
                    continue
                st["memo_hits"] += 1
                if code2 > code or csum2 > csum + BUDGET_SLACK or (used2 & ~used):
                    continue
                if not all(polygon_margin(D2, v[0], v[1]) >= -MEMO_MARGIN * diam1 for v in D):
                    continue
                fs = max(1.0, abs(d))
                if all(a2[0] * v[0] + a2[1] * v[1] + d2 <= a[0] * v[0] + a[1] * v[1] + d + MEMO_MARGIN * fs
                       for v in D):
                    st["pruned_memo"] += 1
                    return True
            return False

        def expand(path, D, A, b, a, d, code, csum, used):
            tick[0] += 1
            if cfg.deadline is not None and (tick[0] & 1023) == 0 and time.monotonic() > cfg.deadline:
                out.timed_out = True
            if out.timed_out or out.depth_exceeded:
                return
            if len(path) > MAX_DEPTH:
                out.depth_exceeded = True
                return
            st["nodes_expanded"] += 1
            node = path[-1]
            children = []
            for e in out_edges[node]:
                dst = int(G.edge_dst[e])
                if dst < f1:
                    continue
                E = int(G.edge_facet[e])
                if cfg.facet_once and (used >> E) & 1:
                    st["pruned_facet_repeat"] += 1
                    continue
                Ae = G.edge_A[e]
                A2 = Ae @ A
                code2, impossible = step_code(code, A2)
                if impossible:
                    st["rotation_impossible"] += 1
                closing = dst == f1
                if exceeds_cap(code2, cap) or (closing and rho_from_code(code2, A2) > cap + BUDGET_SLACK):
                    st["pruned_rotation"] += 1
                    continue
                csum2 = csum + (0.0 if closing else float(G.face_cF[dst]))
                if cfg.use_cF_budgets:
                    need = csum2 + (0.0 if closing else float(g_cf[dst]))
                    if need > cap + BUDGET_SLACK:
                        st["pruned_cF_budget"] += 1
                        continue
                # Pull the edge's domain back to the chart of F_1 and clip.
                D2 = D
                for h in range(int(hp_start[e]), int(hp_start[e + 1])):
                    ha0, ha1, hc = float(hp_a[h, 0]), float(hp_a[h, 1]), float(hp_c[h])
                    p0 = A[0, 0] * ha0 + A[1, 0] * ha1
                    p1 = A[0, 1] * ha0 + A[1, 1] * ha1
                    pc = hc - (ha0 * b[0] + ha1 * b[1])
                    D2 = clip_convex(D2, p0, p1, pc, eps, diam1)
                    if not D2:
                        break
                be, alpha, beta = G.edge_b[e], float(G.edge_alpha[e]), G.edge_beta[e]
                a2 = np.array([a[0] + A[0, 0] * beta[0] + A[1, 0] * beta[1],
                               a[1] + A[0, 1] * beta[0] + A[1, 1] * beta[1]])
                d2 = d + beta[0] * b[0] + beta[1] * b[1] + alpha
                if not D2:
                    st["pruned_empty"] += 1
                    continue
                minf = min(a2[0] * v[0] + a2[1] * v[1] + d2 for v in D2)
                bound = minf + (0.0 if closing else float(h_act[dst]))
                area = polygon_area(D2) if len(D2) >= 3 else 0.0
                dd = polygon_diameter(D2)
                if len(D2) < 3 or area <= 0.5 * THIN_WIDTH * dd * diam1:
                    st["pruned_empty"] += 1
                    if dd > SEGMENT_LENGTH * diam1:
                        st["thin_segments"] += 1
                        out.min_thin_bound = min(out.min_thin_bound, bound)
                    continue
                if action_pruned(bound):
                    st["pruned_action"] += 1
                    continue
                b2 = Ae @ b + be
                children.append((bound, e, dst, D2, A2, b2, a2, d2, code2, csum2, used | (1 << E), closing))
            children.sort(key=lambda c: (c[0], c[1]))
            for (bound, e, dst, D2, A2, b2, a2, d2, code2, csum2, used2, closing) in children:
                if out.timed_out or out.depth_exceeded:
                    return
                if action_pruned(bound):
                    st["pruned_action"] += 1
                    continue
                if closing:
                    close_cycle(path, D2, A2, b2, a2, d2, code2)
                    if not cfg.spectrum:
                        continue
                if cfg.use_memo and memo_check(path, dst, D2, A2, b2, a2, d2, code2, csum2, used2):
                    continue
                path.append(dst)
                states.append((A2, b2, D2, a2, d2, code2, csum2, used2))
                expand(path, D2, A2, b2, a2, d2, code2, csum2, used2)
                states.pop()
                path.pop()

        I2 = np.eye(2)
        z2 = np.zeros(2)
        c1 = float(G.face_cF[f1])
        states = [(I2, z2, root_poly, z2, 0.0, 0, c1, 0)]
        expand([f1], root_poly, I2, z2, z2.copy(), 0.0, 0, c1, 0)
        if out.timed_out or out.depth_exceeded:
            break
    return out
