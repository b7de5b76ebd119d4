"""Built-in polytopes: the reference bodies of conventions.md and seeded random ones.

Coordinates are (q_1..q_n, p_1..p_n).  Every family returns a named
:class:`~viterbo.geometry.polytope.Polytope`; products record their factors.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..errors import DimensionError, PolytopeError
from .polytope import Polytope
from .symplectic import random_symplectic_matrix_np

__all__ = ["cube", "cross_polytope", "simplex", "cell24", "regular_polygon", "lagrangian_product",
           "symplectic_product", "pentagon_counterexample", "random_hull", "random_halfspaces",
           "symplectic_image", "by_name", "NAMES"]


def _check_dim(d: int, who: str, minimum: int = 2) -> None:
    if not isinstance(d, (int, np.integer)) or d < minimum:
        raise DimensionError(f"{who}: dimension {d!r} is not an integer >= {minimum}.")


def cube(d: int = 4) -> Polytope:
    """The cube [-1, 1]^d (c_EHZ = 4 in R^4)."""
    _check_dim(d, "cube")
    pts = np.array(list(itertools.product([-1.0, 1.0], repeat=d)))
    return Polytope.from_vertices(pts, name=f"cube{d}" if d != 4 else "cube")


def cross_polytope(d: int = 4) -> Polytope:
    """conv(±e_i) (c_EHZ = 1 in R^4)."""
    _check_dim(d, "cross_polytope")
    eye = np.eye(d)
    return Polytope.from_vertices(np.concatenate([eye, -eye]),
                                  name=f"cross_polytope{d}" if d != 4 else "cross_polytope")


def simplex(d: int = 4) -> Polytope:
    """conv(0, e_1, ..., e_d) (c_EHZ = 1/4 in R^4; volume 1/d!)."""
    _check_dim(d, "simplex")
    return Polytope.from_vertices(np.concatenate([np.zeros((1, d)), np.eye(d)]),
                                  name=f"simplex{d}" if d != 4 else "simplex")


def cell24() -> Polytope:
    """The 24-cell conv(±e_i, (±1/2, ±1/2, ±1/2, ±1/2)) (c_EHZ = 2, volume 2)."""
    eye = np.eye(4)
    half = 0.5 * np.array(list(itertools.product([-1.0, 1.0], repeat=4)))
    return Polytope.from_vertices(np.concatenate([eye, -eye, half]), name="cell24")


def regular_polygon(k: int, radius: float = 1.0, angle: float = 0.0) -> Polytope:
    """Regular k-gon with vertices radius (cos(angle + 2 pi j / k), sin(...))."""
    if not isinstance(k, (int, np.integer)) or k < 3:
        raise PolytopeError(f"regular_polygon: k = {k!r}; a polygon needs k >= 3 vertices.")
    if not radius > 0:
        raise PolytopeError(f"regular_polygon: radius = {radius!r}; need radius > 0.")
    t = angle + 2 * np.pi * np.arange(k) / k
    return Polytope.from_vertices(radius * np.stack([np.cos(t), np.sin(t)], axis=1), name=f"{k}-gon")


def _factor(P, who: str) -> Polytope:
    return P if isinstance(P, Polytope) else Polytope.from_vertices(P)


def lagrangian_product(K, T, *, name: str | None = None) -> Polytope:
    """K x T with K in the q-plane and T in the p-plane (Lagrangian product).

    Built from the factors (facets e x T and K x f, vertices (v, w)), so an 80-gon x 80-gon is as
    quick to build as its factors.

    Parameters
    ----------
    K, T : Polytope or array_like of points in R^n
        The factors; the product lives in R^{2n} with x = (q, p), q in K, p in T.
    """
    A, B = _factor(K, "lagrangian_product"), _factor(T, "lagrangian_product")
    if A.dim != B.dim:
        raise DimensionError(
            f"lagrangian_product: factors must be point sets in the same R^n; got R^{A.dim} and R^{B.dim}."
        )
    label = name or f"{getattr(K, 'name', None) or 'K'} x {getattr(T, 'name', None) or 'T'}"
    n = A.dim
    return Polytope._product(A, B, np.arange(2 * n), name=label,
                             structure={"kind": "lagrangian_product", "K": A.vertices_np.copy(),
                                        "T": B.vertices_np.copy()})


def symplectic_product(K1, K2, *, name: str | None = None) -> Polytope:
    """K1 x K2 with K1 in the (q1, p1)-plane and K2 in the (q2, p2)-plane (c = min area)."""
    A, B = _factor(K1, "symplectic_product"), _factor(K2, "symplectic_product")
    if A.dim != 2 or B.dim != 2:
        raise DimensionError(f"symplectic_product: factors must be planar; got R^{A.dim} and R^{B.dim}.")
    label = name or f"{getattr(K1, 'name', None) or 'K1'} (x)s {getattr(K2, 'name', None) or 'K2'}"
    # (a_q, a_p, b_q, b_p) -> (q1, q2, p1, p2) = (a_q, b_q, a_p, b_p)
    return Polytope._product(A, B, [0, 2, 1, 3], name=label,
                             structure={"kind": "symplectic_product", "K1": A.vertices_np.copy(),
                                        "K2": B.vertices_np.copy()})


def pentagon_counterexample() -> Polytope:
    """Haim-Kislev–Ostrover: regular pentagon x the same pentagon rotated by 90 degrees.

    c_EHZ = 2 cos(pi/10)(1 + cos(pi/5)) ≈ 3.4409548, systolic ratio (sqrt 5 + 3)/5.
    """
    P = np.array([[math.cos(2 * math.pi * k / 5), math.sin(2 * math.pi * k / 5)] for k in range(5)])
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    return lagrangian_product(P, P @ rot.T, name="pentagon_counterexample")


def random_hull(n_points: int, dim: int = 4, seed: int = 0) -> Polytope:
    """Convex hull of ``n_points`` standard Gaussian points in R^dim (seeded)."""
    _check_dim(dim, "random_hull")
    if n_points < dim + 1:
        raise PolytopeError(f"random_hull: n_points = {n_points}; need at least dim + 1 = {dim + 1}.")
    rng = np.random.default_rng(seed)
    return Polytope.from_vertices(rng.normal(size=(n_points, dim)), name=f"random_hull(n={n_points},seed={seed})")


def random_halfspaces(m: int, dim: int = 4, seed: int = 0) -> Polytope:
    """m random tangent halfspaces of the unit ball in R^dim: exactly m facets.

    Normals are uniform on the sphere, offsets 1; every halfspace touches the
    ball, so none is redundant.  Draws are repeated (deterministically, from
    the same generator) until the normals surround the origin.
    """
    _check_dim(dim, "random_halfspaces")
    if m < dim + 1:
        raise PolytopeError(f"random_halfspaces: m = {m}; a bounded polytope in R^{dim} needs m >= {dim + 1}.")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        N = rng.normal(size=(m, dim))
        N /= np.linalg.norm(N, axis=1, keepdims=True)
        try:
            return Polytope.from_halfspaces(N, np.ones(m), name=f"random_halfspaces(m={m},seed={seed})")
        except PolytopeError:
            continue
    raise PolytopeError(f"random_halfspaces: no bounded draw with m = {m} in R^{dim} after 1000 tries.")


def symplectic_image(K: Polytope, seed: int = 0, *, scale: float = 0.5) -> Polytope:
    """M K for a seeded random symplectic matrix M (capacity unchanged)."""
    if K.dim % 2:
        raise DimensionError(f"symplectic_image: K is in R^{K.dim}; symplectic maps need even dimension.")
    M = random_symplectic_matrix_np(K.dim // 2, seed, scale=scale)
    return K.transform(M).with_name(f"symplectic_image({K.name or 'K'},seed={seed})")


def _triangle_product() -> Polytope:
    P = regular_polygon(3).vertices_np
    return lagrangian_product(P, P, name="triangle_x_triangle")


#: Names accepted by :func:`by_name` (the CLI's ``--family``).
NAMES = {
    "cube": lambda: cube(4),
    "cross_polytope": lambda: cross_polytope(4),
    "simplex": lambda: simplex(4),
    "cell24": cell24,
    "pentagon_counterexample": pentagon_counterexample,
    "triangle_x_triangle": _triangle_product,
    "random_hull": lambda: random_hull(20, 4, 0),
    "random_halfspaces": lambda: random_halfspaces(8, 4, 0),
}


def by_name(name: str) -> Polytope:
    """A built-in polytope by name, labelled with it: ``cube``, ``regular_polygon:5``, ``random_hull:N:SEED``,
    ``symplectic_image:BASE:SEED``, ... (the one naming syntax: :mod:`viterbo.geometry.naming`).

    Raises
    ------
    PolytopeError
        Unknown family, malformed or out-of-range arguments.
    """
    from .naming import polytope_from_name

    return polytope_from_name(name)
