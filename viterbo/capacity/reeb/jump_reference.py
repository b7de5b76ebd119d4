"""Pure-Python reference of the jump search: Type 2 orbits through jump faces (reeb-certification.md §4).

Every facet-once closed facet polygon that passes a jump face (an edge or
vertex where the arriving and departing facets share no 2-face, skeleton.py)
is found from the jump face of least index on it.  The domain is at most
one-dimensional, so it is carried directly in R^4: an interval [lo, hi] of
the start parameter sigma (sigma in [0, 1] along the start edge; a vertex
has lo = hi = 0), the position x(sigma) = x0 + sigma u and the action
a(sigma) = a0 + sigma a1, with error estimates: ea for the action, and ex
for the position.  ex follows ex' = ex * max(1, g) + r: every step adds its
own rounding r (of x + t R and of t = (h - <n, x>) / rate, the latter
stretched by |R| / rate), and earlier errors grow with g, the growth of the
norm of the linearised flow J = ... P (I - R_E n_G^T / rate) ... (P the
projection onto the face reached), never shrinking: the error model of
reeb-certification.md §7.

Flowing through facet E, every exit G of E has the affine exit time
t_G(sigma) = (h_G - <n_G, x(sigma)>) / <n_G, R_E>.  The closed sub-interval on
which G2 is (one of) the first exits leads to the 2-face E ∩ G2, next facet
G2; the closed sub-interval on which all exits through a jump face P tie for
first leads to P, next facet C (the jump's departing facet).  The cycle
closes when the flow arrives at the start face P_0 and departs along C_0.

Prunes, all sound: facet repeat (facet-once, HK Thm 1.5), canonical start
(a jump face of smaller index), empty sub-interval (every comparison widened
by the error bounds), action lower bound (min of a over the interval minus
its error, plus a lower bound for the way back, ``jump_return_bounds``)
>= incumbent.  ext/reeb_search.cpp runs the same search rule for rule.

A child whose error bounds exceed ESCALATE after IMPRECISE_BUDGET imprecise
children is not followed: it is recorded in ``out.unresolved`` with its node
path from the start (the C++ kernel records the same paths in the same order),
and jump_exact.py decides it in exact arithmetic after the float passes.
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np

from .flow_graph import FlowGraph, allow_depth
from .orbit_fit import REJ_BALL, STATUS_OUTSIDE, reconstruct_r4, validate_closed
from .search_reference import Candidate, SearchOutcome
from .skeleton import Skeleton
from .tolerances import ACTION_TIE, ESCALATE, GAMMA, IMPRECISE_BUDGET, TIME_RES

__all__ = ["run_jump_search", "jump_return_bounds", "JUMP_STAT_KEYS"]

JUMP_STAT_KEYS = ("jump_starts", "jump_nodes", "jump_nodes_face", "jump_nodes_edge", "jump_nodes_vertex",
                  "jump_pruned_empty", "jump_pruned_action", "jump_pruned_facet_repeat", "jump_pruned_canonical",
                  "jump_pruned_zero_time", "jump_imprecise_children", "jump_unresolved_branches",
                  "jump_cycles_closed", "jump_rejected_numerical", "jump_rejected_ball", "jump_rejected_outside")


def jump_return_bounds(G: FlowGraph, S: Skeleton, arrivals) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds of the action still needed to close a jump cycle arriving through ``arrivals``.

    Returns (dist_face, dist_facet): dist_face[f] for a state at the 2-face f
    (about to flow through E_to(f)), dist_facet[C] for a state about to flow
    through C after a jump.  Dijkstra on the 2-face graph (edge weights
    max(edge_minf, 0)) plus every jump (weight 0), from the facets through
    which the cycle can arrive at its start face and their entrances.  It
    depends on the start only through ``arrivals``, so the search keeps one per
    set of arriving facets.
    """
    nF, m = G.n_faces, G.n_facets
    INF = math.inf
    dist_face = np.full(nF, INF)
    dist_facet = np.full(m, INF)
    into_face = [[] for _ in range(nF)]
    for e in range(G.n_edges):
        into_face[int(G.edge_dst[e])].append(e)
    entrances = [[] for _ in range(m)]
    for f in range(nF):
        entrances[int(G.face_facets[f, 1])].append(f)
    jumps_into = [[] for _ in range(m)]  # C -> arriving facets E of jumps (P, E, C)
    for j in range(S.n_jumps):
        jumps_into[int(S.jp_C[j])].append(int(S.jp_E[j]))
    heap = []  # entries (dist, kind, index): kind 0 = face, 1 = facet
    for E0 in arrivals:
        if dist_facet[E0] > 0.0:  # flowing through E0 may end at the start face right away
            dist_facet[E0] = 0.0
            heapq.heappush(heap, (0.0, 1, E0))
        for f in entrances[E0]:
            if dist_face[f] > 0.0:
                dist_face[f] = 0.0
                heapq.heappush(heap, (0.0, 0, f))
    while heap:
        du, kind, x = heapq.heappop(heap)
        if kind == 0:
            if du > dist_face[x]:
                continue
            # A facet C reaches face x when x is an exit of C: dist_facet[C] <= du (time in C >= 0).
            C = int(G.face_facets[x, 0])
            if du < dist_facet[C]:
                dist_facet[C] = du
                heapq.heappush(heap, (du, 1, C))
            for e in into_face[x]:
                u = int(G.edge_src[e])
                w = du + max(float(G.edge_minf[e]), 0.0)
                if w < dist_face[u]:
                    dist_face[u] = w
                    heapq.heappush(heap, (w, 0, u))
        else:
            if du > dist_facet[x]:
                continue
            for E in jumps_into[x]:
                for f in entrances[E]:
                    if du < dist_face[f]:
                        dist_face[f] = du
                        heapq.heappush(heap, (du, 0, f))
    return dist_face, dist_facet


