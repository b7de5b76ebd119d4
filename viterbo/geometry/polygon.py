"""Convex polygons in the plane: clipping by half-planes and affine images.

The 4D Reeb-orbit search pushes candidate domains (convex polygons in a
2-face chart) through affine maps and cuts them with half-planes millions of
times; the compiled kernel does that.  This module is the pure-Python
reference of the same functions and the dispatcher between the two paths.
Polygons are ``(k, 2)`` float64 numpy arrays in counter-clockwise order; an
empty result has shape ``(0, 2)``.
"""

from __future__ import annotations

import numpy as np

from .._native_support import native_module

__all__ = ["convex_hull_ccw", "clip_polygon", "affine_image", "polygon_area", "clip_halfplane", "dedupe_vertices", "shoelace_area",
           "clip_polygon_reference", "affine_image_reference", "polygon_area_reference"]


def convex_hull_ccw(points: list) -> list[int]:
    """Indices of the vertices of the convex hull of planar points, counter-clockwise from the lowest-leftmost
    (Andrew's monotone chain; collinear and repeated points dropped).

    Exact for any ordered field: with floats the orientation tests round, with Fractions or integers they
    are exact (type1_exact.py uses it on rational points).

    Examples
    --------
    >>> convex_hull_ccw([(0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 0)])
    [0, 1, 3, 4]
    """
    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    uniq = []
    for i in order:
        if not uniq or tuple(points[uniq[-1]]) != tuple(points[i]):
            uniq.append(i)
    if len(uniq) <= 2:
        return uniq
    lower: list[int] = []
    for i in uniq:
        while len(lower) >= 2 and cross(points[lower[-2]], points[lower[-1]], points[i]) <= 0:
            lower.pop()
        lower.append(i)
    upper: list[int] = []
    for i in reversed(uniq):
        while len(upper) >= 2 and cross(points[upper[-2]], points[upper[-1]], points[i]) <= 0:
            upper.pop()
        upper.append(i)
    return lower[:-1] + upper[:-1]


def _as_polygon(vertices) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(vertices, dtype=np.float64))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"vertices must have shape (k, 2); got {arr.shape}")
    return arr


def dedupe_vertices(points: list[tuple[float, float]], eps: float) -> list[tuple[float, float]]:
    """Drop consecutive vertices within ``eps`` (max-norm) and the wrap-around duplicate."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and abs(p[0] - out[-1][0]) <= eps and abs(p[1] - out[-1][1]) <= eps:
            continue
        out.append(p)
    while len(out) > 1 and abs(out[0][0] - out[-1][0]) <= eps and abs(out[0][1] - out[-1][1]) <= eps:
        out.pop()
    return out


def clip_halfplane(points, a0: float, a1: float, b: float, eps: float) -> list[tuple[float, float]]:
    """One Sutherland–Hodgman step: the part of a convex polygon (list of points) with a.x <= b + eps.

    The same arithmetic, in the same order, as ``clip_halfplane`` in ext/polygon.cpp.
    """
    out = []
    k = len(points)
    for i in range(k):
        p = points[i]
        q = points[(i + 1) % k]
        sp = a0 * p[0] + a1 * p[1] - b
        sq = a0 * q[0] + a1 * q[1] - b
        if sp <= eps:
            out.append(p)
        if (sp < -eps and sq > eps) or (sp > eps and sq < -eps):
            s = sp / (sp - sq)
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
    return out


def clip_polygon_reference(vertices, A, b, eps: float = 0.0) -> np.ndarray:
    """Pure-Python reference of :func:`clip_polygon` (same arithmetic, same order)."""
    poly = _as_polygon(vertices)
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    points = [(float(x), float(y)) for x, y in poly]
    for i in range(A.shape[0]):
        if not points:
            break
        points = dedupe_vertices(clip_halfplane(points, float(A[i, 0]), float(A[i, 1]), float(b[i]), eps), eps)
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def affine_image_reference(vertices, M, t) -> np.ndarray:
    """Pure-Python reference of :func:`affine_image`."""
    poly = _as_polygon(vertices)
    M = np.asarray(M, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    out = [(M[0, 0] * x + M[0, 1] * y + t[0], M[1, 0] * x + M[1, 1] * y + t[1]) for x, y in poly]
    if M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0] < 0:
        out.reverse()
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def shoelace_area(points) -> float:
    """Signed area of a sequence of (x, y) points, summed in the order of ``polygon_area`` in ext/polygon.cpp."""
    k = len(points)
    twice = 0.0
    for i in range(k):
        p = points[i]
        q = points[(i + 1) % k]
        twice += p[0] * q[1] - p[1] * q[0]
    return 0.5 * twice


def polygon_area_reference(vertices) -> float:
    """Signed area by the shoelace formula (positive for counter-clockwise order)."""
    return float(shoelace_area(_as_polygon(vertices)))


def clip_polygon(vertices, A, b, eps: float = 0.0) -> np.ndarray:
    """Intersect a convex polygon with the half-planes ``A x <= b``.

    Parameters
    ----------
    vertices : array_like, shape (k, 2)
        Convex polygon, counter-clockwise.
    A : array_like, shape (h, 2)
        Half-plane normals.
    b : array_like, shape (h,)
        Half-plane offsets.
    eps : float
        Absolute slack: a vertex with ``a.x - b <= eps`` is kept; choose it
        relative to the polygon's size.

    Returns
    -------
    numpy.ndarray, shape (k', 2)
        The clipped polygon, counter-clockwise, consecutive duplicates
        removed; shape (0, 2) when empty.

    Examples
    --------
    >>> square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    >>> clip_polygon(square, [[1.0, 0.0]], [0.5]).tolist()
    [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
    """
    native = native_module()
    if native is None:
        return clip_polygon_reference(vertices, A, b, eps)
    A = np.ascontiguousarray(np.asarray(A, dtype=np.float64).reshape(-1, 2))
    b = np.ascontiguousarray(np.asarray(b, dtype=np.float64).reshape(-1))
    return native.clip_polygon(_as_polygon(vertices), A, b, float(eps))


def affine_image(vertices, M, t) -> np.ndarray:
    """Image of a polygon under ``x -> M x + t``, kept counter-clockwise.

    Examples
    --------
    >>> affine_image([[0, 0], [1, 0], [0, 1]], [[2, 0], [0, 1]], [1, 0]).tolist()
    [[1.0, 0.0], [3.0, 0.0], [1.0, 1.0]]
    """
    native = native_module()
    if native is None:
        return affine_image_reference(vertices, M, t)
    return native.affine_image(_as_polygon(vertices), np.asarray(M, dtype=np.float64),
                               np.asarray(t, dtype=np.float64).reshape(2))


def polygon_area(vertices) -> float:
    """Signed area of a polygon (positive when counter-clockwise)."""
    native = native_module()
    if native is None:
        return polygon_area_reference(vertices)
    return float(native.polygon_area(_as_polygon(vertices)))
