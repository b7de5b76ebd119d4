"""Pure-Python reference of the branch-and-bound search over 2-face cycles (slow, clear).

The C++ kernel (ext/reeb_search.cpp) runs the same algorithm on the same
flow-graph arrays, rule for rule and in the same order, so that the parity
tests can compare values and node counts.  reeb-dynamics-4d.md §5.3,
reeb-certification.md §3, §5, §7.

Search, per start 2-face F_1 (in index order), depth first:

* canonical start: only faces with index >= F_1 are visited (F_1 is the
  minimal index on the cycle);
* a node carries the closed domain D (an outer-approximating polygon in the
  chart of F_1, possibly with one or two vertices), the composed map
  s -> A s + b into the chart of the current face, the affine action
  f(s) = a . s + d, error estimates of those (the error model below), the lift
  code of A (rotation.py), the c_F sum and the set of facets crossed;
* children of a node are generated edge by edge; each is checked, in this
  order: facet repeat (capacity mode), rotation lower bound > cap, c_F
  budget > cap, empty outer domain, zero-time hop, action lower bound (min of
  f over D minus its error + the larger of the cheapest return to F_1 and the
  way-back distance bound) >= incumbent (or > max_action for the spectrum).
  In capacity mode a child cut by the rotation or c_F prune is *deferred*: the
  certification pass (:func:`run_deferred`) builds and follows it without
  those two prunes;
* surviving children are visited in order of their action lower bound
  (ties by edge index); before a child is expanded the action bound is
  re-checked against the (possibly improved) incumbent, and then the
  dominance memo (against the ancestors at the same face, see SearchConfig);
* a child back at F_1 closes a cycle: its fixed point is solved in the
  closed domain, the orbit is rebuilt in R^4 as one linear system and
  validated, and the recomputed action is what counts.
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np

from .flow_graph import FlowGraph, allow_depth, clip_convex
from .orbit_fit import (REJ_BALL, REJ_NUMERIC, STATUS_BOUNDARY, STATUS_OK, STATUS_OUTSIDE, polygon_margin,
                        reconstruct, solve_fixed_point, validate_closed)
from .rotation import exceeds_cap, rho_from_code, step_code
from .tolerances import (ACTION_TIE, BUDGET_SLACK, DEDUPE_REL, ESCALATE, GAMMA, IMPRECISE_BUDGET, INTERIOR_MARGIN,
                         MAX_DEPTH,
                         MEMO_MARGIN, MEMO_TOL, TIME_RES)

__all__ = ["SearchConfig", "Candidate", "SearchOutcome", "run_reference_search", "run_deferred", "return_bounds",
           "MEMO_TOL", "ACTION_TIE", "MAX_DEPTH", "STAT_KEYS"]

STAT_KEYS = ("nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
             "pruned_memo", "pruned_facet_repeat", "memo_hits", "memo_size", "cycles_closed",
             "fixed_points_rejected", "rejected_outside_domain", "rejected_numerical", "rejected_ball",
             "pruned_fixed_point_action", "pruned_zero_time", "cycles_nonprimitive", "cycles_duplicate_rotation",
             "rotation_impossible", "deferred", "imprecise_children", "unresolved_branches")


class SearchConfig:
    """Options of one search run.

    ``spectrum``: collect every primitive cycle with action <= action_cap (no
    facet-once).  Otherwise capacity mode: facet-once, incumbent, and
    ``certify`` switches the rotation and c_F prunes off (the certification
    pass); without ``certify`` the children they cut are deferred.
    """

    def __init__(self, *, spectrum: bool = False, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
                 use_memo: bool = True, action_cap: float = math.inf, deadline: float | None = None,
                 max_orbits: int | None = None, incumbent: float = math.inf, certify: bool = False,
                 jump_escalate: float = ESCALATE, jump_imprecise_budget: int = IMPRECISE_BUDGET,
                 escalate: float = ESCALATE, imprecise_budget: int = IMPRECISE_BUDGET):
        self.spectrum = spectrum
        # The same two limits for the 2-face search (type1_exact.py replays what they give up).
        self.escalate = float(escalate)
        self.imprecise_budget = int(imprecise_budget)
        # The jump search's imprecision threshold and budget (tolerances.py); tests lower them to
        # force branches through the exact phase (jump_exact.py).
        self.jump_escalate = float(jump_escalate)
        self.jump_imprecise_budget = int(jump_imprecise_budget)
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
        self.certify = bool(certify)
        self.defer = not spectrum and not certify


class Candidate:
    """A validated closed orbit found by the search.

    ``faces``: the 2-face cycle (kind 1) or the node sequence of a jump cycle
    (kind 2, see jump_reference.py); ``x`` (k, 4) breakpoints in centred
    coordinates, ``t`` (k,) flow times, ``flow_facets`` (k,) the facet of each
    segment, ``orbit_type`` 1 (misses the 1-skeleton) or 2.
    """

    __slots__ = ("faces", "x", "t", "action", "code", "rho", "A", "degenerate", "status", "estimate", "kind",
                 "flow_facets", "orbit_type")

    def __init__(self, faces, x, t, action, code, rho, A, degenerate, status, estimate, kind=1, flow_facets=None,
                 orbit_type=1):
        self.faces, self.x, self.t, self.action = faces, x, t, action
        self.code, self.rho, self.A, self.degenerate = code, rho, A, degenerate
        self.status, self.estimate = status, estimate
        self.kind, self.flow_facets, self.orbit_type = kind, flow_facets, orbit_type


class SearchOutcome:
    """Counters, the best orbit (capacity) or all primitive orbits (spectrum), and what is left open."""

    def __init__(self):
        self.stats = {k: 0 for k in STAT_KEYS}
        self.best: Candidate | None = None
        self.orbits: list[Candidate] = []
        # Cycles whose rebuilt orbit failed the float checks with an estimated action that could
        # undercut the incumbent: (kind, faces, estimate); resolved exactly afterwards (exact.py).
        self.pending: list[tuple] = []
        self.deferred: list[tuple] = []  # children cut by rotation / c_F in capacity mode
        # Branches beyond float64 (error bounds too large to decide anything): (kind, bound, |A|, branch);
        # branch: for a jump branch (kind 2) its node path from the start (jump_exact.py), for a 2-face branch
        # (kind 1) its faces from F_1 to the abandoned child (type1_exact.py); None when not recorded.
        self.unresolved: list[tuple] = []
        self.min_pruned_bound = math.inf  # smallest action lower bound of a branch cut by the action prune
        self.min_other_action = math.inf  # smallest action of a validated orbit that is not the winner
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
    into = [[] for _ in range(nF)]
    for e in range(G.n_edges):
        into[int(G.edge_dst[e])].append(e)
    heap = []
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


def _position_error(err, R1: float) -> float:
    """Error estimate of s -> A s + b for s in the start face (|s|_inf <= R1).

    err = (rho, MA, Mb, ebs): rho adds up the relative errors of the factors (32 ulps per
    product, plus each edge map's own relative error), MA and Mb are the largest |A| and |b|
    seen along the path (errors made when the map was large stay, even if it shrinks later),
    ebs adds up the edges' absolute errors of b.  reeb-certification.md §7.
    """
    rho, MA, Mb, ebs = err
    return rho * (2.0 * R1 * MA + Mb) + ebs * MA


def _face_ball(G: FlowGraph, f: int) -> float:
    """Radius of a ball about face_c[f] that holds the 2-face f (its chart polygon mapped to R^4)."""
    M = G.face_M[f]
    best = 0.0
    for s0, s1 in G.face_polygon(f):
        dd = [float(M[i, 0]) * s0 + float(M[i, 1]) * s1 for i in range(4)]
        best = max(best, math.sqrt(dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2] + dd[3] * dd[3]))
    return best * (1.0 + 1e-12)


def _amax(A) -> float:
    return max(abs(A[0, 0]), abs(A[0, 1]), abs(A[1, 0]), abs(A[1, 1]))


class _Type1:
    """One run of the 2-face search (a pass); see the module docstring."""

    def __init__(self, G: FlowGraph, cfg: SearchConfig, out: SearchOutcome):
        self.G, self.cfg, self.out = G, cfg, out
        self.st = out.stats
        self.spectrum_cap = cfg.action_cap
        self.incumbent = cfg.incumbent * (1.0 + 2 * ACTION_TIE)
        if out.best is not None:
            self.incumbent = min(self.incumbent, out.best.action)
        self.edge_w = np.maximum(G.edge_minf, 0.0)
        self.zero_e = np.zeros(G.n_edges)
        self.zero_f = np.zeros(G.n_faces)
        self.out_edges = [list(G.out_edges(f)) for f in range(G.n_faces)]
        self.tick = 0
        self.ball_bound = math.pi * G.inradius ** 2 * (1.0 - 1e-6)
        self.spectrum_actions: list[float] = []  # max-heap (negated) of the max_orbits smallest primitive actions
        self.rotation = not cfg.certify
        self.time_res = TIME_RES * G.scale * G.scale  # an action scale of K (c_EHZ ~ scale^2)
        self.act_scale = G.scale * G.scale
        top = max(math.sqrt(float(G.R[E, 0]) ** 2 + float(G.R[E, 1]) ** 2 + float(G.R[E, 2]) ** 2
                            + float(G.R[E, 3]) ** 2) for E in range(G.n_facets))
        self.inv_speed = 1.0 / top
        self.face_ball = [_face_ball(G, f) for f in range(G.n_faces)]
        self.budgets = cfg.use_cF_budgets and not cfg.certify

    # ------------------------------------------------------------------ per start face
    def start(self, f1: int) -> bool:
        """Set up the start face F_1; False when no cycle through it exists among faces >= F_1."""
        G = self.G
        self.f1 = f1
        self.h_act = return_bounds(G, f1, self.edge_w, self.zero_f)
        if not math.isfinite(self.h_act[f1]):
            return False
        self.g_cf = return_bounds(G, f1, self.zero_e, G.face_cF) if self.budgets else None
        self.diam1 = float(G.face_diam[f1])
        self.R1 = float(G.face_rad[f1])
        self.rad1 = float(self.face_ball[f1])
        self.eps = DEDUPE_REL * self.diam1
        return True

    def action_pruned(self, bound: float) -> bool:
        if self.cfg.spectrum:
            return bound > self.spectrum_cap * (1.0 + ACTION_TIE)
        return bound >= self.incumbent * (1.0 - ACTION_TIE)

    def note_pruned(self, bound: float) -> None:
        self.st["pruned_action"] += 1
        if bound < self.out.min_pruned_bound:
            self.out.min_pruned_bound = bound

    def timed(self) -> bool:
        self.tick += 1
        if self.cfg.deadline is not None and (self.tick & 1023) == 0 and time.monotonic() > self.cfg.deadline:
            self.out.timed_out = True
        return self.out.timed_out or self.out.depth_exceeded

    # ------------------------------------------------------------------ children
    def child(self, node_state, e: int, path: list):
        """The child of a node (the last face of ``path``) along edge e, or None (counted) when a sound prune
        cuts it.

        Returns (bound, e, dst, state, closing), or the string "rotation" / "budget" when the
        fast pass's rotation or c_F prune cuts it (checked first, as they are cheap).
        """
        G, cfg, st = self.G, self.cfg, self.st
        D, A, b, a, d, code, csum, used, err, ef, w = node_state
        perr = _position_error(err, self.R1)  # |error of A s + b| for s in the start face
        dst = int(G.edge_dst[e])
        E = int(G.edge_facet[e])
        closing = dst == self.f1
        if cfg.facet_once and (used >> E) & 1:
            st["pruned_facet_repeat"] += 1
            return None
        Ae = G.edge_A[e]
        A2 = Ae @ A
        code2, impossible = step_code(code, A2)
        csum2 = csum + (0.0 if closing else float(G.face_cF[dst]))
        if self.rotation:
            cap = cfg.rotation_cap
            if exceeds_cap(code2, cap) or (closing and rho_from_code(code2, A2) > cap + BUDGET_SLACK):
                return "rotation"
            if self.budgets and csum2 + (0.0 if closing else float(self.g_cf[dst])) > cap + BUDGET_SLACK:
                return "budget"
        R1 = self.R1
        amaxA = _amax(A)
        bn = max(abs(b[0]), abs(b[1]))
        # The points A s + b of the domain lie on the current face (up to perr): the errors of the
        # edge's own data multiply this size, not |A| R1.
        rcur = float(G.face_rad[int(G.edge_src[e])]) + perr
        # Pull the edge's closed domain back to the chart of F_1 and clip, with the error bound of
        # each pulled-back half-plane as slack (an outer approximation, reeb-certification.md §7).
        D2 = D
        for h in range(int(G.edge_hp_start[e]), int(G.edge_hp_start[e + 1])):
            ha0, ha1, hc = float(G.hp_a[h, 0]), float(G.hp_a[h, 1]), float(G.hp_c[h])
            p0 = A[0, 0] * ha0 + A[1, 0] * ha1
            p1 = A[0, 1] * ha0 + A[1, 1] * ha1
            pc = hc - (ha0 * b[0] + ha1 * b[1])
            hn = abs(ha0) + abs(ha1)
            slack = (hn * perr + float(G.hp_ea[h]) * 2.0 * rcur
                     + float(G.hp_ec[h]) + GAMMA * ((abs(p0) + abs(p1)) * R1 + abs(pc) + hn * bn + abs(hc)))
            D2 = clip_convex(D2, p0, p1, pc, self.eps, self.diam1, slack)
            if not D2:
                break
        if not D2:
            st["pruned_empty"] += 1
            return None
        be, alpha, beta = G.edge_b[e], float(G.edge_alpha[e]), G.edge_beta[e]
        a2 = (a[0] + A[0, 0] * beta[0] + A[1, 0] * beta[1], a[1] + A[0, 1] * beta[0] + A[1, 1] * beta[1])
        d2 = d + beta[0] * b[0] + beta[1] * b[1] + alpha
        bsum = abs(beta[0]) + abs(beta[1])
        ef2 = (ef + bsum * perr + float(G.edge_ebeta[e]) * 2.0 * rcur
               + float(G.edge_ealpha[e]) + GAMMA * (abs(alpha) + bsum * (2.0 * R1 * amaxA + bn)))
        # Zero-length hop: the segment through E lasts ~0 on the whole domain (the domain sits on an
        # edge or vertex shared by the entry and exit faces).  The loop without the hop is found on
        # another branch (a 2-face path or a jump), so this one is cut.
        ta0, ta1, td = a2[0] - a[0], a2[1] - a[1], d2 - d
        tmax = max(ta0 * v[0] + ta1 * v[1] + td for v in D2)
        if tmax + (ef2 - ef) <= self.time_res:  # the exact time is <= time_res on the whole domain
            st["pruned_zero_time"] += 1
            return None
        minf = min(a2[0] * v[0] + a2[1] * v[1] + d2 for v in D2)
        minf -= ef2 + GAMMA * ((abs(a2[0]) + abs(a2[1])) * R1 + abs(d2))
        b2 = Ae @ b + be
        rho, MA, Mb, ebs = err
        err2 = (rho + GAMMA + float(G.edge_eA[e]) / max(_amax(Ae), 1e-300), max(MA, _amax(A2)),
                max(Mb, abs(b2[0]), abs(b2[1]), abs(be[0]), abs(be[1])), ebs + float(G.edge_eb[e]))
        perr2 = _position_error(err2, R1)
        rest = 0.0 if closing else float(self.h_act[dst])
        if cfg.certify and not closing:  # the fast pass has the rotation cap against runaway paths
            rest = max(rest, self.way_back(dst, D2, A2, b2, perr2))
        bound = minf + rest
        if self.action_pruned(bound):
            self.note_pruned(bound)
            return None
        if ef2 > cfg.escalate * self.act_scale or perr2 > cfg.escalate * float(G.face_rad[dst]):
            # Imprecise (float64 decides little here): followed within a budget, then reported with its
            # face path (type1_exact.py replays it in rationals).
            if st["imprecise_children"] >= cfg.imprecise_budget:
                st["unresolved_branches"] += 1
                self.out.unresolved.append((1, max(bound, self.path_floor(w + float(self.edge_w[e]), closing, dst)),
                                            _amax(A2), tuple(path) + (dst,)))
                return None
            st["imprecise_children"] += 1
        if impossible:
            st["rotation_impossible"] += 1
        state = (D2, A2, b2, a2, d2, code2, csum2, used | (1 << E), err2, ef2, w + float(self.edge_w[e]))
        return bound, e, dst, state, closing

    def path_floor(self, w: float, closing: bool, dst: int) -> float:
        """Action lower bound of a branch without its domain (no error of A): the path's edge_w sum
        plus h_act; float sums of <= m + nF nonnegative terms, hence the factor."""
        G = self.G
        return (w + (0.0 if closing else float(self.h_act[dst]))) * (1.0 - 2.3e-16 * (G.n_facets + G.n_faces + 2))

    def way_back(self, face: int, D, A, b, perr: float) -> float:
        """Lower bound of the time from the domain's image on ``face`` back to F_1: the distance
        between enclosing balls in R^4 over the top speed max_E |R_E| = max_E 2 / h_E
        (the same bound as the jump search's, reeb-certification.md §5)."""
        G = self.G
        c, M = G.face_c[face], G.face_M[face]
        k = len(D)
        w0s = [A[0, 0] * v[0] + A[0, 1] * v[1] + b[0] for v in D]
        w1s = [A[1, 0] * v[0] + A[1, 1] * v[1] + b[1] for v in D]
        m0 = sum(w0s) / k
        m1 = sum(w1s) / k
        r = 0.0
        for w0, w1 in zip(w0s, w1s):
            d0, d1 = w0 - m0, w1 - m1
            dd = [float(M[i, 0]) * d0 + float(M[i, 1]) * d1 for i in range(4)]
            r = max(r, math.sqrt(dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2] + dd[3] * dd[3]))
        c1 = G.face_c[self.f1]
        g = [float(c[i]) + float(M[i, 0]) * m0 + float(M[i, 1]) * m1 - float(c1[i]) for i in range(4)]
        gap = math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]) - r - self.rad1
        mn = max(abs(float(M[i, 0])) + abs(float(M[i, 1])) for i in range(4))
        return max(0.0, gap - 2.0 * mn * perr) * self.inv_speed

    # ------------------------------------------------------------------ expansion
    def expand(self, path: list, states: list, node_state) -> None:
        if self.timed():
            return
        # Without facet-once (the spectrum) a path can grow without end: cap it.  Under facet-once
        # every edge of a path enters a new facet, so a path has at most m faces (Lemma 2) and no cap applies.
        if self.cfg.spectrum and len(path) > MAX_DEPTH:
            self.out.depth_exceeded = True
            return
        st, cfg = self.st, self.cfg
        st["nodes_expanded"] += 1
        node = path[-1]
        children = []
        for e in self.out_edges[node]:
            if int(self.G.edge_dst[e]) < self.f1:
                continue
            c = self.child(node_state, e, path)
            if c is None:
                continue
            if isinstance(c, str):
                st["pruned_rotation" if c == "rotation" else "pruned_cF_budget"] += 1
                if cfg.defer:  # the certification pass builds and follows this child without those prunes
                    st["deferred"] += 1
                    self.out.deferred.append((self.f1, tuple(path), node_state, e))
                continue
            children.append(c)
        children.sort(key=lambda c: (c[0], c[1]))
        for bound, e, dst, state, closing in children:
            if self.out.timed_out or self.out.depth_exceeded:
                return
            self.visit(path, states, bound, dst, state, closing)

    def visit(self, path: list, states: list, bound: float, dst: int, state, closing: bool) -> None:
        """Re-check a child's bound, then close it or (memo permitting) expand it."""
        if self.action_pruned(bound):
            self.note_pruned(bound)
            return
        if closing:
            self.close_cycle(path, state)
            if not self.cfg.spectrum:
                return
        # Under facet-once no face repeats on a path, so the memo could never fire there.
        if self.cfg.use_memo and not self.cfg.facet_once and self.memo_check(path, states, dst, state):
            return
        path.append(dst)
        states.append(state)
        self.expand(path, states, state)
        states.pop()
        path.pop()

    def memo_check(self, path, states, face, state) -> bool:
        """True when an earlier state at the same face dominates this one (prune).

        The only earlier states that can dominate are the ancestors on the current
        path (see SearchConfig), so those are the memo: states[i] belongs to path[i].
        """
        st, G = self.st, self.G
        D, A, b, a, d, code, csum, used = state[:8]
        amax = max(1.0, float(np.abs(A).max()))
        dm = float(G.face_diam[face])
        for idx in range(len(path)):
            if path[idx] != face:
                continue
            D2, A2, b2, a2, d2, code2, csum2, used2 = states[idx][:8]
            st["memo_size"] += 1
            if float(np.abs(A2 - A).max()) > MEMO_TOL * amax or float(np.abs(b2 - b).max()) > MEMO_TOL * dm:
                continue
            st["memo_hits"] += 1
            if code2 > code or csum2 > csum + BUDGET_SLACK or (used2 & ~used):
                continue
            if len(D2) < 3 or not all(polygon_margin(D2, v[0], v[1]) >= -MEMO_MARGIN * self.diam1 for v in D):
                continue
            fs = max(1.0, abs(d))
            if all(a2[0] * v[0] + a2[1] * v[1] + d2 <= a[0] * v[0] + a[1] * v[1] + d + MEMO_MARGIN * fs for v in D):
                st["pruned_memo"] += 1
                return True
        return False

    # ------------------------------------------------------------------ cycles
    def close_cycle(self, path: list, state) -> None:
        G, cfg, st, out = self.G, self.cfg, self.st, self.out
        D, A, b, a, d, code, _csum, _used, err, ef, _w = state
        st["cycles_closed"] += 1
        fp = solve_fixed_point(A, b, D, self.diam1, _position_error(err, self.R1))
        if fp is None:
            st["fixed_points_rejected"] += 1
            st["rejected_outside_domain"] += 1
            return
        if fp.status == STATUS_OUTSIDE:  # float64 cannot place the fixed point: the exact phase decides
            st["fixed_points_rejected"] += 1
            st["rejected_numerical"] += 1
            out.pending.append((1, tuple(path), -math.inf))
            return
        est = a[0] * fp.s[0] + a[1] * fp.s[1] + d
        est_err = ef + (abs(a[0]) + abs(a[1])) * fp.err + GAMMA * ((abs(a[0]) + abs(a[1])) * self.R1 + abs(d))
        if not cfg.spectrum and est - est_err >= self.incumbent * (1.0 - ACTION_TIE):
            st["pruned_fixed_point_action"] += 1
            self.note_pruned(est - est_err)
            return
        if est + est_err < self.ball_bound:
            st["fixed_points_rejected"] += 1
            st["rejected_ball"] += 1
            return
        faces = list(path)
        x, t, resid = reconstruct(G, faces, fp.s, pin=fp.degenerate)
        status, action, problem = validate_closed(G, [G.face_pairs[f] for f in faces], x, t, resid)
        if status == STATUS_OUTSIDE:
            st["fixed_points_rejected"] += 1
            # A rebuilt constant loop excludes the cycle only when its fixed point is placed precisely
            # (unique, small error); otherwise another member of the (near) family may be an orbit, and
            # the exact phase decides (the rebuild picks one member of a near-null space).
            if problem == REJ_BALL and not (fp.degenerate or fp.err > INTERIOR_MARGIN * self.diam1):
                st["rejected_ball"] += 1
                return
            st["rejected_numerical"] += 1
            if est - est_err < (self.spectrum_cap if cfg.spectrum else self.incumbent):
                # its lower bound, not the estimate: where the error is large the estimate means nothing,
                # and the exact re-evaluation is skipped only for cycles that cannot undercut the value
                out.pending.append((1, tuple(faces), est - est_err))
            return
        if fp.status == STATUS_BOUNDARY:
            status = STATUS_BOUNDARY
        flows = [int(G.face_facets[f, 1]) for f in faces]
        cand = Candidate(tuple(faces), x, t, action, code, rho_from_code(code, A), A.copy(), fp.degenerate, status,
                         est, 1, flows, 1 if status == STATUS_OK else 2)
        self.offer(cand)

    def offer(self, cand: Candidate) -> None:
        """A validated orbit: keep it (spectrum), or make it the incumbent when shorter (capacity)."""
        cfg, st, out = self.cfg, self.st, self.out
        if cfg.spectrum:
            seq = tuple(cand.faces)
            if _is_power(seq):
                st["cycles_nonprimitive"] += 1
                return
            if not _is_canonical_rotation(seq):
                st["cycles_duplicate_rotation"] += 1
                return
            if cand.action <= self.spectrum_cap * (1.0 + ACTION_TIE):
                out.orbits.append(cand)
                if cfg.max_orbits is not None:
                    # Only the max_orbits smallest actions are wanted: tighten the cap.
                    heapq.heappush(self.spectrum_actions, -cand.action)
                    if len(self.spectrum_actions) > cfg.max_orbits:
                        heapq.heappop(self.spectrum_actions)
                    if len(self.spectrum_actions) == cfg.max_orbits:
                        self.spectrum_cap = min(self.spectrum_cap, -self.spectrum_actions[0])
            return
        if cand.action < self.incumbent * (1.0 - ACTION_TIE):  # ties: the first found stays (deterministic)
            if out.best is not None:
                out.min_other_action = min(out.min_other_action, out.best.action)
            self.incumbent = cand.action
            out.best = cand
        else:
            out.min_other_action = min(out.min_other_action, cand.action)

    def root_state(self):
        G, f1 = self.G, self.f1
        I2 = np.eye(2)
        z2 = np.zeros(2)
        return (G.face_polygon(f1), I2, z2, (0.0, 0.0), 0.0, 0, float(G.face_cF[f1]), 0, (0.0, 1.0, 0.0, 0.0), 0.0, 0.0)