def _dot4(a, b) -> float:
    """<a, b> for 4-vectors, summed left to right (the C++ kernel sums in the same order)."""
    return float(a[0]) * float(b[0]) + float(a[1]) * float(b[1]) + float(a[2]) * float(b[2]) + float(a[3]) * float(b[3])


def _abs_sum4(a) -> float:
    return abs(float(a[0])) + abs(float(a[1])) + abs(float(a[2])) + abs(float(a[3]))


def _abs_max4(a) -> float:
    return max(abs(float(a[0])), abs(float(a[1])), abs(float(a[2])), abs(float(a[3])))


def _position_error4(err, scale: float) -> float:
    """The position error estimate ex of an error state (ex, J, |J|) (module docstring)."""
    return err[0]


def _norm_inf4(J) -> float:
    return max(abs(J[i][0]) + abs(J[i][1]) + abs(J[i][2]) + abs(J[i][3]) for i in range(4))


def segment_distance(p0, d1, q0, d2) -> float:
    """Distance between the segments p0 + s d1 and q0 + t d2 (s, t in [0, 1]) in R^4.

    The clamped closest-point computation (Ericson, Real-Time Collision
    Detection, §5.1.9), in the same order as the C++ kernel.
    """
    r = [float(p0[i]) - float(q0[i]) for i in range(4)]
    a = _dot4(d1, d1)
    e = _dot4(d2, d2)
    f = _dot4(d2, r)
    if a <= 1e-300 and e <= 1e-300:
        s = t = 0.0
    elif a <= 1e-300:
        s, t = 0.0, min(1.0, max(0.0, f / e))
    else:
        c = _dot4(d1, r)
        if e <= 1e-300:
            s, t = min(1.0, max(0.0, -c / a)), 0.0
        else:
            b = _dot4(d1, d2)
            den = a * e - b * b
            s = min(1.0, max(0.0, (b * f - c * e) / den)) if den > 0.0 else 0.0
            t = (b * s + f) / e
            if t < 0.0:
                t, s = 0.0, min(1.0, max(0.0, -c / a))
            elif t > 1.0:
                t, s = 1.0, min(1.0, max(0.0, (b - c) / a))
    diff = [float(p0[i]) + s * float(d1[i]) - float(q0[i]) - t * float(d2[i]) for i in range(4)]
    return math.sqrt(_dot4(diff, diff))


