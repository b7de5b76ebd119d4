"""Fixed points of composed transfer maps, one-shot reconstruction of an orbit in R^4, validation.

reeb-dynamics-4d.md §2.5 and §6 item 11: the breakpoints are solved for all
at once as one linear system (never by iterating the maps forward, which
amplifies rounding on strongly hyperbolic cycles), the action is recomputed
from the breakpoints, and that recomputed action is what the search judges.

Domains are closed (reeb-certification.md §3): a fixed point on the boundary
of its domain, a breakpoint on the 1-skeleton and a zero-length segment are
all admissible; such a loop is still a closed characteristic (Lemma 1 there).
"""

from __future__ import annotations

import math

import numpy as np

from .flow_graph import FlowGraph
from .rotation import trace_tolerance
from .tolerances import BALL_SLACK, GAMMA, INTERIOR_MARGIN, PIN_WEIGHT, RESID_TOL, TIME_TOL

__all__ = ["FixedPoint", "solve_fixed_point", "reconstruct", "reconstruct_r4", "validate_closed", "polygon_margin",
           "clean_witness", "INTERIOR_MARGIN", "STATUS_OK", "STATUS_BOUNDARY", "STATUS_OUTSIDE",
           "REJ_NUMERIC", "REJ_BALL"]

STATUS_OK, STATUS_BOUNDARY, STATUS_OUTSIDE = 0, 1, 2
#: Why a rebuilt loop was rejected: the float checks failed (residual, closure, off its face, outside K),
#: or its recomputed action is below pi r^2 (a constant loop around a vertex, not an orbit).
REJ_NUMERIC, REJ_BALL = 1, 2


class FixedPoint:
    """A fixed point s of (A, b) in the domain polygon, with its position status."""

    __slots__ = ("s", "degenerate", "status", "err")

    def __init__(self, s, degenerate, status, err=0.0):
        self.s = s
        self.degenerate = degenerate
        self.status = status
        self.err = err


def polygon_margin(poly: list, s0: float, s1: float) -> float:
    """Signed distance from (s0, s1) to a closed convex polygon (CCW; inside > 0, outside < 0).

    Inside, the smallest distance to an edge line; a polygon with one or two
    vertices (a point or a segment: a closed domain that thinned) gives minus
    the distance to it.
    """
    k = len(poly)
    if k == 0:
        return -math.inf
    if k <= 2:
        p = poly[0]
        q = poly[-1]
        ex, ey = q[0] - p[0], q[1] - p[1]
        ln2 = ex * ex + ey * ey
        lam = 0.0 if ln2 == 0.0 else min(1.0, max(0.0, ((s0 - p[0]) * ex + (s1 - p[1]) * ey) / ln2))
        return -math.hypot(s0 - p[0] - lam * ex, s1 - p[1] - lam * ey)
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


