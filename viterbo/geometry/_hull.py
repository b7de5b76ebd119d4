"""Conversions between the vertex (V) and halfspace (H) descriptions.

All arrays here are numpy float64 on the CPU.  Halfspaces are {x : B x <= c}
with unit outward normals, the opposite sign to qhull's ``A x + b <= 0``; the
sign change happens only in this module.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

from ..errors import PolytopeError

# Relative tolerances (scaled by the polytope's size): geometric decisions
# (same facet, vertex on a facet, duplicate point) at 1e-9 of the diameter.
REL_TOL = 1e-9


def size_scale(points: np.ndarray) -> float:
    """A length scale of a point cloud: its largest distance from the centroid."""
    centred = points - points.mean(axis=0)
    return float(max(np.sqrt((centred**2).sum(axis=1)).max(), np.finfo(float).tiny))


def check_full_dimensional(points: np.ndarray, who: str) -> None:
    k, d = points.shape
    if k < d + 1:
        raise PolytopeError(
            f"{who}: got {k} point(s) in R^{d}; a full-dimensional polytope needs at least "
            f"{d + 1} affinely independent points. Add points or lower the dimension."
        )
    centred = points - points.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    if s[-1] <= REL_TOL * max(s[0], np.finfo(float).tiny):
        rank = int((s > REL_TOL * s[0]).sum())
        raise PolytopeError(
            f"{who}: the {k} points span only an affine subspace of dimension {rank} in R^{d} "
            "(they lie in a hyperplane), so their hull has no interior. "
            f"Pass points that span R^{d}, or drop the redundant coordinates."
        )


def dedupe_rows(rows: np.ndarray, tol: float) -> np.ndarray:
    """Keep the first of each group of rows within ``tol`` (max-norm) of each other."""
    keep: list[int] = []
    for i in range(rows.shape[0]):
        if keep and np.abs(rows[keep] - rows[i]).max(axis=1).min() <= tol:
            continue
        keep.append(i)
    return rows[keep]


def merge_facets(normals: np.ndarray, offsets: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge the simplicial pieces qhull reports for one facet."""
    rows = np.concatenate([normals, (offsets / scale)[:, None]], axis=1)
    merged = dedupe_rows(rows, 1e-8)
    return merged[:, :-1], merged[:, -1] * scale


