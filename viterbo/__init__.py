"""viterbo: exact, verified symplectic capacities of convex polytopes.

Public API (stable): :class:`Polytope`, :func:`capacity`, :func:`systolic_ratio`,
:mod:`families`, the symplectic helpers and the error types.
See docs/math/conventions.md for the conventions.
"""

from ._native_support import native_available
from .capacity import CapacityResult, Orbit, capacity, method_names, systolic_ratio
from .capacity.reeb import ReebOrbit, spectrum
from .errors import (DimensionError, LeverError, MethodNotApplicableError, NativeExtensionError, PolytopeError,
                     NativeInputError, NumericalFailureError, TimeBudgetExceededError, VerificationError, ViterboError)
from .geometry import (J0, Polytope, TwoFace, families, is_symplectic_matrix, is_symplectic_polytope,
                       lagrangian_two_faces, omega, random_symplectic_matrix)
from .geometry import J as J  # noqa: PLC0414

__version__ = "0.1.0"

__all__ = ["Polytope", "TwoFace", "capacity", "systolic_ratio", "spectrum", "ReebOrbit", "CapacityResult", "Orbit", "families",
           "method_names", "native_available", "J0", "J", "omega", "is_symplectic_matrix",
           "random_symplectic_matrix", "lagrangian_two_faces", "is_symplectic_polytope", "ViterboError",
           "PolytopeError", "DimensionError", "MethodNotApplicableError", "TimeBudgetExceededError",
           "NativeExtensionError", "NativeInputError", "VerificationError", "LeverError", "NumericalFailureError",
           "__version__"]
