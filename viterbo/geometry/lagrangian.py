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


def lagrangianity(K: Polytope) -> dict[tuple[int, int], float]:
    """|omega(n_i, n_j)| / sin(angle) for every 2-face (i, j) of a 4D polytope."""
    if K.dim != 4:
        raise DimensionError(f"lagrangianity: needs a polytope in R^4; got R^{K.dim}.")
    pairs, _ = K.ridge_pairs()
    N = K.normals_np
    Na, Nb = N[pairs[:, 0]], N[pairs[:, 1]]
    w = Na[:, 0] * Nb[:, 2] + Na[:, 1] * Nb[:, 3] - Na[:, 2] * Nb[:, 0] - Na[:, 3] * Nb[:, 1]
    cos = np.clip((Na * Nb).sum(1), -1.0, 1.0)
    val = np.abs(w) / np.maximum(np.sqrt(np.maximum(0.0, 1.0 - cos * cos)), 1e-300)
    return {(int(a), int(b)): float(v) for (a, b), v in zip(pairs, val)}


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
