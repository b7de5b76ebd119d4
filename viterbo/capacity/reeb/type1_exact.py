"""Exact integer resolution of 2-face branches given up as beyond float64 (reeb-certification.md §3, §7).

Along strongly hyperbolic paths the composed chart map of the 2-face search
grows like |A_p| and the float64 error bounds of §7 with it: past ESCALATE (and
the IMPRECISE_BUDGET of imprecise children) a child can be neither pruned nor
followed, and the float search records it with its face path F_1 -> ... -> F
(search_reference.py, ext/reeb_search.cpp).  This module replays each recorded
branch in exact arithmetic and finishes its subtree with the rules of the closed
2-face search (Lemma 5) and no error terms, on the same exact polytope as the
jump phase (exact_polytope.py: K_V = conv(V) for a simplicial K, K_H = the
float halfspaces read as rationals for a simple one, each checked exactly to
have K's face lattice on the facets it uses).  The same replay decides 2-face
cycles the float checks could not (method._resolve_pending): a cycle is a path
whose last face is its first.

State.  The start 2-face F_1 = E_from ∩ E_to is parametrised by three of its
vertices, x(s) = V_0 + s_1 (V_1 - V_0) + s_2 (V_2 - V_0), and its closed polygon
is the exact convex hull of its vertices in s.  A state flowing through facet E
is homogeneous in the exact polytope's frame: x(s) = (X + s_1 U_1 + s_2 U_2) / D
and the action a(s) = (A + s . B) / (2 D), all integers; the domain is a closed
convex polygon in s with exact rational vertices (possibly a segment or a point:
closed domains are kept, §3).

Step through E (the flow graph's E_to of the current face).  For every exit G of
E (q_G = <n_G, J n_E> > 0, checked exactly) the flow time is
t_G(s) = (a_G + b_G . s) h_E / (2 q_G D) with a_G = h_G D - <n_G, X>,
b_G = -<n_G, U>.  The child through the exit 2-face E ∩ G2 keeps the part of the
domain where t_G2 <= t_G for every exit G (exact half-planes, exact clipping);
its state is X' = q X + a_G2 J n_E, U' = q U + b_G2 J n_E, D' = q D,
A' = q A + a_G2 h_E, B' = q B + b_G2 h_E.  Rules: facet-once, canonical start
(faces >= F_1), a hop cut only when its time is exactly 0 on the whole child
domain, the action prune min a + (return bound) >= v (1 - ACTION_TIE) with the
float search's Dijkstra return bound lowered by RETURN_SLACK (as in the jump
phase, §4).  A child back at F_1 closes: its fixed points x'(s) = x(s) form a
convex subset of the domain (four exact affine equations, clipped as pairs of
half-planes); the cheapest member with positive action, below v, is a closed
facet polygon of the exact polytope (Lemma 5(a)) and becomes the witness.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from ...geometry.polygon import convex_hull_ccw
from .exact_polytope import ExactUnavailable, _dot, _ratio, exact_polytope_of
from .exact_replay import ExactReplay, exact_stat_keys, replay_branches
from .flow_graph import FlowGraph, allow_depth
from .jump_exact import RETURN_SLACK
from .orbit_fit import STATUS_OK
from .search_reference import Candidate, SearchOutcome, return_bounds
from .skeleton import Skeleton
from .tolerances import ACTION_TIE, INTERIOR_MARGIN

__all__ = ["resolve_type1_branches", "exact_hull_2d", "clip_exact", "TYPE1_EXACT_STAT_KEYS",
           "EXACT_NODE_BUDGET", "EXACT_BRANCH_BUDGET"]

#: Nodes the 2-face exact phase expands per capacity call, and per recorded branch.
EXACT_NODE_BUDGET = 50000
EXACT_BRANCH_BUDGET = 10000

TYPE1_EXACT_STAT_KEYS = exact_stat_keys("type1")


def exact_hull_2d(points: list) -> list:
    """Convex hull of exact 2-D points, counter-clockwise; 1 or 2 points when degenerate."""
    return [points[i] for i in convex_hull_ccw(points)]


def _homogeneous(p) -> tuple:
    """An exact 2-D point (Fractions) as reduced homogeneous integers (x, y, w), w > 0."""
    w = p[0].denominator * p[1].denominator // math.gcd(p[0].denominator, p[1].denominator)
    return int(p[0] * w), int(p[1] * w), w


def clip_exact(poly: list, c0: int, c1: int, c: int) -> list:
    """The part of a closed convex polygon with c0 s_0 + c1 s_1 <= c, exactly (Sutherland–Hodgman,
    consecutive duplicates removed; a segment or a point allowed).

    Vertices are homogeneous integers (x, y, w), s = (x / w, y / w), w > 0, kept reduced: the value of a
    half-plane at a vertex is then one integer expression (w times the affine value, same sign), and a
    new vertex vQ P - vP Q (on the line, between P and Q) needs one gcd, where Fractions would spend
    their time in gcds at every operation.
    """
    vals = [c0 * x + c1 * y - c * w for x, y, w in poly]
    if all(v <= 0 for v in vals):
        return poly
    if all(v > 0 for v in vals):
        return []
    out = []
    n = len(poly)
    for i in range(n):
        P, vP = poly[i], vals[i]
        Q, vQ = poly[(i + 1) % n], vals[(i + 1) % n]
        if vP <= 0:
            out.append(P)
        if (vP < 0 < vQ) or (vQ < 0 < vP):
            x, y, w = vQ * P[0] - vP * Q[0], vQ * P[1] - vP * Q[1], vQ * P[2] - vP * Q[2]
            g = math.gcd(math.gcd(x, y), w)
            if w < 0:
                g = -g
            out.append((x // g, y // g, w // g))
    kept = []
    for p in out:
        if not kept or kept[-1] != p:
            kept.append(p)
    while len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    return kept


def _lin(a: int, b: tuple, p) -> int:
    """w (a + b . s) at the homogeneous point p = (x, y, w): same sign as a + b . s."""
    return a * p[2] + b[0] * p[0] + b[1] * p[1]


def _min_at(a: int, b: tuple, poly: list) -> tuple:
    """The vertex of poly minimising a + b . s, and that minimum as (numerator, w)."""
    best, bn = None, None
    for p in poly:
        n = _lin(a, b, p)
        if best is None or n * best[2] < bn * p[2]:
            best, bn = p, n
    return best, bn


class _ExactType1(ExactReplay):
    """The closed 2-face search (search_reference._Type1, capacity mode) in exact arithmetic, started from
    recorded branches (see the module docstring)."""

    prefix = "type1"

    def __init__(self, G: FlowGraph, S: Skeleton, P, inc: np.ndarray, out: SearchOutcome, stats: dict,
                 deadline: float | None, node_budget: int, branch_budget: int):
        super().__init__(G, P, out, stats, deadline, node_budget, branch_budget)
        self.S, self.inc = S, inc
        self.edge_w = np.maximum(G.edge_minf, 0.0)
        self.zero_f = np.zeros(G.n_faces)

    # ------------------------------------------------------------------ start
    def start_chart(self, f1: int):
        """The start state x(s) = (X0 + U0 s) / D0 = V_0 + s_1 W_1 + s_2 W_2 on the 2-face f1 of the exact
        polytope (V_0, V_1, V_2 three of its vertices), and its closed polygon in s."""
        P = self.P
        Ea, Eb = (int(g) for g in self.G.face_facets[f1])
        verts = [int(i) for i in np.flatnonzero(self.inc[Ea] & self.inc[Eb])]
        if len(verts) < 3:
            raise ExactUnavailable(f"2-face {f1} has {len(verts)} vertices")
        for g in (Ea, Eb):
            P.facet(g)  # checks the facet and its vertices exactly
        V = []
        for i in verts:
            X, d = P.vertex_h(i)
            V.append(tuple(Fraction(X[c], d) for c in range(4)))
        V0 = V[0]
        basis = None
        for j, k in itertools.combinations(range(1, len(V)), 2):
            W1 = tuple(V[j][c] - V0[c] for c in range(4))
            W2 = tuple(V[k][c] - V0[c] for c in range(4))
            for c1, c2 in itertools.combinations(range(4), 2):
                det = W1[c1] * W2[c2] - W1[c2] * W2[c1]
                if det != 0:
                    basis = (W1, W2, c1, c2, det)
                    break
            if basis:
                break
        if basis is None:
            raise ExactUnavailable(f"2-face {f1}: its vertices are collinear")
        W1, W2, c1, c2, det = basis
        pts = []
        for v in V:
            r1, r2 = v[c1] - V0[c1], v[c2] - V0[c2]
            s = ((r1 * W2[c2] - r2 * W2[c1]) / det, (W1[c1] * r2 - W1[c2] * r1) / det)
            if any(V0[c] + s[0] * W1[c] + s[1] * W2[c] != v[c] for c in range(4)):
                raise ExactUnavailable(f"the vertices of 2-face {f1} are not exactly coplanar")
            pts.append(s)
        D0 = 1
        for q in V0 + W1 + W2:
            D0 = D0 * q.denominator // math.gcd(D0, q.denominator)
        X0 = tuple(int(V0[c] * D0) for c in range(4))
        U0 = (tuple(int(W1[c] * D0) for c in range(4)), tuple(int(W2[c] * D0) for c in range(4)))
        return X0, U0, D0, [_homogeneous(p) for p in exact_hull_2d(pts)]

    def run_start(self, f1: int, trie: dict) -> None:
        """Replay every recorded branch from F_1 = f1 (a trie of face paths) and finish their subtrees."""
        self.f1 = f1
        self.h_act = return_bounds(self.G, f1, self.edge_w, self.zero_f)
        try:
            X0, U0, D0, poly = self.start_chart(f1)
        except ExactUnavailable:
            self.mark(trie, "unavailable")
            return
        self.X0, self.U0, self.D0 = X0, U0, D0
        self.stack = []
        self.descend(0, f1, poly, (X0, U0, 0, (0, 0), D0), 0, trie=trie)

    # ------------------------------------------------------------------ search
    def expand(self, f: int, poly: list, state, used: int, trie: dict | None) -> None:
        """Flow the exact state at face f through E = E_to(f).  ``trie``: the recorded branches below this
        node (only their faces are followed; a leaf starts the full subtree); None inside a leaf's subtree."""
        G, S, P = self.G, self.S, self.P
        if self.count_node():
            return
        E = int(G.face_facets[f, 1])
        if (used >> E) & 1:
            return  # facet-once (Lemma 2)
        X, U, A, B, D = state
        JE = P.jn(E)
        hE = P.facet(E)[1]
        self.check_signs(E, JE)
        exits = S.exits_of(E)
        aa, bb, qq = [], [], []
        for f2 in exits:
            n, h = P.facet(int(G.face_facets[f2, 1]))
            qq.append(_dot(n, JE))
            aa.append(h * D - _dot(n, X))
            bb.append((-_dot(n, U[0]), -_dot(n, U[1])))
        cut = self.cut_value()
        children = []
        for i, f2 in enumerate(exits):
            if f2 < self.f1 or (trie is not None and f2 not in trie):
                continue
            closing = f2 == self.f1
            sub = poly
            for k in range(len(exits)):
                if k == i:
                    continue
                # t_i <= t_k  <=>  (b_i q_k - b_k q_i) . s <= a_k q_i - a_i q_k   (q > 0)
                sub = clip_exact(sub, bb[i][0] * qq[k] - bb[k][0] * qq[i], bb[i][1] * qq[k] - bb[k][1] * qq[i],
                                 aa[k] * qq[i] - aa[i] * qq[k])
                if not sub:
                    break
            if not sub:
                continue
            a, b, q = aa[i], bb[i], qq[i]
            if all(_lin(a, b, s) == 0 for s in sub):
                continue  # a hop of length exactly 0 on the whole domain (§3)
            D2 = q * D
            A2 = q * A + a * hE
            B2 = (q * B[0] + b[0] * hE, q * B[1] + b[1] * hE)
            _p, num = _min_at(A2, B2, sub)
            amin = Fraction(num, 2 * D2 * _p[2])
            rest = 0 if closing else self.rest(f2)
            if rest is None:
                continue
            bound = amin + rest
            if cut is not None and bound >= cut:
                self.out.min_pruned_bound = min(self.out.min_pruned_bound, float(bound / self.lam2))
                continue
            X2 = tuple(q * X[c] + a * JE[c] for c in range(4))
            U2 = (tuple(q * U[0][c] + b[0] * JE[c] for c in range(4)),
                  tuple(q * U[1][c] + b[1] * JE[c] for c in range(4)))
            children.append((float(bound / self.lam2), f2, bound, sub, (X2, U2, A2, B2, D2), i, closing))
        children.sort(key=lambda ch: (ch[0], ch[1]))
        for approx, f2, bound, sub, state2, i, closing in children:
            if self.stopped():
                return
            cut = self.cut_value()
            if cut is not None and bound >= cut:
                self.out.min_pruned_bound = min(self.out.min_pruned_bound, approx)
                continue
            self.stack.append((f, X, U, D, aa[i], bb[i], qq[i], hE, E))
            node = trie[f2] if trie is not None else None
            if closing:
                self.close(sub, state2)
                if node is not None and not isinstance(node, dict):
                    self.status[node] = "resolved"
            else:
                self.follow(f2, node, f2, sub, state2, used | (1 << E))
            self.stack.pop()

    def rest(self, f2: int) -> Fraction | None:
        """The float Dijkstra bound of the way back from f2 to F_1, lowered by RETURN_SLACK (lam-frame)."""
        d = float(self.h_act[f2])
        if not math.isfinite(d):
            return None
        return Fraction(d) * (1 - Fraction(RETURN_SLACK)) * self.lam2

    def close(self, poly: list, state) -> None:
        """Back at F_1: the fixed points (X + U s) / D = (X0 + U0 s) / D0 in the domain, the cheapest one."""
        X, U, A, B, D = state
        self.st["type1_exact_cycles_closed"] += 1
        X0, U0, D0 = self.X0, self.U0, self.D0
        fixed = poly
        for c in range(4):
            # D0 (X + U s) = D (X0 + U0 s), coordinate c
            w0 = D0 * U[0][c] - D * U0[0][c]
            w1 = D0 * U[1][c] - D * U0[1][c]
            r = D * X0[c] - D0 * X[c]
            fixed = clip_exact(fixed, w0, w1, r)
            if fixed:
                fixed = clip_exact(fixed, -w0, -w1, -r)
            if not fixed:
                return
        s, num = _min_at(A, B, fixed)
        action = Fraction(num, 2 * D * s[2])  # lam-frame
        if action <= 0:
            return  # the constant loop at a vertex (Lemma 1)
        cut = self.cut_value()
        if cut is not None and action >= cut:
            self.out.min_other_action = min(self.out.min_other_action, float(action / self.lam2))
            return
        self.witness(s, action, degenerate=len(fixed) > 1)

    def point(self, X, U, D, s) -> np.ndarray:
        """x(s) in the search's coordinates, rounded (numerators and denominator cut to 128 bits first)."""
        x, y, w = s
        return np.array([_ratio(X[c] * w + U[0][c] * x + U[1][c] * y, D * w * self.P.lam) for c in range(4)])

    def witness(self, s, action: Fraction, degenerate: bool) -> None:
        xs, ts, flows, faces = [], [], [], []
        for f, X, U, D, a, b, q, hE, E in self.stack:
            xs.append(self.point(X, U, D, s))
            ts.append(float(Fraction(_lin(a, b, s) * hE, 2 * q * D * s[2]) / self.lam2))
            flows.append(int(E))
            faces.append(int(f))
        x = np.array(xs)
        G = self.G
        # The orbit type is a label (1: misses the 1-skeleton by more than INTERIOR_MARGIN), not part of the proof.
        slack = G.H[None, :] - x @ G.N.T
        for i, f in enumerate(faces):
            slack[i, list(G.face_pairs[f])] = math.inf
        orbit_type = 1 if float(slack.min()) > INTERIOR_MARGIN * G.scale else 2
        value = float(action / self.lam2)
        cand = Candidate(tuple(faces), x, np.array(ts), value, 0, math.nan, np.eye(2), degenerate, STATUS_OK, value,
                         1, flows, orbit_type)
        if self.out.best is not None:
            self.out.min_other_action = min(self.out.min_other_action, self.out.best.action)
        self.out.best = cand
        self.st["winner_from_exact_type1"] = True
        self.st["exact_action"] = value