def _clip(lo: float, hi: float, c1: float, c0: float) -> tuple[float, float]:
    """{sigma in [lo, hi] : c1 sigma <= c0}; empty when lo > hi."""
    if c1 > 0.0:
        return lo, min(hi, c0 / c1)
    if c1 < 0.0:
        return max(lo, c0 / c1), hi
    return (lo, hi) if c0 >= 0.0 else (1.0, 0.0)


class _JumpSearch:
    def __init__(self, G: FlowGraph, S: Skeleton, cfg, out: SearchOutcome, stats: dict):
        self.G, self.S, self.cfg, self.out, self.st = G, S, cfg, out, stats
        self.incumbent = out.best.action if out.best is not None else cfg.incumbent * (1.0 + 2 * ACTION_TIE)
        self.jumps_from = [[] for _ in range(G.n_facets)]
        for j in range(S.n_jumps):
            self.jumps_from[int(S.jp_E[j])].append(j)
        self.tick = 0
        # ESCALATE / IMPRECISE_BUDGET, except in tests that force branches through the exact phase.
        self.escalate = float(getattr(cfg, "jump_escalate", ESCALATE))
        self.imprecise_budget = int(getattr(cfg, "jump_imprecise_budget", IMPRECISE_BUDGET))
        self.bounds_cache: dict = {}
        self.ball_bound = math.pi * G.inradius ** 2 * (1.0 - 1e-6)
        # The Reeb flow is never faster than |R_E| = 2 / h_E: the way back to p0 takes at least its
        # distance over the top speed (a lower bound next to jump_return_bounds).
        self.inv_speed = 1.0 / max(math.sqrt(_dot4(G.R[E], G.R[E])) for E in range(G.n_facets))

    def pruned(self, bound: float) -> bool:
        return bound >= self.incumbent * (1.0 - ACTION_TIE)

    def note_pruned(self, bound: float) -> None:
        self.st["jump_pruned_action"] += 1
        self.out.min_pruned_bound = min(self.out.min_pruned_bound, bound)

    def fresh_error(self):
        """The error state of a vertex of K (its coordinates to GAMMA * scale)."""
        return GAMMA * self.G.scale, tuple(tuple(1.0 if i == j else 0.0 for j in range(4)) for i in range(4)), 1.0

    def step_error(self, err, RE, nG, hG, rate, xn, tchild, u, u2):
        """The error state after a step x -> x + t R_E ending on the hyperplane of n_G (see module docstring).

        ``tchild``: the largest flow time of the step on the child's sub-interval.
        """
        ex, Jp, nJ = err
        n1 = _abs_sum4(nG)
        rn = _abs_max4(RE)
        # This step's own rounding: of x + t R, and of t = (h - <n, x>) / rate (times |R|; the rate
        # itself is accurate to GAMMA relative).
        r = GAMMA * ((abs(hG) + n1 * xn) * rn / abs(rate) + xn + 2.0 * tchild * rn)
        # Earlier errors grow like the map: along the family (|u'| / |u|) when it is a segment, like
        # the linearised flow J when it is a point (after a vertex; reeb-certification.md §7, the
        # same model as the Type 1 search's |A|).  J is only kept for points (nJ < 0: not kept).
        un, un2 = _abs_max4(u), _abs_max4(u2)
        if un > 1e-12 * self.G.scale:
            return ex * max(1.0, un2 / un) + r, Jp, -1.0
        if nJ < 0.0:  # a family that collapsed: no linearisation kept, use this step's own stretch
            return ex * max(1.0, 1.0 + n1 * rn / abs(rate)) + r, Jp, -1.0
        # J' = (I - R n^T / rate) J, summed left to right as in the C++ kernel.
        S = [[(1.0 if i == j else 0.0) - float(RE[i]) * (float(nG[j]) / rate) for j in range(4)] for i in range(4)]
        J2 = tuple(tuple(S[i][0] * Jp[0][j] + S[i][1] * Jp[1][j] + S[i][2] * Jp[2][j] + S[i][3] * Jp[3][j]
                         for j in range(4)) for i in range(4))
        nJ2 = _norm_inf4(J2)
        return ex * max(1.0, nJ2 / nJ) + r, J2, nJ2

    def onto_face(self, f: int, x, u, err):
        """Project the segment orthogonally onto the plane of the 2-face f, where the orbit is exactly.

        The projection is 1-Lipschitz and fixes the true points, so it never increases the
        error, and it removes the components normal to the face, which the next steps would
        otherwise amplify like 1/rate (unlike the 2-face charts of the Type 1 search, positions
        here live in R^4).  Q becomes P Q P^T plus the projection's own rounding.
        """
        G = self.G
        a, b = (int(v) for v in G.face_pairs[f])
        na, nb = G.N[a], G.N[b]
        gaa, gab, gbb = _dot4(na, na), _dot4(na, nb), _dot4(nb, nb)
        det = gaa * gbb - gab * gab
        i00, i01, i11 = gbb / det, -gab / det, gaa / det
        rx0, rx1 = _dot4(na, x) - float(G.H[a]), _dot4(nb, x) - float(G.H[b])
        ru0, ru1 = _dot4(na, u), _dot4(nb, u)
        cx0, cx1 = i00 * rx0 + i01 * rx1, i01 * rx0 + i11 * rx1
        cu0, cu1 = i00 * ru0 + i01 * ru1, i01 * ru0 + i11 * ru1
        x2 = np.array([float(x[i]) - cx0 * float(na[i]) - cx1 * float(nb[i]) for i in range(4)])
        u2 = np.array([float(u[i]) - cu0 * float(na[i]) - cu1 * float(nb[i]) for i in range(4)])
        # P = I - N^T g^{-1} N; J' = P J (the linearised flow of points on the face).
        P = [[(1.0 if i == j else 0.0) - (float(na[i]) * (i00 * float(na[j]) + i01 * float(nb[j]))
                                          + float(nb[i]) * (i01 * float(na[j]) + i11 * float(nb[j]))) for j in range(4)]
             for i in range(4)]
        ex, Jp, nJ = err
        ex2 = ex + GAMMA * (_abs_max4(x2) + _abs_max4(u2))
        if nJ < 0.0:
            return x2, u2, (ex2, Jp, nJ)
        J2 = tuple(tuple(P[i][0] * Jp[0][j] + P[i][1] * Jp[1][j] + P[i][2] * Jp[2][j] + P[i][3] * Jp[3][j]
                         for j in range(4)) for i in range(4))
        return x2, u2, (ex2, J2, max(_norm_inf4(J2), 1e-300))

    def way_back(self, x, u, w, err) -> float:
        """Lower bound of the time from the segment x + tau u (|tau| <= w) back to p0: distance / top speed."""
        d = segment_distance([x[i] - w * u[i] for i in range(4)], [2.0 * w * u[i] for i in range(4)],
                             self.p0_start, self.p0_dir)
        return max(0.0, d - _position_error4(err, self.G.scale)) * self.inv_speed

    def record_unresolved(self, bound: float, u, path, last) -> None:
        """A branch given up as beyond float64, with its node path from the start and ``last``
        appended (the abandoned child): jump_exact.py replays it in rationals."""
        self.st["jump_unresolved_branches"] += 1
        self.out.unresolved.append((2, bound, _abs_max4(u), tuple(path) + (last,)))

    def beyond_float(self, ea: float, err, bound: float, u, path, node) -> bool:
        """Errors too large to decide anything (see search_reference.py): report, do not follow."""
        sc = self.G.scale
        if ea > self.escalate * sc * sc or _position_error4(err, self.G.scale) > self.escalate * sc:
            if self.st["jump_imprecise_children"] >= self.imprecise_budget:
                self.record_unresolved(bound, u, path, node)
                return True
            self.st["jump_imprecise_children"] += 1
        return False

    def zero_time(self, alpha: float, beta: float, err: float, lo: float, hi: float) -> bool:
        """A segment of length ~0 on the whole sub-interval (a hop; see search_reference.py): cut.
        ``lo``, ``hi`` relative to the centre at which alpha is the flow time."""
        if max(alpha + beta * lo, alpha + beta * hi) + err <= TIME_RES * self.G.scale * self.G.scale:
            self.st["jump_pruned_zero_time"] += 1
            return True
        return False

    def run(self) -> None:
        S = self.S
        starts = sorted({(int(S.jp_face[j]), int(S.jp_C[j])) for j in range(S.n_jumps)})
        for p0, C0 in starts:
            if self.cfg.deadline is not None and time.monotonic() > self.cfg.deadline:
                self.out.timed_out = True
                return
            self.st["jump_starts"] += 1
            self.p0, self.C0 = p0, C0
            arrivals = tuple(sorted({int(S.jp_E[j]) for j in range(S.n_jumps)
                                     if int(S.jp_face[j]) == p0 and int(S.jp_C[j]) == C0}))
            if arrivals not in self.bounds_cache:
                self.bounds_cache[arrivals] = jump_return_bounds(self.G, S, arrivals)
            self.dist_face, self.dist_facet = self.bounds_cache[arrivals]
            ua0, va0 = (int(w) for w in S.jf_v[p0])
            self.p0_start = S.V[ua0]
            self.p0_dir = S.V[va0] - S.V[ua0]
            if not math.isfinite(self.dist_facet[C0]):
                continue
            u_, v_ = (int(w) for w in S.jf_v[p0])
            u = S.V[v_] - S.V[u_] if int(S.jf_kind[p0]) == 1 else np.zeros(4)
            hi = 1.0 if int(S.jf_kind[p0]) == 1 else 0.0
            x0 = S.V[u_] + 0.5 * hi * u  # the centre of the interval [0, hi]
            self.expand([("J", p0, C0)], C0, 0.0, hi, x0, u, 0.0, 0.0, self.fresh_error(), 0.0, 1 << C0)
            if self.out.timed_out:
                return

    def expand(self, path, E, lo, hi, x0, u, a0, a1, err, ea, used) -> None:
        """Flow the state through facet E.  x0, a0 are the position and action at the centre
        c = (lo + hi) / 2 of the interval (x(sigma) = x0 + (sigma - c) u): centred, the numbers stay
        of the size of K even when the map stretches a tiny interval across a face."""
        G, S, st = self.G, self.S, self.st
        self.tick += 1
        if self.cfg.deadline is not None and (self.tick & 1023) == 0 and time.monotonic() > self.cfg.deadline:
            self.out.timed_out = True
        if self.out.timed_out:
            return
        kind = path[-1][0]
        st["jump_nodes"] += 1
        st["jump_nodes_face" if kind == "F" else ("jump_nodes_edge" if int(S.jf_kind[path[-1][1]]) == 1
                                                   else "jump_nodes_vertex")] += 1
        c = 0.5 * (lo + hi)
        w = 0.5 * (hi - lo)
        RE = G.R[E]
        rn = _abs_max4(RE)
        xn = _abs_max4(x0) + w * _abs_max4(u)
        ex = _position_error4(err, G.scale)
        exits = S.exits_of(E)
        al, be, et, gs, rates = [], [], [], [], []
        for f in exits:
            g = int(G.face_facets[f, 1])
            n = G.N[g]
            rate = float(G.face_rate[f])  # <n_G, R_E> in extended precision (flow_graph.py)
            alpha = (float(G.H[g]) - _dot4(n, x0)) / rate  # at the centre
            beta = -_dot4(n, u) / rate
            n1 = _abs_sum4(n)
            tmax = abs(alpha) + w * abs(beta)
            e_t = (n1 * ex + GAMMA * (abs(float(G.H[g])) + n1 * xn)) / abs(rate) + GAMMA * tmax
            al.append(alpha)
            be.append(beta)
            et.append(e_t)
            gs.append(g)
            rates.append(rate)
        children = []

        def sub_interval(first: list[int]):
            """sigma in [lo, hi] where every exit in ``first`` is (up to the errors) the earliest."""
            l2, h2 = lo - c, hi - c
            for i in first:
                for g in range(len(exits)):
                    if g != i:
                        l2, h2 = _clip(l2, h2, be[i] - be[g], al[g] - al[i] + et[i] + et[g])
            return l2 + c, h2 + c

        def moved(i, l2, h2):
            """Position, direction and action at the new centre after flowing to exit i."""
            c2 = 0.5 * (l2 + h2)
            tc = al[i] + be[i] * (c2 - c)
            return (x0 + (c2 - c) * u + tc * RE, u + be[i] * RE, a0 + (c2 - c) * a1 + tc, a1 + be[i])

        # 2-face exits.
        for i2, f2 in enumerate(exits):
            G2 = gs[i2]
            if (used >> G2) & 1:
                st["jump_pruned_facet_repeat"] += 1
                continue
            l2, h2 = sub_interval([i2])
            if l2 > h2:
                st["jump_pruned_empty"] += 1
                continue
            if self.zero_time(al[i2], be[i2], et[i2], l2 - c, h2 - c):
                continue
            x2, u2, b0, b1 = moved(i2, l2, h2)
            w2 = 0.5 * (h2 - l2)
            ea2 = ea + et[i2] + GAMMA * (abs(a0) + w * abs(a1) + abs(al[i2]) + w * abs(be[i2]))
            err2 = self.step_error(err, RE, G.N[G2], float(G.H[G2]), rates[i2], xn,
                                   max(abs(al[i2] + be[i2] * (l2 - c)), abs(al[i2] + be[i2] * (h2 - c))), u, u2)
            x2, u2, err2 = self.onto_face(f2, x2, u2, err2)
            rest = max(float(self.dist_face[f2]), self.way_back(x2, u2, w2, err2))
            bound = b0 - w2 * abs(b1) - ea2 + rest
            if self.pruned(bound):
                self.note_pruned(bound)
                continue
            if self.beyond_float(ea2, err2, bound, u2, path, ("F", f2, G2)):
                continue
            children.append((bound, 0, f2, ("F", f2, G2), G2, l2, h2, x2, u2, b0, b1, err2, ea2, False))
        # Jumps out of E.
        for j in self.jumps_from[E]:
            p, C = int(S.jp_face[j]), int(S.jp_C[j])
            if p < self.p0:
                st["jump_pruned_canonical"] += 1
                continue
            closing = p == self.p0 and C == self.C0
            if p == self.p0 and not closing:
                continue
            if not closing and (used >> C) & 1:
                st["jump_pruned_facet_repeat"] += 1
                continue
            X = [exits.index(f) for f in S.jump_exits(j)]
            l2, h2 = sub_interval(X)
            if l2 > h2:
                st["jump_pruned_empty"] += 1
                continue
            i = X[0]
            if self.zero_time(al[i], be[i], et[i], l2 - c, h2 - c):
                continue
            x2, u2, b0, b1 = moved(i, l2, h2)
            w2 = 0.5 * (h2 - l2)
            ea2 = ea + et[i] + GAMMA * (abs(a0) + w * abs(a1) + abs(al[i]) + w * abs(be[i]))
            err2 = self.step_error(err, RE, G.N[gs[i]], float(G.H[gs[i]]), rates[i], xn,
                                   max(abs(al[i] + be[i] * (l2 - c)), abs(al[i] + be[i] * (h2 - c))), u, u2)
            rest = 0.0 if closing else max(float(self.dist_facet[C]), self.way_back(x2, u2, w2, err2))
            bound = b0 - w2 * abs(b1) - ea2 + rest
            if self.pruned(bound):
                self.note_pruned(bound)
                continue
            if self.beyond_float(ea2, err2, bound, u2, path, ("J", p, C)):
                continue
            # Snap onto P: the orbit's point is on P exactly (the projection onto the line of an
            # edge does not increase errors; a vertex is a point, its errors start afresh).
            ua, va = (int(q) for q in S.jf_v[p])
            if int(S.jf_kind[p]) == 1:
                d = S.V[va] - S.V[ua]
                dd = _dot4(d, d)
                x2 = S.V[ua] + (_dot4(x2 - S.V[ua], d) / dd) * d
                u2 = (_dot4(u2, d) / dd) * d
            else:
                x2, u2, err2 = S.V[ua].copy(), np.zeros(4), self.fresh_error()
            children.append((bound, 1, j, ("J", p, C), C, l2, h2, x2, u2, b0, b1, err2, ea2, closing))
        children.sort(key=lambda ch: (ch[0], ch[1], ch[2]))
        for bound, _k, _i, node, nxt, l2, h2, x2, u2, b0, b1, err2, ea2, closing in children:
            if self.out.timed_out:
                return
            if self.pruned(bound):
                self.note_pruned(bound)
                continue
            if closing:
                self.close(path, E, l2, h2, x2, u2, b0, b1, err2, ea2)
                continue
            path.append(node)
            self.expand(path, nxt, l2, h2, x2, u2, b0, b1, err2, ea2, used | (1 << nxt))
            path.pop()

    def close(self, path, E_last, lo, hi, x, u, a0, a1, err, ea) -> None:
        """Back at p0 (x, a0 at the centre c of [lo, hi]): solve x(sigma) = start(sigma), rebuild, judge."""
        G, S, st = self.G, self.S, self.st
        ex = _position_error4(err, self.G.scale)
        st["jump_cycles_closed"] += 1
        p0 = self.p0
        c = 0.5 * (lo + hi)
        ua, va = (int(q) for q in S.jf_v[p0])
        if int(S.jf_kind[p0]) == 1:
            # x was snapped onto the edge: x(sigma) = V[ua] + tau(sigma) d, tau = t0 + t1 (sigma - c).
            d = S.V[va] - S.V[ua]
            dd = _dot4(d, d)
            t0 = _dot4(x - S.V[ua], d) / dd
            t1 = _dot4(u, d) / dd
            etau = ex * math.sqrt(4.0 / dd) + GAMMA * (abs(t0) + abs(t1))
            r_lo, r_hi = t0 - c + (t1 - 1.0) * (lo - c), t0 - c + (t1 - 1.0) * (hi - c)  # tau(sigma) - sigma
            tol = etau * (1.0 + abs(lo) + abs(hi))
            if min(r_lo, r_hi) > tol or max(r_lo, r_hi) < -tol:
                st["jump_rejected_outside"] += 1
                return
            if abs(r_lo - r_hi) <= tol:  # degenerate: a family on the whole interval
                sigma = c
            else:
                sigma = min(hi, max(lo, lo + (hi - lo) * r_lo / (r_lo - r_hi)))
            pin = S.V[ua] + sigma * d
        else:
            sigma = c
            pin = S.V[ua]
        est = a0 + a1 * (sigma - c)
        if est - ea >= self.incumbent * (1.0 - ACTION_TIE):
            self.note_pruned(est - ea)
            return
        if est + ea < self.ball_bound:
            st["jump_rejected_ball"] += 1
            return
        if ea > self.escalate * G.scale * G.scale:
            # An imprecise branch: its cycle is not worth a rebuild (the estimate means little);
            # it stays unresolved for the exact phase (reeb-certification.md §7, jump_exact.py).
            self.record_unresolved(est - ea, u, path, ("J", p0, self.C0))
            return
        nodes = list(path)
        facet_sets, flows = [], []
        for kind, idx, nxt in nodes:
            facet_sets.append(list(G.face_pairs[idx]) if kind == "F" else S.facets_of(idx))
            flows.append(nxt)
        x_r, t_r, resid = reconstruct_r4(G, facet_sets, flows, pin)
        status, action, problem = validate_closed(G, facet_sets, x_r, t_r, resid)
        if status == STATUS_OUTSIDE:
            if problem == REJ_BALL:
                st["jump_rejected_ball"] += 1
                return
            st["jump_rejected_numerical"] += 1
            # The float checks cannot decide it: the exact phase replays this closing (jump_exact.py).
            self.record_unresolved(est - ea, u, path, ("J", p0, self.C0))
            return
        cand = Candidate(tuple(nodes), x_r, t_r, action, 0, math.nan, np.eye(2), False, status, est, 2,
                         flows, 2)
        if action < self.incumbent * (1.0 - ACTION_TIE):
            if self.out.best is not None:
                self.out.min_other_action = min(self.out.min_other_action, self.out.best.action)
            self.incumbent = action
            self.out.best = cand
        else:
            self.out.min_other_action = min(self.out.min_other_action, action)


def run_jump_search(G: FlowGraph, S: Skeleton, cfg, out: SearchOutcome) -> dict:
    """Certification pass (b): the jump search with the incumbent in ``out.best``; returns its counters."""
    stats = {k: 0 for k in JUMP_STAT_KEYS}
    allow_depth(G)
    _JumpSearch(G, S, cfg, out, stats).run()
    return stats
