"""Small pieces shared by the capacity methods."""

from __future__ import annotations

import numpy as np

from ..geometry.polytope import Polytope
from .result import Orbit


def centred_halfspaces(K: Polytope) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(normals, offsets, centre) of K translated so its Chebyshev centre is the origin.

    Every offset is then positive, as the formulas of conventions.md require.
    """
    centre = K._chebyshev()[0]
    N = np.ascontiguousarray(K.normals_np)
    H = np.ascontiguousarray(K.offsets_np - N @ centre)
    return N, H, centre


def orbit_from_numpy(K: Polytope, points: np.ndarray, facets) -> Orbit:
    """Wrap breakpoints (CPU numpy) as an Orbit on K's device."""
    return Orbit(np.asarray(points, dtype=np.float64), tuple(int(f) for f in facets), device=K._device)