def resolve_type1_branches(K, G: FlowGraph, S: Skeleton, out: SearchOutcome, stats: dict,
                           deadline: float | None = None, node_budget: int | None = None,
                           branch_budget: int | None = None, branches: list | None = None) -> list[tuple]:
    """Resolve recorded 2-face branches exactly; returns those left unresolved.

    ``branches``: entries (1, action bound, |A|, face path) — by default the recorded 2-face branches of
    ``out.unresolved``; a closed cycle is the path with its first face repeated at the end (the pending
    cycles of method._resolve_pending).  Branches whose float action bound is already >= the value need
    nothing; equal paths are replayed once.
    Stats: ``type1_exact_branches`` (tried), ``type1_exact_resolved``,
    ``type1_exact_nodes``, ``type1_exact_unavailable`` (no exact polytope for a
    facet or 2-face they need), ``type1_exact_over_budget``,
    ``type1_exact_cycles_closed``.
    """
    node_budget = EXACT_NODE_BUDGET if node_budget is None else node_budget
    branch_budget = EXACT_BRANCH_BUDGET if branch_budget is None else branch_budget
    for k in TYPE1_EXACT_STAT_KEYS:
        stats.setdefault(k, 0)
    if branches is None:
        branches = [u for u in out.unresolved if u[0] == 1 and u[3]]
    allow_depth(G)
    if not branches:
        return []
    inc = K._incidence_np()
    P = exact_polytope_of(inc, G.N, G.H, S.V, G.scale)
    X = _ExactType1(G, S, P, inc, out, stats, deadline, node_budget, branch_budget)
    v = X.incumbent
    todo = [e for e in branches if not e[1] >= v * (1.0 - ACTION_TIE)]  # a NaN bound is not excluded
    stats["type1_exact_branches"] += len(todo)
    return replay_branches(X, todo, lambda path: (path[0], path[1:]))