def run_reference_search(G: FlowGraph, cfg: SearchConfig, out: SearchOutcome | None = None) -> SearchOutcome:
    """Run the 2-face search (capacity pass or spectrum) on a flow graph; see the module docstring."""
    out = SearchOutcome() if out is None else out
    allow_depth(G)
    run = _Type1(G, cfg, out)
    for f1 in range(G.n_faces):
        if cfg.deadline is not None and time.monotonic() > cfg.deadline:
            out.timed_out = True
            break
        if not run.start(f1):
            continue
        root = run.root_state()
        run.expand([f1], [root], root)
        if out.timed_out or out.depth_exceeded:
            break
    return out


def run_deferred(G: FlowGraph, cfg: SearchConfig, out: SearchOutcome, deferred: list) -> dict:
    """Certification pass (a): expand the children the fast pass deferred, without rotation / c_F prunes.

    ``cfg`` must have ``certify=True``; ``out`` carries the incumbent (out.best)
    and collects improvements.  Returns this pass's own counters.
    """
    own = SearchOutcome()
    own.best = out.best
    own.min_pruned_bound, own.min_other_action = out.min_pruned_bound, out.min_other_action
    allow_depth(G)
    run = _Type1(G, cfg, own)
    current = None
    for f1, path, parent, e in deferred:
        if own.timed_out:
            break
        if f1 != current:
            current = f1
            run.start(f1)
            if cfg.deadline is not None and time.monotonic() > cfg.deadline:
                own.timed_out = True
                break
        c = run.child(parent, e, path)  # no rotation / c_F prune in this pass
        if c is None:
            continue
        bound, _e, dst, state, closing = c
        p = list(path)
        states = [None] * len(p)  # the memo is not consulted under facet-once
        run.visit(p, states, bound, dst, state, closing)
    out.best = own.best
    out.pending.extend(own.pending)
    out.unresolved.extend(own.unresolved)
    out.min_pruned_bound = min(out.min_pruned_bound, own.min_pruned_bound)
    out.min_other_action = min(out.min_other_action, own.min_other_action)
    out.timed_out = out.timed_out or own.timed_out
    return own.stats
