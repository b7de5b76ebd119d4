"""Exact rational resolution of jump-search branches given up as beyond float64 (reeb-certification.md §4, §7).

Along strongly hyperbolic paths the start-parameter interval of the jump
search shrinks like 1/|u| and the float64 error bounds of §7 grow like |u|:
past ESCALATE (and the IMPRECISE_BUDGET of imprecise children) a branch can be
neither pruned nor followed, and the float search records it (its node path
from the start, jump_reference.py / ext/reeb_jump.cpp).  This module replays
each recorded branch in exact rational arithmetic and finishes its subtree with
the same rules as the float search but no error terms.

The exact polytope (exact_polytope.py): K_V = conv(V) for a simplicial
polytope, K_H = the float64 halfspaces read as rationals for a simple one; each
is checked exactly to have K's face lattice on every facet the phase touches,
so its Reeb vectors R_E = (2 / h_E) J n_E are exact and the orbit really lands
on an edge or vertex when the exits through it tie.  Both are within rounding of
K, far below ACTION_TIE.  Where neither can be built (a facet whose float
vertices are not exactly coplanar in a non-simple polytope) the branches that
need it stay unresolved.

The rules (jump_reference.py, without error terms): facet-once, canonical
start, the exact closed sub-interval of each child, zero-time hops cut only when
the segment has length exactly 0 on the whole sub-interval, the action prune
min a(sigma) + return bound >= v (1 - ACTION_TIE).  The return bound reuses the
float search's Dijkstra tables (per-edge lower bounds whose errors do not grow
along paths) and the distance-over-top-speed bound, both lowered by a relative
1e-9 (their only float64 inputs are K's data and the rounded end points of the
exact segment).  A closed cycle below v is a closed facet polygon of the exact polytope: it
becomes the witness (its exact breakpoints, rounded).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .exact_polytope import ExactPolytope, ExactUnavailable, _dot, _ratio, exact_polytope_of
from .exact_replay import ExactReplay, exact_stat_keys, replay_branches
from .flow_graph import FlowGraph, allow_depth
from .jump_reference import jump_return_bounds, segment_distance
from .orbit_fit import STATUS_OK
from .search_reference import Candidate, SearchOutcome
from .skeleton import Skeleton
from .tolerances import ACTION_TIE

__all__ = ["ExactPolytope", "ExactUnavailable", "resolve_jump_branches", "EXACT_NODE_BUDGET",
           "EXACT_BRANCH_BUDGET", "JUMP_EXACT_STAT_KEYS"]

#: Nodes the exact phase expands per capacity call, and per recorded branch (the integers grow along a path).
EXACT_NODE_BUDGET = 50000
EXACT_BRANCH_BUDGET = 10000
#: Relative lowering of the float-derived return bounds (reeb-certification.md §7: their inputs are
#: K's data and rounded end points, errors ~1e-15).
RETURN_SLACK = 1e-9

JUMP_EXACT_STAT_KEYS = exact_stat_keys("jump")

_ZERO = Fraction(0)


def _at(a: int, b: int, s: Fraction) -> int:
    """The sign-carrying numerator of a + b s (denominator s.denominator > 0)."""
    return a * s.denominator + b * s.numerator


class _ExactJump(ExactReplay):
    """The jump search of jump_reference.py in exact integer arithmetic, started from recorded branches.

    A state flowing through facet E is homogeneous: x(sigma) = (X + sigma U) / D and the action
    a(sigma) = (A + sigma B) / (2 D) (lam-frame, ExactPolytope), sigma in [lo, hi] (Fractions).
    Through an exit G with q = <n_G, J n_E> > 0 the flow time is (a_G + sigma b_G) h_E / (2 q D),
    a_G = h_G D - <n_G, X>, b_G = -<n_G, U>; moving there multiplies D by q, so nothing is reduced
    by gcds (which dominate Fraction arithmetic) and every comparison is one of integers.
    """

    prefix = "jump"

    def __init__(self, G: FlowGraph, S: Skeleton, P: ExactPolytope, out: SearchOutcome, stats: dict,
                 deadline: float | None, node_budget: int, branch_budget: int):
        super().__init__(G, P, out, stats, deadline, node_budget, branch_budget)
        self.S = S
        self.jumps_from = [[] for _ in range(G.n_facets)]
        for j in range(S.n_jumps):
            self.jumps_from[int(S.jp_E[j])].append(j)
        self.bounds_cache: dict = {}
        self.inv_speed = 1.0 / max(math.sqrt(float(np.dot(G.R[E], G.R[E]))) for E in range(G.n_facets))

    def cut(self, bound: Fraction) -> bool:
        """``bound`` (lam-frame) >= v (1 - ACTION_TIE)."""
        q = self.cut_value()
        return q is not None and bound >= q

    def cut_sum(self, N: int, M: int, rest: Fraction) -> bool:
        """N / M + rest >= v (1 - ACTION_TIE) (lam-frame, M > 0), by one integer cross-multiplication
        (N / M is a large unreduced ratio: a Fraction would spend its time in gcds)."""
        q = self.cut_value()
        if q is None:
            return False
        c = q - rest
        return N * c.denominator >= c.numerator * M

    def approx(self, N: int, M: int, rest: Fraction) -> float:
        """N / M + rest in the search's units, rounded (sorting and the reported margins only)."""
        return (_ratio(N, M) + float(rest)) / self.lam2

    def run_start(self, start: tuple, trie: dict) -> None:
        """Replay every recorded branch from the start (p0, C0) (a trie of node paths) exactly and finish
        the subtree below each branch's last node; sets ``self.status[leaf]``."""
        G, S, P = self.G, self.S, self.P
        p0, C0 = start
        self.p0, self.C0 = p0, C0
        arrivals = tuple(sorted({int(S.jp_E[j]) for j in range(S.n_jumps)
                                 if int(S.jp_face[j]) == p0 and int(S.jp_C[j]) == C0}))
        if arrivals not in self.bounds_cache:
            self.bounds_cache[arrivals] = jump_return_bounds(G, S, arrivals)
        self.dist_face, self.dist_facet = self.bounds_cache[arrivals]
        ua, va = (int(w) for w in S.jf_v[p0])
        self.p0_start = S.V[ua]
        self.p0_dir = S.V[va] - S.V[ua]
        self.edge0 = int(S.jf_kind[p0]) == 1
        try:
            (Xa, da), (Xb, db) = P.vertex_h(ua), P.vertex_h(va)
        except ExactUnavailable:
            self.mark(trie, "unavailable")
            return
        # x(sigma) = V_a + sigma (V_b - V_a) = (X0 + sigma U0) / D0, homogeneous like every state.
        if self.edge0:
            X0 = tuple(Xa[c] * db for c in range(4))
            U0 = tuple(Xb[c] * da - Xa[c] * db for c in range(4))
            D0 = da * db
        else:
            X0, U0, D0 = Xa, (0, 0, 0, 0), da
        self.X0, self.U0, self.D0 = X0, U0, D0
        hi = Fraction(1) if self.edge0 else _ZERO
        self.stack = [(("J", p0, C0), X0, U0, D0)]
        self.leaf_left = None
        self.descend(1, C0, _ZERO, hi, (X0, U0, 0, 0, D0), 1 << C0, trie=trie)

    def point(self, X, U, D, s: Fraction) -> np.ndarray:
        """x(s) in the search's coordinates, rounded: numerators and denominator cut to the top 128 bits
        of the denominator first (absolute error ~2^-120 of K's size: used only by the distance bound,
        whose slack is 1e-9 of the size; a correctly rounded division of the full integers costs ~1 ms)."""
        den = D * s.denominator * self.lam
        return np.array([_ratio(X[c] * s.denominator + U[c] * s.numerator, den) for c in range(4)])

    def rest(self, dist: float, X, U, D, lo, hi, amin) -> Fraction | None:
        """Lower bound of the way back in the lam-frame (None: no way back), lowered by RETURN_SLACK.
        The distance bound (rounding the segment's end points) only when the Dijkstra bound alone
        does not cut."""
        if not math.isfinite(dist):
            return None
        keep = 1 - Fraction(RETURN_SLACK)
        dist_q = Fraction(dist) * keep * self.lam2
        if self.cut_sum(amin[0], amin[1], dist_q):
            return dist_q
        a, b = self.point(X, U, D, lo), self.point(X, U, D, hi)
        d = segment_distance(a, b - a, self.p0_start, self.p0_dir)
        wb = max(0.0, d - 1e-9 * self.G.scale) * self.inv_speed
        return max(dist_q, Fraction(wb) * keep * self.lam2)

    def expand(self, E: int, lo: Fraction, hi: Fraction, state, used: int, trie: dict | None) -> None:
        """Flow the exact state through E (jump_reference._JumpSearch.expand without error terms).
        ``trie``: the recorded branches below this node (only their children are followed; a leaf
        starts the full subtree); None inside a leaf's subtree."""
        S, P = self.S, self.P
        if self.count_node():
            return
        X, U, A, B, D = state
        JE = P.jn(E)
        hE = P.facet(E)[1]
        self.check_signs(E, JE)
        exits = S.exits_of(E)
        aa, bb, qq, gs = [], [], [], []
        for f in exits:
            g = int(self.G.face_facets[f, 1])
            n, h = P.facet(g)
            qq.append(_dot(n, JE))
            aa.append(h * D - _dot(n, X))
            bb.append(-_dot(n, U))
            gs.append(g)

        def sub_interval(first):
            l2, h2 = lo, hi
            for i in first:
                for k in range(len(exits)):
                    if k == i:
                        continue
                    # t_i <= t_k  <=>  (b_i q_k - b_k q_i) sigma <= a_k q_i - a_i q_k  (q > 0)
                    c1 = bb[i] * qq[k] - bb[k] * qq[i]
                    c0 = aa[k] * qq[i] - aa[i] * qq[k]
                    if c1 > 0:
                        h2 = min(h2, Fraction(c0, c1))
                    elif c1 < 0:
                        l2 = max(l2, Fraction(c0, c1))
                    elif c0 < 0:
                        return hi, lo
            return l2, h2

        def child(i, l2, h2, rest_of):
            a, b, q = aa[i], bb[i], qq[i]
            if _at(a, b, l2) == 0 and _at(a, b, h2) == 0:
                return None  # a hop of length exactly 0 on the whole sub-interval (§3)
            D2 = q * D
            A2, B2 = A * q + a * hE, B * q + b * hE
            # min of the action (A2 + sigma B2) / (2 D2) over {l2, h2}, as an unreduced ratio N / M
            Nl, Ml = _at(A2, B2, l2), 2 * D2 * l2.denominator
            Nh, Mh = _at(A2, B2, h2), 2 * D2 * h2.denominator
            amin = (Nl, Ml) if Nl * Mh <= Nh * Ml else (Nh, Mh)
            X2 = tuple(X[c] * q + a * JE[c] for c in range(4))
            U2 = tuple(U[c] * q + b * JE[c] for c in range(4))
            rest = rest_of(X2, U2, D2, amin)
            if rest is None:
                return None
            bound = (amin[0], amin[1], rest)
            if self.cut_sum(*bound):
                self.out.min_pruned_bound = min(self.out.min_pruned_bound, self.approx(*bound))
                return None
            return bound, (X2, U2, A2, B2, D2)

        children = []
        for i2, f2 in enumerate(exits):
            G2 = gs[i2]
            node = ("F", f2, G2)
            if (used >> G2) & 1 or (trie is not None and node not in trie):
                continue
            l2, h2 = sub_interval([i2])
            if l2 > h2:
                continue
            got = child(i2, l2, h2, lambda X2, U2, D2, amin, f2=f2, l2=l2, h2=h2:
                        self.rest(float(self.dist_face[f2]), X2, U2, D2, l2, h2, amin))
            if got is not None:
                children.append((self.approx(*got[0]), 0, f2, node, G2, l2, h2, i2, got[1], got[0]))
        for j in self.jumps_from[E]:
            p, C = int(S.jp_face[j]), int(S.jp_C[j])
            node = ("J", p, C)
            if p < self.p0 or (trie is not None and node not in trie):
                continue
            closing = p == self.p0 and C == self.C0
            if p == self.p0 and not closing:
                continue
            if not closing and (used >> C) & 1:
                continue
            Xs = [exits.index(f) for f in S.jump_exits(j)]
            l2, h2 = sub_interval(Xs)
            if l2 > h2:
                continue
            if closing:
                rest_of = lambda X2, U2, D2, amin: _ZERO  # noqa: E731
            else:
                rest_of = lambda X2, U2, D2, amin, C=C, l2=l2, h2=h2: self.rest(  # noqa: E731
                    float(self.dist_facet[C]), X2, U2, D2, l2, h2, amin)
            got = child(Xs[0], l2, h2, rest_of)
            if got is not None:
                children.append((self.approx(*got[0]), 1, j, node, C, l2, h2, Xs[0], got[1], got[0]))
        children.sort(key=lambda ch: (ch[0], ch[1], ch[2]))
        for approx, _flag, _idx, node, nxt, l2, h2, i, state2, bound in children:
            if self.stopped():
                return
            if self.cut_sum(*bound):
                self.out.min_pruned_bound = min(self.out.min_pruned_bound, approx)
                continue
            # The segment through E from the current node: time (a_i + sigma b_i) h_E / (2 q_i D).
            top = self.stack[-1]
            self.stack[-1] = top[:4] + (aa[i], bb[i], qq[i], hE, E)
            sub = trie[node] if trie is not None else None
            if node[0] == "J" and node[1] == self.p0 and node[2] == self.C0:
                self.close(l2, h2, state2)
                if sub is not None and not isinstance(sub, dict):
                    self.status[sub] = "resolved"
                continue
            self.stack.append((node, state2[0], state2[1], state2[4]))
            self.follow(node, sub, nxt, l2, h2, state2, used | (1 << nxt))
            self.stack.pop()

    def close(self, lo: Fraction, hi: Fraction, state) -> None:
        """Back on P_0: solve (X + sigma U) / D = (X0 + sigma U0) / D0 on [lo, hi] exactly (a vertex:
        U0 = 0), rebuild the polygon from the exact breakpoints."""
        X, U, A, B, D = state
        self.st["jump_exact_cycles_closed"] += 1
        X0, U0, D0 = self.X0, self.U0, self.D0
        w = [D0 * U[c] - D * U0[c] for c in range(4)]
        r = [D * X0[c] - D0 * X[c] for c in range(4)]
        if not any(w):
            if any(r):
                return
            sigma = lo if B >= 0 else hi  # a family of closed loops: its cheapest member
        else:
            k = next(c for c in range(4) if w[c] != 0)
            sigma = Fraction(r[k], w[k])
            if any(w[c] * sigma != r[c] for c in range(4)) or not lo <= sigma <= hi:
                return
        action = Fraction(_at(A, B, sigma), 2 * D * sigma.denominator)  # lam-frame
        if action <= 0:
            return  # the constant loop at a vertex (Lemma 1)
        if self.cut(action):
            self.out.min_other_action = min(self.out.min_other_action, float(action / self.lam2))
            return
        xs, ts, flows, nodes = [], [], [], []
        for node, Xn, Un, Dn, a, b, q, hE, E in self.stack:
            xs.append(self.point(Xn, Un, Dn, sigma))
            ts.append(float(Fraction(_at(a, b, sigma) * hE, 2 * q * Dn * sigma.denominator) / self.lam2))
            flows.append(int(E))
            nodes.append(node)
        if min(ts) < 0:
            return  # cannot happen on K_V (every breakpoint is in K_V); kept as a guard
        value = float(action / self.lam2)
        cand = Candidate(tuple(nodes), np.array(xs), np.array(ts), value, 0, math.nan, np.eye(2), False,
                         STATUS_OK, value, 2, flows, 2)
        if self.out.best is not None:
            self.out.min_other_action = min(self.out.min_other_action, self.out.best.action)
        self.out.best = cand
        self.st["winner_from_exact_jump"] = True
        self.st["exact_action"] = value


