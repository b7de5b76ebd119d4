"""Recognising product polytopes in R^4 and extracting their planar factors.

A polytope is the intersection of its facet halfspaces.  If every facet
normal of K ⊂ R^4 lies in one of two complementary coordinate planes A and B,
the halfspaces split into conditions on the A-coordinates only and conditions
on the B-coordinates only, so K = K_A x K_B exactly.  This test reads the
facets and their vertices, so it recognises products however they were
entered (plain vertices, halfspaces, a family with ``structure``).

The tolerance is relative to the body's own widths: a facet counts as lying
in plane A when its vertices lie on a hyperplane whose normal is in A (the
facet's normal projected to A) to within ``tol`` of the width of K along that
normal, i.e. when snapping the normal moves the facet by at most ``tol`` of
the body's width.  A thin body (width 1e-6) whose facet is tilted by 1e-9 over
a length 100 moves by 1e-7, a tenth of its width: it is not a product, however
small the tilt.

Coordinates are x = (q1, q2, p1, p2):

* Lagrangian product K x T: A = (q1, q2), B = (p1, p2).
* symplectic ("split") product K1 x K2: A = (q1, p1), B = (q2, p2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.polytope import Polytope

__all__ = ["ConvexPolygon", "lagrangian_factors", "symplectic_factors", "product_factors",
           "NORMAL_TOL", "LAGRANGIAN_PLANES", "SYMPLECTIC_PLANES"]

#: A facet lies in a coordinate plane when snapping its normal to the plane moves it by at most
#: this fraction of the width of K along the snapped normal.  Far below the 1e-9 to which values
#: are certified: snapping must not move the body by anything a certified value could notice, and
#: products (built from factors, or hulls of product points) snap by ~1e-16.
NORMAL_TOL = 1e-12
LAGRANGIAN_PLANES = ((0, 1), (2, 3))
SYMPLECTIC_PLANES = ((0, 2), (1, 3))


@dataclass(frozen=True)
class ConvexPolygon:
    """A convex polygon given by its edges in counter-clockwise order.

    Attributes
    ----------
    vertices : np.ndarray, shape (m, 2)
        Counter-clockwise; edge i runs from ``vertices[i]`` to ``vertices[i + 1 mod m]``.
    normals : np.ndarray, shape (m, 2)
        Unit outward normal of edge i (angles increasing).
    offsets : np.ndarray, shape (m,)
        Edge i lies on the line <normals[i], x> = offsets[i].
    facets : tuple[int, ...]
        Index of the facet of the 4D product that edge i comes from.
    """

    vertices: np.ndarray
    normals: np.ndarray
    offsets: np.ndarray
    facets: tuple[int, ...]

    @property
    def n_edges(self) -> int:
        return int(self.normals.shape[0])

    def area(self) -> float:
        """Shoelace formula, about the vertex centroid (no cancellation far from the origin)."""
        V = self.vertices - self.vertices.mean(axis=0)
        W = np.roll(V, -1, axis=0)
        return 0.5 * float((V[:, 0] * W[:, 1] - V[:, 1] * W[:, 0]).sum())

    def support(self, u: np.ndarray) -> np.ndarray:
        """h(u) = max over vertices of <v, u>; batched over leading axes of u."""
        return (np.asarray(u) @ self.vertices.T).max(axis=-1)

    def scale(self) -> float:
        return float(np.abs(self.vertices - self.vertices.mean(axis=0)).max())


def _polygon_from_halfspaces(N: np.ndarray, H: np.ndarray, facets: np.ndarray) -> ConvexPolygon:
    order = np.argsort(np.arctan2(N[:, 1], N[:, 0]), kind="stable")
    N, H, facets = N[order], H[order], facets[order]
    m = N.shape[0]
    V = np.empty((m, 2))
    for i in range(m):
        # vertex i is where edge i - 1 ends and edge i starts
        A = np.stack([N[i - 1], N[i]])
        V[i] = np.linalg.solve(A, np.array([H[i - 1], H[i]]))
    for a in (V, N, H):
        a.flags.writeable = False
    return ConvexPolygon(V, N, H, tuple(int(f) for f in facets))


def product_factors(K: Polytope, planes: tuple[tuple[int, int], tuple[int, int]],
                    tol: float = NORMAL_TOL) -> tuple[ConvexPolygon, ConvexPolygon] | str:
    """The planar factors of K = K_A x K_B, or a sentence saying why K is not such a product.

    Parameters
    ----------
    K : Polytope
        A polytope in R^4.
    planes : ((i, j), (k, l))
        The coordinate indices of the two planes A and B.
    tol : float
        How far (as a fraction of the width of K along the snapped normal) snapping a facet's
        normal into a plane may move the facet.

    Returns
    -------
    (ConvexPolygon, ConvexPolygon) or str
        The factors in A- and B-coordinates, each with the 4D facet index of every edge;
        a reason when K is not a product for these planes.
    """
    if K.dim != 4:
        return f"K is in R^{K.dim}, not R^4"
    (a0, a1), (b0, b1) = planes
    N = K.normals_np
    snapped = [_snap(K, c0, c1, tol) for c0, c1 in planes]
    (in_a, Na, Ha), (in_b, Nb, Hb) = snapped
    mixed = np.flatnonzero(~(in_a | in_b))
    if mixed.size:
        f = int(mixed[0])
        return (f"facet {f} has normal {np.round(N[f], 6).tolist()}, which lies in neither coordinate "
                f"plane {planes[0]} nor {planes[1]} (to {tol:g} of the body's width)")
    if in_a.sum() < 3 or in_b.sum() < 3:
        return "its facets do not split into two planar polygons"
    idx = np.arange(N.shape[0])
    factors = []
    for mask, (c0, c1), Np, Hp in ((in_a, (a0, a1), Na, Ha), (in_b, (b0, b1), Nb, Hb)):
        poly = _polygon_from_halfspaces(Np[mask], Hp[mask], idx[mask])
        factors.append(_snap_to_projected_vertices(poly, K.vertices_np[:, [c0, c1]]))
    return factors[0], factors[1]


def _snap(K: Polytope, c0: int, c1: int, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which facets lie in the coordinate plane (c0, c1) at relative tolerance ``tol``, with the
    snapped unit normals (in the plane's 2 coordinates) and offsets (every vertex inside)."""
    N, V = K.normals_np, K.vertices_np
    m = N.shape[0]
    P = N[:, [c0, c1]]
    norm = np.hypot(P[:, 0], P[:, 1])
    usable = norm > 0.5  # a normal mostly outside the plane is not snapped into it
    Ps = P / np.where(usable, norm, 1.0)[:, None]
    W = V[:, [c0, c1]]
    # Spread of each facet's own vertices along the snapped normal (sparse: ~d vertices per facet).
    rows, cols = K._incidence_pairs()
    vals = np.einsum("ij,ij->i", W[cols], Ps[rows])
    hi = np.full(m, -np.inf)
    lo = np.full(m, np.inf)
    np.maximum.at(hi, rows, vals)
    np.minimum.at(lo, rows, vals)
    spread = hi - lo
    diam = float(np.abs(W - W.mean(axis=0)).max()) * 2 * np.sqrt(2)  # >= every width in the plane
    inside = usable & (spread <= tol * diam)
    offsets = hi.copy()
    if inside.any():  # exact test on the candidates: spread against the width along the snapped normal
        cand = np.flatnonzero(inside)
        proj = W @ Ps[cand].T  # (k, candidates)
        top = proj.max(axis=0)
        width = top - proj.min(axis=0)
        inside[cand] = (spread[cand] <= tol * width) & (top <= hi[cand] + tol * width)
        offsets[cand] = top
    return inside, Ps, offsets


