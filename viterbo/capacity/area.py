"""method="area": the capacity of a planar convex polygon is its area."""

from __future__ import annotations

import time

import numpy as np

from ..geometry.polytope import Polytope
from ..runtime import Budget
from ._common import orbit_from_numpy
from ._value_range import check_representable
from .result import CapacityResult


def _why_not(K: Polytope) -> str | None:
    return None if K.dim == 2 else f'"area" applies in R^2 only; K is in R^{K.dim}'


def area_capacity(K: Polytope, *, budget: Budget) -> CapacityResult:
    """c(K) = area(K) for a convex polygon; the witness is the boundary, run counter-clockwise.

    Examples
    --------
    >>> import viterbo as vb
    >>> round(float(vb.capacity(vb.families.regular_polygon(4), method="area")), 12)
    2.0
    """
    start = time.perf_counter()
    V = K.vertices_np
    centre = V.mean(axis=0)
    order = np.argsort(np.arctan2(V[:, 1] - centre[1], V[:, 0] - centre[0]))
    ring = V[order]
    nxt = np.roll(ring, -1, axis=0)
    N, H = K.normals_np, K.offsets_np
    mid = (ring + nxt) / 2
    facets = [int(np.argmin(np.abs(N @ x - H))) for x in mid]
    orbit = orbit_from_numpy(K, ring, facets)
    # Shoelace of the boundary, about the centre (no cancellation far from the origin, no hull rebuilt).
    W, Wn = ring - centre, nxt - centre
    value = check_representable(0.5 * float((W[:, 0] * Wn[:, 1] - W[:, 1] * Wn[:, 0]).sum()),
                                'capacity(method="area")')
    return CapacityResult(value=value, method="area", orbit=orbit,
                          stats={"seconds": time.perf_counter() - start}, polytope=K)
