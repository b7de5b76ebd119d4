"""The search's inner-loop objective: exact systolic ratios, fast, with guards against bad geometry.

CMA-ES needs thousands of values per start, so the inner loop takes the cheapest *exact* route and
leaves the witness check to the points a search keeps (:func:`viterbo.search.exact_sys`):

- Lagrangian products of two polygons: the compiled billiard kernel on the two polygons directly
  (no 4D polytope is built): c = the shortest closed Minkowski billiard, vol = area P * area Q.
- Hulls and H-polytopes: ``method="reeb"`` (milliseconds, certified) and, where it declines or
  cannot certify (the maximisers at 5-7 vertices have Lagrangian 2-faces, so the ascent ends up
  right there), the ``haim_kislev`` formula for polytopes with at most
  :data:`HK_FALLBACK_MAX_FACETS` facets, within :data:`INNER_BUDGET_S` seconds.  A point no method
  certifies in time is a failure, never a value; the one exception is an uncertified reeb value
  that already shows the point is no improvement on the search's best (see :func:`polytope_sys`):
  it ranks the point, and is never kept as a value.

Two guards keep ill-conditioned points from turning into values:

- a point set is first moved by a linear symplectic map and a scaling to a normal form whose
  covariance is diag(l1, l2, l1, l2) with l1 + l2 = 2 (Williamson); sys does not change, but the hull
  of a sliver that the ascent has stretched along a flat direction becomes well conditioned;
- the hull's volume must agree with qhull's volume of the points (relative 1e-9): a hull whose
  vertex and halfspace descriptions disagree (seen on slivers with coordinates 1e-5..4e2) is a
  failure.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import schur
from scipy.spatial import ConvexHull, QhullError

from ..capacity import capacity
from ..capacity._products import ConvexPolygon
from ..capacity.billiard import minimal_billiard
from ..errors import (MethodNotApplicableError, NumericalFailureError, PolytopeError, TimeBudgetExceededError,
                      ViterboError)
from ..geometry.polygon import convex_hull_ccw
from ..geometry.polytope import Polytope

__all__ = ["INNER_BUDGET_S", "HK_FALLBACK_MAX_FACETS", "symplectic_normal_form", "symplectic_normal_map",
           "hull_or_none", "consistent", "polytope_sys", "polygon_product_sys", "ccw_hull"]

#: Seconds one inner-loop capacity may take (a point that needs more counts as a failure).
INNER_BUDGET_S = 2.0
#: Largest facet count for which the inner loop falls back to haim_kislev when reeb declines.
HK_FALLBACK_MAX_FACETS = 16
#: Relative disagreement between the hull's volume and qhull's volume of the points that rejects a point.
VOLUME_TOL = 1e-9

_J0 = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])


def symplectic_normal_map(points: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """(centroid c, scale s, symplectic M) such that y = s M (x - c) puts the points in normal form.

    Their covariance becomes diag(l1, l2, l1, l2) with l1 + l2 = 2 (Williamson's normal form).
    """
    X = np.asarray(points, dtype=np.float64)
    c = X.mean(axis=0)
    X = X - c
    S = X.T @ X / X.shape[0]
    w, U = np.linalg.eigh(S)
    if not w[0] > 1e-300:
        return c, 1.0, np.eye(4)
    half = (U * np.sqrt(w)) @ U.T
    half_inv = (U / np.sqrt(w)) @ U.T
    # A = S^1/2 J0 S^1/2 is antisymmetric: A = P [[0, L], [-L, 0]] P^T with P orthogonal (real Schur);
    # then M = diag(sqrt L, sqrt L) P^T S^-1/2 is symplectic and M S M^T = diag(L, L).
    T, Z = schur(half @ _J0 @ half, output="real")
    u, v, lam = [], [], []
    for k in (0, 2):
        a = T[k, k + 1]
        z1, z2 = Z[:, k], Z[:, k + 1]
        if a < 0:
            z1, z2, a = z2, z1, -a
        u.append(z1)
        v.append(z2)
        lam.append(a)
    P = np.stack(u + v, axis=1)
    g = np.sqrt(np.array(lam + lam))
    M = (g[:, None] * P.T) @ half_inv
    return c, 1.0 / math.sqrt(0.5 * sum(lam)), M


def symplectic_normal_form(points: np.ndarray) -> np.ndarray:
    """The points moved by x -> s M (x - centroid), M symplectic, s > 0, so that their covariance is
    diag(l1, l2, l1, l2) with l1 + l2 = 2 (Williamson's normal form of the covariance).

    sys is invariant under translations, linear symplectic maps and scalings, so this changes no
    value; it only undoes the stretching an ascent accumulates along those flat directions.

    Examples
    --------
    >>> import numpy as np
    >>> X = symplectic_normal_form(np.random.default_rng(0).normal(size=(9, 4)) * [1, 1, 1, 50])
    >>> C = X.T @ X / 9
    >>> bool(np.allclose(C, np.diag(np.diag(C)), atol=1e-9)), round(float(np.trace(C)), 9)
    (True, 4.0)
    """
    X = np.asarray(points, dtype=np.float64)
    c, scale, M = symplectic_normal_map(X)
    return scale * (X - c) @ M.T


def hull_or_none(points: np.ndarray) -> Polytope | None:
    """conv(points) as a Polytope whose volume agrees with qhull's, or None (degenerate, inconsistent)."""
    try:
        K = Polytope.from_vertices(points)
        expected = ConvexHull(points).volume
    except (PolytopeError, QhullError, ValueError):
        return None
    return K if consistent(K, expected) else None


def consistent(K: Polytope, expected_volume: float | None = None) -> bool:
    """Whether K's vertex and halfspace descriptions describe one body.

    Every facet must carry at least d vertices, and (when given) the volume must agree with
    ``expected_volume`` (qhull's volume of the input points) to :data:`VOLUME_TOL`.
    """
    if int(K._incidence_np().sum(axis=1).min()) < K.dim:  # numpy: the inner loop never needs torch
        return False
    return expected_volume is None or abs(K.volume() - expected_volume) <= VOLUME_TOL * expected_volume


def polytope_sys(K: Polytope, floor: float = -math.inf) -> tuple[float | None, bool]:
    """(sys(K), certified) by the fastest certifying method, or (None, False) when none certifies.

    ``reeb`` first (milliseconds).  Where it returns a value it cannot certify (it could not exclude
    a Type 2 orbit), that value is the action of a closed characteristic, hence an upper bound on
    c_EHZ: when the resulting bound on sys is at most ``floor`` (the search's best so far), the point
    cannot be an improvement and the bound is returned uncertified, for ranking only.  Otherwise
    ``haim_kislev`` (at most :data:`HK_FALLBACK_MAX_FACETS` facets) decides.  Near the maximisers at 6
    and more vertices reeb rarely certifies (Lagrangian and nearly Lagrangian 2-faces) and
    haim_kislev takes ~0.3 s at 14 facets, so this lazy certification is what makes the polish
    affordable; the best value a search keeps is always certified.
    """
    methods = ["reeb"] + (["haim_kislev"] if K.n_facets <= HK_FALLBACK_MAX_FACETS else [])
    for method in methods:
        try:
            r = capacity(K, method=method, time_budget=INNER_BUDGET_S)
        except (MethodNotApplicableError, NumericalFailureError, TimeBudgetExceededError):
            continue
        except ViterboError:
            return None, False
        s = r.value**2 / (2 * K.volume())
        if r.certified:
            return s, True
        if s <= floor:
            return s, False
    return None, False


def ccw_hull(V: np.ndarray) -> list[int]:
    """Indices of the vertices of conv(V) (planar points), counter-clockwise (monotone chain)."""
    return convex_hull_ccw([(float(x), float(y)) for x, y in V])


def _next(k: int) -> np.ndarray:
    return np.r_[1:k, 0]


def _polygon(V: np.ndarray) -> ConvexPolygon:
    """ConvexPolygon of the counter-clockwise vertices V (edge i from V[i] to V[i+1])."""
    E = V[_next(len(V))] - V
    N = np.stack([E[:, 1], -E[:, 0]], axis=1)
    N = N / np.sqrt((N * N).sum(axis=1))[:, None]
    k = int(np.argmin(np.arctan2(N[:, 1], N[:, 0])))  # the billiard types expect normals sorted by angle
    order = np.r_[k:len(V), 0:k]
    V, N = V[order], N[order]
    return ConvexPolygon(V, N, (N * V).sum(axis=1), tuple(range(len(V))))


def _area(V: np.ndarray) -> float:
    """Shoelace formula about the vertex centroid (counter-clockwise V: positive)."""
    C = V - V.sum(axis=0) / len(V)
    W = C[_next(len(V))]
    return 0.5 * float((C[:, 0] * W[:, 1] - C[:, 1] * W[:, 0]).sum())


def polygon_product_sys(P: np.ndarray, Q: np.ndarray) -> tuple[float | None, int, int]:
    """sys(conv P x conv Q) by the billiard kernel, and the vertex counts of the two hulls.

    Returns (None, kP, kQ) when a hull is degenerate (area <= 1e-12 of its size squared) or the
    kernel fails.

    Examples
    --------
    >>> import numpy as np
    >>> t = 2 * np.pi * np.arange(5) / 5
    >>> P = np.stack([np.cos(t), np.sin(t)], axis=1)
    >>> s, kP, kQ = polygon_product_sys(P, P @ [[0, 1], [-1, 0]])   # Q = P rotated by 90 degrees
    >>> round(s, 12), kP, kQ                                        # (sqrt 5 + 3) / 5
    (1.0472135955, 5, 5)
    """
    hulls, areas = [], []
    for R in (np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64)):
        idx = ccw_hull(R)
        if len(idx) < 3:
            return None, len(idx), 0
        H = R[idx]
        area = _area(H)
        size = float(np.abs(H - H[0]).max())
        if not area > 1e-12 * size * size:
            return None, len(idx), 0
        hulls.append(H)
        areas.append(area)
    try:
        c, _, _, _ = minimal_billiard(_polygon(hulls[0]), _polygon(hulls[1]))
    except ViterboError:
        return None, len(hulls[0]), len(hulls[1])
    return c * c / (2 * areas[0] * areas[1]), len(hulls[0]), len(hulls[1])