def _snap_to_projected_vertices(poly: ConvexPolygon, projected: np.ndarray) -> ConvexPolygon:
    """Replace each vertex (intersection of two edge lines) by the projection of K's vertex it is.

    Intersecting nearly parallel edge lines far from the origin loses digits (offsets ~ 1e3 and a
    small angle); the projected vertices of K are the caller's own numbers.  A vertex without a
    projection within 1e-7 of the polygon's size is kept as computed.
    """
    V = poly.vertices.copy()
    size = float(np.abs(projected - projected.mean(axis=0)).max())
    for i in range(V.shape[0]):
        dist = np.abs(projected - V[i]).max(axis=1)
        j = int(np.argmin(dist))
        if dist[j] <= 1e-7 * size:
            V[i] = projected[j]
    V.flags.writeable = False
    return ConvexPolygon(V, poly.normals, poly.offsets, poly.facets)


def lagrangian_factors(K: Polytope, tol: float = NORMAL_TOL) -> tuple[ConvexPolygon, ConvexPolygon] | str:
    """(K_q, T_p) when K = K_q x T_p is a Lagrangian product of polygons, else the reason it is not.

    Examples
    --------
    >>> import viterbo as vb
    >>> Kq, Tp = lagrangian_factors(vb.families.pentagon_counterexample())
    >>> Kq.n_edges, Tp.n_edges
    (5, 5)
    >>> isinstance(lagrangian_factors(vb.families.cross_polytope()), str)
    True
    """
    return product_factors(K, LAGRANGIAN_PLANES, tol)


def symplectic_factors(K: Polytope, tol: float = NORMAL_TOL) -> tuple[ConvexPolygon, ConvexPolygon] | str:
    """(K1, K2) when K = K1 x K2 with K1 ⊂ (q1, p1)-plane, K2 ⊂ (q2, p2)-plane, else the reason.

    Examples
    --------
    >>> import viterbo as vb
    >>> K1, K2 = symplectic_factors(vb.families.cube())
    >>> round(K1.area(), 12), round(K2.area(), 12)
    (4.0, 4.0)
    """
    return product_factors(K, SYMPLECTIC_PLANES, tol)
