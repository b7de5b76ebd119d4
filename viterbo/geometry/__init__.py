"""Geometry core: the Polytope type, H/V conversion, faces, volume, symplectic maps.

A polytope is {x : B x <= c} with unit outward normals (rows of B, one per
facet, no redundant rows) and offsets c, together with its vertices; facets
and vertices are indexed in a canonical lexicographic order.  Coordinates are
x = (q_1..q_n, p_1..p_n).  Tensors are torch float64 on the caller's device.
Conventions: docs/math/conventions.md.
"""

from . import families
from .lagrangian import is_symplectic_polytope, lagrangian_two_faces, lagrangianity
from .polytope import Polytope, TwoFace
from .symplectic import J, J0, is_symplectic_matrix, omega, random_symplectic_matrix

__all__ = ["Polytope", "TwoFace", "families", "J", "J0", "omega", "is_symplectic_matrix",
           "random_symplectic_matrix", "lagrangian_two_faces", "is_symplectic_polytope", "lagrangianity"]