def solve_fixed_point(A: np.ndarray, b: np.ndarray, poly: list, diam: float, perr: float = 0.0) -> FixedPoint | None:
    """Solve (A - I) s = -b in the closed polygon ``poly`` (chart of the start face).

    Nondegenerate (Tr A != 2, or A - I well enough conditioned that the solution's
    error bound is below the face's size): the unique solution; it is accepted when
    it lies in the polygon up to its own error bound (from ``perr``, the error
    bound of s -> A s + b on the face, and the conditioning of A - I;
    reeb-certification.md §7).  A - I singular in float64 with Tr A != 2:
    undecided (status OUTSIDE, infinite error; the exact phase decides).
    Degenerate: A ~ I with b ~ 0 (a 2-parameter family: the vertex average of
    the polygon), or a line of fixed points (the point of its chord through the
    polygon nearest the middle).  Returns None when no fixed point lies in the
    closed polygon up to the error bound.
    """
    M00, M01, M10, M11 = A[0, 0] - 1.0, A[0, 1], A[1, 0], A[1, 1] - 1.0
    tr = A[0, 0] + A[1, 1]
    scale_a = max(1.0, float(np.sqrt((A * A).sum())))
    tol_m = INTERIOR_MARGIN * diam
    degenerate = abs(tr - 2.0) <= trace_tolerance(A)
    undecided = FixedPoint((math.nan, math.nan), False, STATUS_OUTSIDE, math.inf)
    det = float(M00 * M11 - M01 * M10)
    if det != 0.0:
        s0 = (-b[0] * M11 + b[1] * M01) / det
        s1 = (-M00 * b[1] + M10 * b[0]) / det
        # |(A - I)^{-1}|_inf times the error of the system (A - I) s = -b at the solution.
        ninv = max(abs(M11) + abs(M01), abs(M10) + abs(M00)) / abs(det)
        mnorm = max(abs(M00) + abs(M01), abs(M10) + abs(M11))
        err = ninv * (perr + GAMMA * (mnorm * max(abs(s0), abs(s1)) + max(abs(b[0]), abs(b[1]))))
        finite = math.isfinite(s0) and math.isfinite(s1) and math.isfinite(err)
        # A trace within the rotation tolerance of 2 does not make A - I singular: when the unique
        # solution is determined to better than the face's size, it decides (a nearly parabolic return
        # map of a nearly Lagrangian polytope has its fixed point there, and the family logic below
        # would drop it).
        if finite and (not degenerate or err <= diam):
            m = polygon_margin(poly, s0, s1)
            band = max(tol_m, err)
            if m > band:
                return FixedPoint((s0, s1), False, STATUS_OK, err)
            if m >= -band:
                return FixedPoint((s0, s1), False, STATUS_BOUNDARY, err)
            return None
    if not degenerate:
        # A - I singular in float64 (a strongly hyperbolic map): float cannot place the fixed point, so it
        # is not rejected but left to the exact phase (status OUTSIDE with an infinite error).
        return undecided
    bn = float(math.hypot(b[0], b[1]))
    # 2x2 SVD by hand (the C++ kernel uses the same formulas): M^T M = [[p, q], [q, r]].
    p = M00 * M00 + M10 * M10
    q = M00 * M01 + M10 * M11
    r = M01 * M01 + M11 * M11
    lam1 = 0.5 * (p + r) + math.hypot(0.5 * (p - r), q)
    sv0 = math.sqrt(max(lam1, 0.0))
    n = len(poly)
    if sv0 <= 1e-9 * scale_a:
        if bn > max(tol_m, 4.0 * perr):
            return None
        s0 = sum(v[0] for v in poly) / n
        s1 = sum(v[1] for v in poly) / n
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
    if math.hypot(res0, res1) > max(1e-9 * (bn + diam), 4.0 * perr):
        return None
    z = (-v1, v0)
    if n <= 2:
        # A point or a segment: the point of it nearest to the fixed line (distance along (v0, v1)).
        pa, pb = poly[0], poly[-1]
        da = (pa[0] - s_p[0]) * v0 + (pa[1] - s_p[1]) * v1
        db = (pb[0] - s_p[0]) * v0 + (pb[1] - s_p[1]) * v1
        lam = 0.0 if da == db else min(1.0, max(0.0, da / (da - db)))
        s0, s1 = pa[0] + lam * (pb[0] - pa[0]), pa[1] + lam * (pb[1] - pa[1])
        dist = abs(da + lam * (db - da))
        if dist > max(tol_m, 4.0 * perr):
            return None
        return FixedPoint((s0, s1), True, STATUS_BOUNDARY)
    lo, hi = -math.inf, math.inf
    for i in range(n):
        p = poly[i]
        q = poly[(i + 1) % n]
        ex, ey = q[0] - p[0], q[1] - p[1]
        # inside: ex*(y - p1) - ey*(x - p0) >= 0 along s_p + t z
        c0 = ex * (s_p[1] - p[1]) - ey * (s_p[0] - p[0])
        c1 = ex * z[1] - ey * z[0]
        if abs(c1) <= 1e-300:
            if c0 < -tol_m * math.hypot(ex, ey):
                return None
            continue
        t = -c0 / c1
        if c1 > 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if not hi >= lo - tol_m:
        return None
    t = 0.5 * (lo + hi)
    s0, s1 = float(s_p[0] + t * z[0]), float(s_p[1] + t * z[1])
    m = polygon_margin(poly, s0, s1)
    return FixedPoint((s0, s1), True, STATUS_OK if m > tol_m else STATUS_BOUNDARY)