def resolve_jump_branches(K, G: FlowGraph, S: Skeleton, out: SearchOutcome, stats: dict,
                          deadline: float | None = None, node_budget: int | None = None,
                          branch_budget: int | None = None) -> list[tuple]:
    """Resolve the recorded jump branches of ``out.unresolved`` exactly; returns those left unresolved.

    Branches whose float action bound is already >= the value need nothing.
    Stats: ``jump_exact_branches`` (tried), ``jump_exact_resolved``,
    ``jump_exact_nodes``, ``jump_exact_unavailable`` (no exact polytope for a facet
    they need), ``jump_exact_over_budget``, ``jump_exact_cycles_closed``.
    """
    node_budget = EXACT_NODE_BUDGET if node_budget is None else node_budget
    branch_budget = EXACT_BRANCH_BUDGET if branch_budget is None else branch_budget
    for k in JUMP_EXACT_STAT_KEYS:
        stats.setdefault(k, 0)
    jumps = [u for u in out.unresolved if u[0] == 2 and u[3]]
    allow_depth(G)
    if not jumps:
        return []
    P = exact_polytope_of(K._incidence_np(), G.N, G.H, S.V, G.scale)
    X = _ExactJump(G, S, P, out, stats, deadline, node_budget, branch_budget)
    v = X.incumbent
    # Branches already excluded by their float bound need nothing; the others are replayed, grouped by
    # start (p0, C0) into tries of node paths.
    todo = [e for e in jumps if not e[1] >= v * (1.0 - ACTION_TIE)]  # a NaN bound is not excluded
    stats["jump_exact_branches"] += len(todo)
    return replay_branches(X, todo, lambda branch: (branch[0][1:], branch[1:]))
