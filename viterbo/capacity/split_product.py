"""method="split_product": c_EHZ(K1 x K2) = min(area K1, area K2) for a symplectic product.

K1 lies in the (q1, p1)-plane and K2 in the (q2, p2)-plane.  The capacity of
a symplectic product of convex bodies is the minimum of the factors'
capacities, and a planar convex body's capacity is its area.

Witness: if area K1 <= area K2, the loop ∂K1 x {z2} with z2 an interior point
of K2.  A point (z1, z2) with z1 on edge e of K1 lies on the facet
(e x K2) only, whose normal (nu, 0) gives the Reeb direction J(nu, 0) =
nu rotated by +90 degrees in the (q1, p1)-plane: counter-clockwise along ∂K1.
The action is the area of K1 (z2 is constant and contributes nothing).

References
----------
I. Ekeland, H. Hofer, "Symplectic topology and Hamiltonian dynamics", Math. Z. 200 (1989)
(c(K1 x K2) = min(c(K1), c(K2)) for the EHZ capacity of convex products; see also
Haim-Kislev, GAFA 2019, and conventions.md).
"""

from __future__ import annotations

import time

import numpy as np

from ..geometry.polytope import Polytope
from ..runtime import Budget
from ._common import orbit_from_numpy
from ._products import symplectic_factors
from ._value_range import check_representable
from .result import CapacityResult

__all__ = ["split_product_capacity"]


def _why_not(K: Polytope) -> str | None:
    factors = symplectic_factors(K)
    if isinstance(factors, str):
        return ('"split_product" needs a symplectic product K1 x K2 of polygons in R^4 (every facet '
                f'normal in the (q1, p1)-plane or in the (q2, p2)-plane); here {factors}')
    return None


def split_product_capacity(K: Polytope, *, budget: Budget) -> CapacityResult:
    """c_EHZ of a symplectic product of polygons, with the boundary of the smaller factor as witness.

    Parameters
    ----------
    K : Polytope
        K1 x K2 with K1 in the (q1, p1)-plane and K2 in the (q2, p2)-plane (recognised from facets).
    budget : Budget
        Checked once (the answer is a closed form).

    Returns
    -------
    CapacityResult
        ``stats``: ``area_1``, ``area_2``, ``factor`` (1 or 2, the one whose boundary is the witness).

    Examples
    --------
    >>> import viterbo as vb
    >>> r = vb.capacity(vb.families.cube(), method="split_product")
    >>> round(r.value, 12), r.verify()
    (4.0, True)
    """
    start = time.perf_counter()
    budget.check("before reading the factors")
    K1, K2 = symplectic_factors(K)
    a1, a2 = K1.area(), K2.area()
    small, other, which = (K1, K2, 1) if a1 <= a2 else (K2, K1, 2)
    z_other = other.vertices.mean(axis=0)  # interior: average of the vertices of a convex polygon
    pts = np.zeros((small.n_edges, 4))
    # factor 1 lives in coordinates (q1, p1) = (0, 2), factor 2 in (q2, p2) = (1, 3)
    own, rest = ((0, 2), (1, 3)) if which == 1 else ((1, 3), (0, 2))
    pts[:, list(own)] = small.vertices
    pts[:, list(rest)] = z_other
    orbit = orbit_from_numpy(K, pts, small.facets)
    value = check_representable(min(a1, a2), 'capacity(method="split_product")')
    return CapacityResult(value=value, method="split_product", orbit=orbit,
                          stats={"area_1": a1, "area_2": a2, "factor": which,
                                 "seconds": time.perf_counter() - start},
                          polytope=K)