def reconstruct(G: FlowGraph, faces: list[int], s_start, pin: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Breakpoints x_i in F_i and flow times t_i of the closed 2-face path ``faces``, as one linear system.

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
        Amat[4 * k, 0] = 1.0
        Amat[4 * k + 1, 1] = 1.0
        rhs[4 * k:] = np.asarray(s_start)
    sol, *_ = np.linalg.lstsq(Amat, rhs, rcond=None)
    resid = float(np.abs(Amat @ sol - rhs).max()) / max(G.scale, 1e-300)
    s = sol[:2 * k].reshape(k, 2)
    t = sol[2 * k:]
    x = np.array([G.face_c[faces[i]] + G.face_M[faces[i]] @ s[i] for i in range(k)])
    return x, t, resid


def reconstruct_r4(G: FlowGraph, facet_sets: list, flow_facets: list[int], pin_x0=None):
    """Breakpoints and times of a closed path given by faces of any dimension, as one linear system in R^4.

    Breakpoint i lies on every facet of ``facet_sets[i]`` (2 for a 2-face, all
    facets through an edge or vertex) and x_{i+1} = x_i + t_i R_{E_i} with
    E_i = ``flow_facets[i]``.  ``pin_x0`` adds x_0 = pin with the small weight
    PIN_WEIGHT: it selects the member nearest the pin of a family of closed
    orbits (a rank-deficient system) and moves a unique solution by a
    negligible amount.  Least squares; returns (x (k, 4), t (k,), relative
    residual of the orbit's own equations).
    """
    k = len(flow_facets)
    n_face_rows = sum(len(s) for s in facet_sets)
    rows = n_face_rows + 4 * k + (4 if pin_x0 is not None else 0)
    Amat = np.zeros((rows, 5 * k))
    rhs = np.zeros(rows)
    r = 0
    for i in range(k):
        for g in facet_sets[i]:
            Amat[r, 4 * i:4 * i + 4] = G.N[g]
            rhs[r] = G.H[g]
            r += 1
    for i in range(k):
        j = (i + 1) % k
        Amat[r:r + 4, 4 * j:4 * j + 4] += np.eye(4)
        Amat[r:r + 4, 4 * i:4 * i + 4] -= np.eye(4)
        Amat[r:r + 4, 4 * k + i] = -G.R[flow_facets[i]]
        r += 4
    if pin_x0 is not None:
        Amat[r:r + 4, 0:4] = PIN_WEIGHT * np.eye(4)
        rhs[r:r + 4] = PIN_WEIGHT * np.asarray(pin_x0)
    sol, *_ = np.linalg.lstsq(Amat, rhs, rcond=None)
    resid = float(np.abs(Amat[:r] @ sol - rhs[:r]).max()) / max(G.scale, 1e-300)
    return sol[:4 * k].reshape(k, 4), sol[4 * k:], resid


def validate_closed(G: FlowGraph, facet_sets: list, x: np.ndarray, t: np.ndarray, resid: float):
    """Check a rebuilt closed path in R^4 (closed semantics); return (status, action, problem).

    status STATUS_OK: every breakpoint on the facets of its face and in K,
    every flow time >= 0 (down to -TIME_TOL of the total), closed, the action
    from the breakpoints equal to the sum of flow times, and no breakpoint
    within the margin of another facet nor a zero-length segment.
    STATUS_BOUNDARY: valid, but touching the 1-skeleton or with a zero-length
    segment (an orbit of Type 2, or a limit of Type 1 orbits).
    STATUS_OUTSIDE with problem code REJ_NUMERIC (a float check failed) or
    REJ_BALL (recomputed action below pi r^2: a constant loop, not an orbit).
    """
    k = len(facet_sets)
    tol = INTERIOR_MARGIN * G.scale
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(t)) or resid > RESID_TOL:
        return STATUS_OUTSIDE, math.nan, REJ_NUMERIC
    total = float(t.sum())
    nxt = np.roll(x, -1, axis=0)
    action = 0.5 * float((x[:, 0] * nxt[:, 2] + x[:, 1] * nxt[:, 3] - x[:, 2] * nxt[:, 0] - x[:, 3] * nxt[:, 1]).sum())
    ball = math.pi * G.inradius ** 2
    if max(action, total) < ball * (1.0 - BALL_SLACK):
        return STATUS_OUTSIDE, action, REJ_BALL
    if total <= 0 or float(t.min()) < -TIME_TOL * total:
        return STATUS_OUTSIDE, math.nan, REJ_NUMERIC
    status = STATUS_OK if float(t.min()) > TIME_TOL * total else STATUS_BOUNDARY
    slack = G.H[None, :] - x @ G.N.T  # (k, m)
    for i in range(k):
        row = slack[i].copy()
        on = list(facet_sets[i])
        if np.abs(row[on]).max() > tol:
            return STATUS_OUTSIDE, math.nan, REJ_NUMERIC
        row[on] = math.inf
        mn = float(row.min())
        if mn < -tol:
            return STATUS_OUTSIDE, math.nan, REJ_NUMERIC
        if mn <= tol:
            status = STATUS_BOUNDARY
    if not abs(action - total) <= 1e-9 * max(abs(action), abs(total)):
        return STATUS_OUTSIDE, math.nan, REJ_NUMERIC
    if action < ball * (1.0 - BALL_SLACK):
        return STATUS_OUTSIDE, action, REJ_BALL
    return status, action, 0


def clean_witness(x: np.ndarray, t: np.ndarray, facets: list[int]) -> tuple[np.ndarray, list[int]]:
    """Drop zero-length segments (t_i <= TIME_TOL of the total): breakpoints and facets of the witness."""
    total = float(t.sum())
    keep = [i for i in range(len(facets)) if t[i] > TIME_TOL * total]
    return x[keep], [int(facets[i]) for i in keep]
