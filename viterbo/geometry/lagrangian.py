"""Lagrangian 2-faces and symplectic polytopes in R^4.

A 2-face F_i ∩ F_j is Lagrangian iff omega(n_i, n_j) = 0.  The scale-free
measure |omega(n_i, n_j)| / sin(angle(n_i, n_j)) = |omega(B1, B2)| for an
orthonormal basis (B1, B2) of the face lies in [0, 1]: 0 Lagrangian, 1 complex
(reeb-dynamics-4d.md §1.3).
"""

from __future__ import annotations

import numpy as np

from ..errors import DimensionError
from .polytope import Polytope

__all__ = ["lagrangianity", "lagrangian_two_faces", "is_symplectic_polytope", "LAGRANGIAN_TOL"]

#: A 2-face whose scale-free symplectic measure is below this is treated as
#: Lagrangian: the combinatorial Reeb flow is ill-posed (or beyond float64) there.
LAGRANGIAN_TOL = 1e-9


def _omega_np(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = x.shape[-1] // 2
    return (x[..., :n] * y[..., n:] - x[..., n:] * y[..., :n]).sum(-1)


def lagrangianity(K: Polytope) -> dict[tuple[int, int], float]:
    """|omega(n_i, n_j)| / sin(angle) for every 2-face (i, j) of a 4D polytope."""
    if K.dim != 4:
        raise DimensionError(f"lagrangianity: needs a polytope in R^4; got R^{K.dim}.")
    N = K.normals_np
    out = {}
    for face in K.two_faces():
        i, j = face.facets
        cos = float(np.clip(N[i] @ N[j], -1.0, 1.0))
        sin = float(np.sqrt(max(0.0, 1.0 - cos * cos)))
        out[(i, j)] = abs(float(_omega_np(N[i], N[j]))) / max(sin, 1e-300)
    return out


def lagrangian_two_faces(K: Polytope, tol: float = LAGRANGIAN_TOL) -> list[tuple[int, int]]:
    """The 2-faces (as facet pairs) of a 4D polytope on which omega vanishes.

    Examples
    --------
    >>> import viterbo as vb
    >>> len(lagrangian_two_faces(vb.families.cube(4)))
    16
    """
    return [face for face, value in lagrangianity(K).items() if value <= tol]


def is_symplectic_polytope(K: Polytope, tol: float = LAGRANGIAN_TOL) -> bool:
    """True for a 4D polytope with no Lagrangian 2-face (needed by method="reeb")."""
    return K.dim == 4 and not lagrangian_two_faces(K, tol)
