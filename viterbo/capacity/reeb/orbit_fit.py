"""Fixed points of composed transfer maps and the one-shot reconstruction of an orbit in R^4.

reeb-dynamics-4d.md §2.5 and §6 item 11: the breakpoints are solved for all
at once as one linear system (never by iterating the maps forward, which
amplifies rounding on strongly hyperbolic cycles), the action is recomputed
from the breakpoints, and that recomputed action is what the search judges.
"""

from __future__ import annotations

import math

import numpy as np

from .flow_graph import FlowGraph
from .rotation import trace_tolerance

__all__ = ["FixedPoint", "solve_fixed_point", "reconstruct", "validate_orbit", "INTERIOR_MARGIN",
           "STATUS_OK", "STATUS_BOUNDARY", "STATUS_OUTSIDE"]

#: Relative margin (to the start face's diameter, or to the polytope's size
#: in R^4) below which a point counts as on the boundary of its domain.
INTERIOR_MARGIN = 1e-9

STATUS_OK, STATUS_BOUNDARY, STATUS_OUTSIDE = 0, 1, 2


class FixedPoint:
    """A fixed point s of (A, b) in the domain polygon, with its position status."""

    __slots__ = ("s", "degenerate", "status")

    def __init__(self, s, degenerate, status):
        self.s = s
        self.degenerate = degenerate
        self.status = status


def polygon_margin(poly: list, s0: float, s1: float) -> float:
    """Smallest signed distance from (s0, s1) to the edge lines of a CCW convex polygon (inside > 0)."""
    k = len(poly)
    best = math.inf
    for i in range(k):
        p = poly[i]
        q = poly[(i + 1) % k]
        ex, ey = q[0] - p[0], q[1] - p[1]
        ln = math.hypot(ex, ey)
        if ln == 0.0:
            continue
        d = (ex * (s1 - p[1]) - ey * (s0 - p[0])) / ln
        best = min(best, d)
    return best


def solve_fixed_point(A: np.ndarray, b: np.ndarray, poly: list, diam: float) -> FixedPoint | None:
    """Solve (A - I) s = -b in the open polygon ``poly`` (chart of the start face).

    Nondegenerate (Tr A != 2): the unique solution.  Degenerate: A ~ I with
    b ~ 0 (a 2-parameter family: the vertex average of the polygon), or a line
    of fixed points (the midpoint of its chord through the polygon).  Returns
    None when there is no fixed point in the closed polygon (up to the margin).
    """
    M00, M01, M10, M11 = A[0, 0] - 1.0, A[0, 1], A[1, 0], A[1, 1] - 1.0
    tr = A[0, 0] + A[1, 1]
    scale_a = max(1.0, float(np.sqrt((A * A).sum())))
    tol_m = INTERIOR_MARGIN * diam
    degenerate = abs(tr - 2.0) <= trace_tolerance(A)
    if not degenerate:
        det = M00 * M11 - M01 * M10
        s0 = (-b[0] * M11 + b[1] * M01) / det
        s1 = (-M00 * b[1] + M10 * b[0]) / det
        # Rounding in s grows with the conditioning of A - I.
        cond = scale_a * scale_a / abs(det)
        err = 1e-15 * cond * (abs(s0) + abs(s1) + diam)
        m = polygon_margin(poly, s0, s1)
        band = max(tol_m, err)
        if m > band:
            return FixedPoint((s0, s1), False, STATUS_OK)
        if m >= -band:
            return FixedPoint((s0, s1), False, STATUS_BOUNDARY)
        return None
    # 2x2 SVD by hand (the C++ kernel uses the same formulas): M^T M = [[p, q], [q, r]].
    p = M00 * M00 + M10 * M10
    q = M00 * M01 + M10 * M11
    r = M01 * M01 + M11 * M11
    lam1 = 0.5 * (p + r) + math.hypot(0.5 * (p - r), q)
    sv0 = math.sqrt(max(lam1, 0.0))
    bn = float(math.hypot(b[0], b[1]))
    if sv0 <= 1e-9 * scale_a:
        if bn > tol_m:
            return None
        n = len(poly)
        s0 = sum(p[0] for p in poly) / n
        s1 = sum(p[1] for p in poly) / n
        m = polygon_margin(poly, s0, s1)
        return FixedPoint((s0, s1), True, STATUS_OK if m > tol_m else STATUS_BOUNDARY)
    # Rank one: the fixed set is the line s_p + t z (if b is in the range).
    # Top right singular vector v1 (eigenvector of M^T M for lam1), u1 = M v1 / sv0.
    v0, v1 = lam1 - r, q
    w0, w1 = q, lam1 - p
    if math.hypot(w0, w1) > math.hypot(v0, v1):
        v0, v1 = w0, w1
    nv = math.hypot(v0, v1)
    if nv == 0.0:
        v0, v1, nv = 1.0, 0.0, 1.0
    v0, v1 = v0 / nv, v1 / nv
    u0, u1 = (M00 * v0 + M01 * v1) / sv0, (M10 * v0 + M11 * v1) / sv0
    ub = u0 * b[0] + u1 * b[1]
    s_p = (-v0 * ub / sv0, -v1 * ub / sv0)
    res0 = M00 * s_p[0] + M01 * s_p[1] + b[0]
    res1 = M10 * s_p[0] + M11 * s_p[1] + b[1]
    if math.hypot(res0, res1) > 1e-9 * (bn + diam):
        return None
    z = (-v1, v0)
    lo, hi = -math.inf, math.inf
    k = len(poly)
    for i in range(k):
        p = poly[i]
        q = poly[(i + 1) % k]
        ex, ey = q[0] - p[0], q[1] - p[1]
        # inside: ex*(y - p1) - ey*(x - p0) >= 0 along s_p + t z
        c0 = ex * (s_p[1] - p[1]) - ey * (s_p[0] - p[0])
        c1 = ex * z[1] - ey * z[0]
        if abs(c1) <= 1e-300:
            if c0 < 0:
                return None
            continue
        t = -c0 / c1
        if c1 > 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if not hi >= lo:
        return None
    t = 0.5 * (lo + hi)
    s0, s1 = float(s_p[0] + t * z[0]), float(s_p[1] + t * z[1])
    m = polygon_margin(poly, s0, s1)
    return FixedPoint((s0, s1), True, STATUS_OK if m > tol_m else STATUS_BOUNDARY)


