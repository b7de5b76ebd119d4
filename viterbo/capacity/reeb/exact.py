"""Exact rational re-evaluation of a 2-face cycle (reeb-certification.md §8).

The float64 data of the flow graph (centred normals N, support numbers H)
define a polytope exactly; on it the Reeb vectors R_E = (2/h_E) J n_E and
every step x -> x + t R_E with t = (h_G - <n_G, x>) / <n_G, R_E> are exact in
rationals.  Iterating them exactly has none of the rounding amplification of
float (reeb-dynamics-4d.md §6 item 11), so the fixed point of a cycle, its
breakpoints, its flow times and its action come out exact.  A cycle whose
exact fixed point violates a constraint (a breakpoint outside K, a negative
flow time) has no orbit; one that satisfies all is a closed characteristic of
that polytope with the exact action.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .flow_graph import FlowGraph
from .tolerances import BALL_SLACK

__all__ = ["exact_cycle", "ExactResult"]


class ExactResult:
    """``status``: "valid" (an orbit; ``action`` exact), "excluded" (no orbit on this cycle;
    ``detail`` says which constraint fails) or "degenerate" (a family: not decided here)."""

    __slots__ = ("status", "action", "detail", "x", "t")

    def __init__(self, status, action=None, detail="", x=None, t=None):
        self.status, self.action, self.detail, self.x, self.t = status, action, detail, x, t

    def __repr__(self) -> str:
        return f"ExactResult({self.status!r}, action={self.action!r}, detail={self.detail!r})"


def _fr(v) -> Fraction:
    return Fraction(float(v))


def exact_cycle(G: FlowGraph, faces) -> ExactResult:
    """Solve the closed 2-face cycle ``faces`` (indices into the flow graph) in exact arithmetic.

    Constraints are checked exactly where the float slack is within 1e-6 of the
    polytope's size (elsewhere the float value decides: its error is ~1e-15).
    """
    k = len(faces)
    N = [[_fr(v) for v in row] for row in G.N]
    H = [_fr(v) for v in G.H]

    def reeb(E):  # (2/h) J n with J (q, p) = (-p, q)
        n, c = N[E], 2 / H[E]
        return [-c * n[2], -c * n[3], c * n[0], c * n[1]]

    # The plane of F_1: solve its two facet equations for two pivot coordinates.
    a, b = (int(v) for v in G.face_pairs[faces[0]])
    Nf = G.N[[a, b]]
    best, piv = -1.0, (0, 1)
    for i in range(4):
        for j in range(i + 1, 4):
            dv = abs(Nf[0, i] * Nf[1, j] - Nf[0, j] * Nf[1, i])
            if dv > best:
                best, piv = dv, (i, j)
    i, j = piv
    free = [c for c in range(4) if c not in piv]
    na, nb = N[a], N[b]
    det = na[i] * nb[j] - na[j] * nb[i]
    if det == 0:
        return ExactResult("degenerate", detail=f"the facets of 2-face {faces[0]} are exactly parallel")
    # x = X0 + X1 u with u = x[free]: x[i], x[j] from the two equations.
    X0 = [Fraction(0)] * 4
    X1 = [[Fraction(0), Fraction(0)] for _ in range(4)]
    for col, fc in enumerate(free):
        X1[fc][col] = Fraction(1)
    # [na_i na_j; nb_i nb_j] [x_i; x_j] = [H_a - na.rest; H_b - nb.rest]
    ra = [H[a]] + [-na[fc] for fc in free]  # affine in u: constant, u0, u1
    rb = [H[b]] + [-nb[fc] for fc in free]
    xi = [(ra[q] * nb[j] - rb[q] * na[j]) / det for q in range(3)]
    xj = [(na[i] * rb[q] - nb[i] * ra[q]) / det for q in range(3)]
    X0[i], X1[i] = xi[0], [xi[1], xi[2]]
    X0[j], X1[j] = xj[0], [xj[1], xj[2]]

    xs, ts = [], []
    x0, x1 = X0[:], [r[:] for r in X1]
    for s in range(k):
        E = int(G.face_facets[faces[s], 1])
        Gx = int(G.face_facets[faces[(s + 1) % k], 1])
        R = reeb(E)
        n = N[Gx]
        rate = sum(n[c] * R[c] for c in range(4))
        if rate == 0:  # exactly Lagrangian 2-face in the rational data: not decided here
            return ExactResult("degenerate", detail=f"the exact rate of facet {Gx} along R_{E} is 0")
        t0 = (H[Gx] - sum(n[c] * x0[c] for c in range(4))) / rate
        t1 = [-sum(n[c] * x1[c][q] for c in range(4)) / rate for q in range(2)]
        xs.append((x0[:], [r[:] for r in x1]))
        ts.append((t0, t1))
        x0 = [x0[c] + t0 * R[c] for c in range(4)]
        x1 = [[x1[c][q] + t1[q] * R[c] for q in range(2)] for c in range(4)]
    # Closure on the free coordinates: (X1k[free] - I) u = X0[free] - X0k[free].
    m00, m01 = x1[free[0]][0] - 1, x1[free[0]][1]
    m10, m11 = x1[free[1]][0], x1[free[1]][1] - 1
    r0, r1 = X0[free[0]] - x0[free[0]], X0[free[1]] - x0[free[1]]
    dm = m00 * m11 - m01 * m10
    if dm != 0:
        u = [(r0 * m11 - r1 * m01) / dm, (m00 * r1 - m10 * r0) / dm]
    else:
        u = _degenerate_fixed_point(G, N, H, xs, ts, ((m00, m01, r0), (m10, m11, r1)))
        if isinstance(u, ExactResult):
            return u
    X = []
    T = []
    for (p0, p1), (t0, t1) in zip(xs, ts):
        X.append([p0[c] + p1[c][0] * u[0] + p1[c][1] * u[1] for c in range(4)])
        T.append(t0 + t1[0] * u[0] + t1[1] * u[1])
    for s, t in enumerate(T):
        if t < 0:
            return ExactResult("excluded", detail=f"flow time {s} is negative ({float(t):.3g})")
    Xf = np.array([[float(v) for v in row] for row in X])
    slack = G.H[None, :] - Xf @ G.N.T
    near = 1e-6 * G.scale
    for s in range(k):
        for g in np.flatnonzero(slack[s] < near):
            g = int(g)
            if slack[s, g] < -near:
                return ExactResult("excluded", detail=f"breakpoint {s} violates facet {g} by {-slack[s, g]:.3g}")
            ex = H[g] - sum(N[g][c] * X[s][c] for c in range(4))
            if ex < 0:
                return ExactResult("excluded", detail=f"breakpoint {s} violates facet {g} by {float(-ex):.3g}")
    action = sum(T, Fraction(0))
    if float(action) < math.pi * G.inradius ** 2 * (1.0 - BALL_SLACK):
        # Every closed facet polygon has action 0 (a constant loop) or >= c_EHZ >= pi r^2
        # (reeb-certification.md Lemma 1): this is the constant loop at a vertex.
        return ExactResult("excluded", detail=f"a constant loop (exact action {float(action):.3g})")
    return ExactResult("valid", action, x=Xf, t=np.array([float(t) for t in T]))


def _degenerate_fixed_point(G, N, H, xs, ts, rows):
    """Eigenvalue 1: the fixed set is empty, a line or the whole plane.  For a line, the exact
    interval of it on which every constraint holds (one variable); a point of it, or an ExactResult."""
    nz = [row for row in rows if row[0] != 0 or row[1] != 0]
    if not nz:
        if all(row[2] == 0 for row in rows):
            return ExactResult("degenerate", detail="the exact return map is the identity (a 2-parameter family)")
        return ExactResult("excluded", detail="no fixed point (the exact return map is a translation)")
    m0, m1, r = nz[0]
    for a0, a1, ra in rows:  # rank one: every row is a multiple of (m0, m1)
        if a0 * m1 - a1 * m0 != 0:
            return ExactResult("degenerate", detail="inconsistent exact rank")
        c = a0 / m0 if m0 != 0 else a1 / m1
        if ra != c * r:
            return ExactResult("excluded", detail="no fixed point (inconsistent closure)")
    nn = m0 * m0 + m1 * m1
    up = [r * m0 / nn, r * m1 / nn]
    w = [-m1, m0]
    lo, hi = None, None

    def keep(c0, c1):  # c0 + c1 lam >= 0
        nonlocal lo, hi
        if c1 == 0:
            return c0 >= 0
        bound = -c0 / c1
        if c1 > 0:
            lo = bound if lo is None or bound > lo else lo
        else:
            hi = bound if hi is None or bound < hi else hi
        return True

    m = len(H)
    for (p0, p1), (t0, t1) in zip(xs, ts):
        if not keep(t0 + t1[0] * up[0] + t1[1] * up[1], t1[0] * w[0] + t1[1] * w[1]):
            return ExactResult("excluded", detail="a flow time is negative on the whole fixed line")
        x0 = [p0[c] + p1[c][0] * up[0] + p1[c][1] * up[1] for c in range(4)]
        x1 = [p1[c][0] * w[0] + p1[c][1] * w[1] for c in range(4)]
        for g in range(m):
            c0 = H[g] - sum(N[g][c] * x0[c] for c in range(4))
            c1 = -sum(N[g][c] * x1[c] for c in range(4))
            if not keep(c0, c1):
                return ExactResult("excluded", detail=f"facet {g} is violated on the whole fixed line")
    if lo is not None and hi is not None and lo > hi:
        return ExactResult("excluded", detail="no point of the fixed line satisfies every constraint")
    lam = (lo + hi) / 2 if lo is not None and hi is not None else (lo if lo is not None else (hi or 0))
    return [up[0] + lam * w[0], up[1] + lam * w[1]]