def hull_from_points(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Irredundant V- and H-description of conv(points).

    Returns (vertices, normals, offsets); normals are unit and outward.
    """
    scale = size_scale(points)
    # Near-duplicate points (rounding noise, jittered copies) would let qhull report sliver
    # "facets" spanned by a cluster; merge them first, at the same relative tolerance as vertices.
    points = dedupe_rows(points, REL_TOL * scale)
    try:
        hull = ConvexHull(points)
    except QhullError as exc:  # flat input is caught before; this is a real qhull failure
        raise PolytopeError(f"convex hull computation failed: {exc}".splitlines()[0]) from exc
    normals = hull.equations[:, :-1]
    offsets = -hull.equations[:, -1]
    normals, offsets = merge_facets(normals, offsets, scale)
    normals, offsets = _drop_sliver_facets(points, normals, offsets, scale)
    # A true vertex lies on facets whose normals span R^d; qhull may list points
    # in the relative interior of a merged facet as vertices of its triangulation.
    vertices = dedupe_rows(_true_vertices(points[hull.vertices], normals, offsets, scale), REL_TOL * scale)
    if _plane_residual(vertices, normals, offsets, scale) > EXACT_TOL * scale:
        vertices, normals, offsets = _make_consistent(vertices, normals, offsets, scale)
    return vertices, normals, offsets


#: After merging near-coplanar pieces, a facet's plane must pass through its vertices to this
#: (relative) accuracy; otherwise the H- and V-descriptions would describe different bodies.
EXACT_TOL = 1e-12


def _true_vertices(points: np.ndarray, normals: np.ndarray, offsets: np.ndarray, scale: float) -> np.ndarray:
    on = np.abs(points @ normals.T - offsets) <= REL_TOL * 10 * scale
    d = points.shape[1]
    keep = [i for i in range(points.shape[0])
            if on[i].sum() >= d and np.linalg.matrix_rank(normals[on[i]], tol=1e-9) == d]
    return points[keep]


def _plane_residual(vertices: np.ndarray, normals: np.ndarray, offsets: np.ndarray, scale: float) -> float:
    """Largest distance of a vertex from the plane of a facet it is incident to."""
    dist = np.abs(vertices @ normals.T - offsets)
    near = dist <= REL_TOL * 10 * scale
    return float(dist[near].max()) if near.any() else 0.0


def _make_consistent(vertices: np.ndarray, normals: np.ndarray, offsets: np.ndarray,
                     scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-coplanar input: refit each facet's plane to its vertices, then take the halfspaces as
    authoritative and recompute the vertices as their intersection points.

    The input points are within ~1e-9 of being coplanar, so the body is only defined to that
    accuracy; what matters to the methods is that both descriptions are of the same body.
    """
    d = vertices.shape[1]
    near = np.abs(vertices @ normals.T - offsets) <= REL_TOL * 10 * scale
    N, H = normals.copy(), offsets.copy()
    for f in range(N.shape[0]):
        pts = vertices[near[:, f]]
        if pts.shape[0] < d:
            continue
        centre = pts.mean(axis=0)
        n = np.linalg.svd(pts - centre)[2][-1]
        n = n if n @ N[f] > 0 else -n
        N[f], H[f] = n, float(n @ centre)
    H = np.maximum(H, (vertices @ N.T).max(axis=0))  # keep every given vertex inside
    V = _true_vertices(vertices_from_halfspaces(N, H, vertices.mean(axis=0)), N, H, scale)
    return V, N, H


def _drop_sliver_facets(points: np.ndarray, normals: np.ndarray, offsets: np.ndarray,
                        scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep only facets that carry d affinely independent points (true facets of the hull).

    A hyperplane qhull reports through fewer (a sliver of almost coincident points) is not a
    facet of the body at this tolerance; dropping it leaves the irredundant description.
    """
    d = points.shape[1]
    on = np.abs(points @ normals.T - offsets) <= REL_TOL * 10 * scale
    keep = []
    for i in range(normals.shape[0]):
        pts = points[on[:, i]]
        keep.append(pts.shape[0] >= d and
                    np.linalg.matrix_rank(pts[1:] - pts[0], tol=REL_TOL * 10 * scale) == d - 1)
    keep = np.asarray(keep)
    return normals[keep], offsets[keep]


def chebyshev_centre(normals: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and radius of the largest ball in {x : B x <= c} (B with unit rows)."""
    m, d = normals.shape
    cost = np.zeros(d + 1)
    cost[-1] = -1.0
    A = np.concatenate([normals, np.ones((m, 1))], axis=1)
    bounds = [(None, None)] * d + [(0, None)]
    res = linprog(cost, A_ub=A, b_ub=offsets, bounds=bounds, method="highs")
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


def positively_spans(normals: np.ndarray) -> bool:
    """Whether the rows positively span R^d: they span R^d and some dependence sum l_i n_i = 0 has all l_i > 0.

    For a non-empty {B x <= c} this is exactly boundedness (Gordan's alternative: the recession
    cone {y : B y <= 0} is {0}).  One rank test and one feasibility LP (l >= 1 after scaling).
    """
    m, d = normals.shape
    if np.linalg.matrix_rank(normals) < d:
        return False
    res = linprog(np.zeros(m), A_eq=normals.T, b_eq=np.zeros(d), bounds=[(1, None)] * m, method="highs")
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
            res = linprog(cost, A_ub=normals, b_ub=np.zeros(m), bounds=[(-1, 1)] * d, method="highs")
            if res.status == 0 and -res.fun > 1e-9:
                return res.x
    return None


def vertices_from_halfspaces(normals: np.ndarray, offsets: np.ndarray, interior: np.ndarray) -> np.ndarray:
    """Vertices of {B x <= c} by qhull's halfspace intersection around ``interior``."""
    halfspaces = np.concatenate([normals, -offsets[:, None]], axis=1)
    try:
        hs = HalfspaceIntersection(halfspaces, interior)
    except QhullError as exc:
        raise PolytopeError(f"halfspace intersection failed: {exc}".splitlines()[0]) from exc
    points = hs.intersections
    scale = size_scale(points)
    return dedupe_rows(points, REL_TOL * scale)


def snap_to_rows(normals: np.ndarray, offsets: np.ndarray, given_n: np.ndarray,
                 given_c: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Replace recomputed facets by the matching given rows (keeps the caller's exact numbers)."""
    out_n = normals.copy()
    out_c = offsets.copy()
    for i in range(normals.shape[0]):
        err = np.abs(given_n - normals[i]).max(axis=1) + np.abs(given_c - offsets[i]) / scale
        j = int(np.argmin(err))
        if err[j] <= 1e-7:
            out_n[i] = given_n[j]
            out_c[i] = given_c[j]
    return out_n, out_c