def reconstruct(G: FlowGraph, faces: list[int], s_start, pin: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Breakpoints x_i in F_i and flow times t_i of the closed path ``faces``, as one linear system.

    Unknowns: chart coordinates s_i (2 per face) and times t_i.  Equations:
    c_{i+1} + M_{i+1} s_{i+1} = c_i + M_i s_i + t_i R_{E_i} (4 per segment;
    one of the 4 is redundant, both sides lie on E_i).  With ``pin`` (a
    degenerate family) two more rows fix s_1 = s_start.  Least squares on the
    whole system; returns (x (k, 4), t (k,), relative residual).
    """
    k = len(faces)
    rows = 4 * k + (2 if pin else 0)
    Amat = np.zeros((rows, 3 * k))
    rhs = np.zeros(rows)
    for i in range(k):
        f, g = faces[i], faces[(i + 1) % k]
        E = int(G.face_facets[f, 1])
        r = slice(4 * i, 4 * i + 4)
        Amat[r, 2 * ((i + 1) % k):2 * ((i + 1) % k) + 2] += G.face_M[g]
        Amat[r, 2 * i:2 * i + 2] -= G.face_M[f]
        Amat[r, 2 * k + i] = -G.R[E]
        rhs[r] = G.face_c[f] - G.face_c[g]
    if pin:
        w = 1.0
        Amat[4 * k, 0] = w
        Amat[4 * k + 1, 1] = w
        rhs[4 * k:] = w * np.asarray(s_start)
    sol, *_ = np.linalg.lstsq(Amat, rhs, rcond=None)
    resid = float(np.abs(Amat @ sol - rhs).max()) / max(G.scale, 1e-300)
    s = sol[:2 * k].reshape(k, 2)
    t = sol[2 * k:]
    x = np.array([G.face_c[faces[i]] + G.face_M[faces[i]] @ s[i] for i in range(k)])
    return x, t, resid


def validate_orbit(G: FlowGraph, faces: list[int], x: np.ndarray, t: np.ndarray, resid: float):
    """Check a rebuilt orbit in R^4; return (status, action, problem).

    status STATUS_OK: every breakpoint in the relative interior of its 2-face
    (margin relative to the polytope's size), every flow time positive,
    closed, action from the breakpoints equal to the sum of flow times.
    STATUS_BOUNDARY: valid, but some breakpoint is within the margin of the
    1-skeleton (a Type 2 candidate).  STATUS_OUTSIDE with a problem string:
    rejected.
    """
    k = len(faces)
    tol = INTERIOR_MARGIN * G.scale
    if not np.all(np.isfinite(x)) or resid > 1e-9:
        return STATUS_OUTSIDE, math.nan, f"reconstruction residual {resid:.3g}"
    total = float(t.sum())
    if total <= 0 or float(t.min()) <= 1e-12 * total:
        return STATUS_OUTSIDE, math.nan, "non-positive flow time"
    slack = G.H[None, :] - x @ G.N.T  # (k, m)
    status = STATUS_OK
    for i in range(k):
        a, b = G.face_pairs[faces[i]]
        row = slack[i].copy()
        if abs(row[a]) > tol or abs(row[b]) > tol:
            return STATUS_OUTSIDE, math.nan, f"breakpoint {i} is off its 2-face"
        row[a] = row[b] = math.inf
        mn = float(row.min())
        if mn < -tol:
            return STATUS_OUTSIDE, math.nan, f"breakpoint {i} lies outside K"
        if mn <= tol:
            status = STATUS_BOUNDARY
    nxt = np.roll(x, -1, axis=0)
    action = 0.5 * float((x[:, 0] * nxt[:, 2] + x[:, 1] * nxt[:, 3] - x[:, 2] * nxt[:, 0] - x[:, 3] * nxt[:, 1]).sum())
    if not abs(action - total) <= 1e-9 * max(abs(action), abs(total)):
        return STATUS_OUTSIDE, math.nan, f"action {action!r} != flow time {total!r}"
    if action <= 0:
        return STATUS_OUTSIDE, math.nan, "non-positive action"
    # c_EHZ(K) >= c_EHZ(inscribed ball) = pi r^2, so a smaller action is a numerical artefact
    # (e.g. a fake loop around a vertex, §6 item 4), judged on the recomputed action.
    if action < math.pi * G.inradius ** 2 * (1.0 - 1e-9):
        return STATUS_OUTSIDE, math.nan, f"action {action!r} below pi r^2 = {math.pi * G.inradius ** 2!r}"
    return status, action, ""
