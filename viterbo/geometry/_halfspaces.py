"""The halfspace side of construction: {x : B x <= c} validated, centred and intersected.

Rows are rescaled by powers of two (exact) to unit normals; empty, unbounded and flat systems are
refused with the reason; the intersection is computed by the polar hull around the analytic centre
(viterbo.geometry._hull.hull_from_halfspaces), and every vertex is checked against every row.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PolytopeError
from . import _hull

__all__ = ["halfspace_hull", "chebyshev_centre", "analytic_centre", "positively_spans", "recession_direction"]

LD = np.longdouble


def _linprog(*args, **kwargs):
    from scipy.optimize import linprog  # deferred: scipy.optimize costs ~0.3 s to import

    return linprog(*args, **kwargs)


def halfspace_hull(Bn: np.ndarray, cn: np.ndarray, who: str) -> _hull.HullData:
    """The irredundant description of {x : Bn x <= cn} (finite arrays of shapes (m, d), (m,)).

    Raises
    ------
    PolytopeError
        A row 0 <= c < 0 (empty), too few rows, an unbounded or infeasible system, no interior.
    """
    # Rescale rows by a power of two first (exact), so that huge or tiny rows keep their norms finite.
    amax = np.abs(Bn).max(axis=1)
    zero = amax == 0
    if np.any(zero & (cn < 0)):
        raise PolytopeError(f"{who}: row {int(np.argmax(zero & (cn < 0)))} reads 0 <= c with c < 0; the set is empty.")
    Bn, cn, amax = Bn[~zero], cn[~zero], amax[~zero]
    e = np.frexp(amax)[1]
    Bs = np.ldexp(Bn, -e[:, None])
    norms = np.sqrt((Bs * Bs).sum(axis=1))
    Bn = Bs / norms[:, None]
    cn = np.ldexp(cn, -e) / norms
    if not np.all(np.isfinite(cn)):
        raise PolytopeError(f"{who}: an offset c_i / |B_i| overflows float64; rescale the rows of (B, c).")
    if Bn.shape[0] < Bn.shape[1] + 1:
        raise PolytopeError(
            f"{who}: {Bn.shape[0]} halfspace(s) in R^{Bn.shape[1]} cannot bound a region; "
            f"need at least {Bn.shape[1] + 1}."
        )
    direction = recession_direction(Bn)
    if direction is not None:
        raise PolytopeError(
            f"{who}: the set is unbounded (it contains the ray along {np.round(direction, 6).tolist()}). "
            "Add halfspaces whose normals surround the origin."
        )
    # The LP runs on offsets of unit size (HiGHS' tolerances are absolute).
    ce = int(np.frexp(float(np.abs(cn).max()) or 1.0)[1])
    centre, radius = chebyshev_centre(Bn, np.ldexp(cn, -ce))
    centre, radius = np.ldexp(centre, ce), math.ldexp(radius, ce)
    scale = float(np.abs(cn - Bn @ centre).max())
    if radius <= _hull.FLAT_TOL * max(scale, np.finfo(float).tiny):
        raise PolytopeError(
            f"{who}: the halfspaces meet in a set without interior (largest inscribed ball "
            f"has radius {radius:.3g}, relative {radius / scale:.2g} < {_hull.FLAT_TOL:g}). Loosen the offsets c."
        )
    # The polar hull is well conditioned around a point deep inside in every direction.
    centre = analytic_centre(Bn, cn, centre)
    return _hull.hull_from_halfspaces(Bn, cn, centre, who)  # checks every row at every vertex


def chebyshev_centre(normals: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and radius of the largest ball in {x : B x <= c} (B with unit rows)."""
    m, d = normals.shape
    cost = np.zeros(d + 1)
    cost[-1] = -1.0
    A = np.concatenate([normals, np.ones((m, 1))], axis=1)
    bounds = [(None, None)] * d + [(0, None)]
    res = _linprog(cost, A_ub=A, b_ub=offsets, bounds=bounds, method="highs")
    if res.status == 2:
        raise PolytopeError(
            "Polytope.from_halfspaces: the halfspaces B x <= c have no common point (infeasible). "
            "Check the signs of c, or that every inequality is written as B x <= c."
        )
    if res.status == 3:
        raise PolytopeError(
            "Polytope.from_halfspaces: the halfspaces contain arbitrarily large balls (unbounded). "
            "Add halfspaces whose normals surround the origin."
        )
    if res.status != 0:
        raise PolytopeError(f"Polytope.from_halfspaces: Chebyshev-centre LP failed: {res.message}")
    return res.x[:d], float(res.x[-1])


def analytic_centre(normals: np.ndarray, offsets: np.ndarray, start: np.ndarray, iterations: int = 100) -> np.ndarray:
    """The analytic centre argmin -sum log(c_i - <b_i, x>), by damped Newton from a strictly interior start.

    Affine invariant, and deep inside in every direction: the slack of halfspace i there is at least
    about 1/m of the width of K along b_i (the Dikin ellipsoid scaled by m contains K), unlike the
    Chebyshev centre, which may sit 1e-6 from the boundary of a body 1e-6 thin in one direction and
    100 long in others.  Newton steps solve A dx = -1 in least squares with A = diag(1/s) B (no
    normal equations: the conditioning is not squared); the step 1 / (1 + lambda) keeps x interior.
    """
    x = start.astype(np.float64).copy()
    for _ in range(iterations):
        s = np.asarray(offsets.astype(LD) - normals.astype(LD) @ x.astype(LD), dtype=np.float64)
        if s.min() <= 0:
            break
        A = normals / s[:, None]
        dx = np.linalg.lstsq(A, -np.ones(len(s)), rcond=None)[0]
        lam = float(np.sqrt(max(-(A @ dx).sum(), 0.0)))  # Newton decrement: -g . dx with g = A^T 1
        x_new = x + dx / (1.0 + lam)
        s_new = offsets - normals @ x_new
        if s_new.min() <= 0:
            break
        x = x_new
        if lam < 1e-8:
            break
    return x


def positively_spans(normals: np.ndarray) -> bool:
    """Whether the rows positively span R^d: they span R^d and some dependence sum l_i n_i = 0 has all l_i > 0.

    For a non-empty {B x <= c} this is exactly boundedness (Gordan's alternative: the recession
    cone {y : B y <= 0} is {0}).  One rank test and one feasibility LP (l >= 1 after scaling).
    """
    m, d = normals.shape
    if np.linalg.matrix_rank(normals) < d:
        return False
    res = _linprog(np.zeros(m), A_eq=normals.T, b_eq=np.zeros(d), bounds=[(1, None)] * m, method="highs")
    return res.status == 0


def recession_direction(normals: np.ndarray) -> np.ndarray | None:
    """A nonzero y with B y <= 0 if {B x <= c} is unbounded, else None."""
    m, d = normals.shape
    if positively_spans(normals):
        return None
    if np.linalg.matrix_rank(normals) < d:  # a whole line {t y} lies in the recession cone
        return np.linalg.svd(normals)[2][-1]
    for k in range(d):
        for sign in (1.0, -1.0):
            cost = np.zeros(d)
            cost[k] = -sign
            res = _linprog(cost, A_ub=normals, b_ub=np.zeros(m), bounds=[(-1, 1)] * d, method="highs")
            if res.status == 0 and -res.fun > 1e-9:
                return res.x
    return None
