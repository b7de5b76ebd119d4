"""The volume of a polytope from its own vertex-facet incidence, without a new hull.

qhull's hull of the vertices is exact to rounding when it succeeds with its default (rounding-level)
merging.  On bodies {B x <= c} close to a non-simple polytope it can fail: a nearly non-simple vertex
splits into a cluster of vertices ~1e-9 apart, a nearly non-simple edge into a row of nearly
collinear vertices, and qhull stops with a "wide merge" error; with "Q12" (wide merges allowed) it
finishes but the volume is then off by the width of its merges (2e-5 relative was seen in R^6), and a
joggled hull ("QJ") is off by its joggle.  The incidence decided at construction already is the
face lattice of K, so the volume follows from it exactly, by the pyramid formula

    vol_k(G) = (1/k) sum over the facets H of G of dist(c_G, aff H) vol_{k-1}(H),

with c_G the centroid of the vertices of G.  The facets of a face G are the inclusion-maximal sets
G n F among the facets F of K (no rank decision: the faces are vertex sets).  A thin face (a cluster,
a sliver along a near-edge) has a poorly determined affine hull, but its volume is as small as the
error, so the sum stays exact to rounding relative to vol(K).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lattice_volume"]


def _subfaces(face: frozenset, facets_of_vertex: list, facet_sets: list) -> list[frozenset]:
    """The facets of the face ``face`` (a vertex set): the maximal proper nonempty sets face n F."""
    candidates = {facet_sets[f] & face for v in face for f in facets_of_vertex[v]}
    candidates.discard(face)
    candidates.discard(frozenset())
    ordered = sorted(candidates, key=len, reverse=True)
    maximal: list[frozenset] = []
    for s in ordered:
        if not any(s < t for t in maximal):
            maximal.append(s)
    return maximal


def _distance_to_affine_hull(point: np.ndarray, P: np.ndarray, dim: int) -> float:
    """Distance from ``point`` to the affine hull of the rows of P, which spans dimension ``dim``."""
    c = P.mean(axis=0)
    x = point - c
    if dim == 0:
        return float(np.sqrt(x @ x))
    basis = np.linalg.svd(P - c, full_matrices=False)[2][:dim]
    r = x - basis.T @ (basis @ x)
    return float(np.sqrt(r @ r))


def lattice_volume(V: np.ndarray, incidence) -> float:
    """Volume of the polytope with vertices V (k, d) (a frame of size ~1) and ``incidence[i, j]``
    (scipy.sparse or bool array, (m, k)): vertex j lies on facet i."""
    from scipy.sparse import csr_matrix

    inc = csr_matrix(incidence, dtype=bool, copy=True)
    inc.eliminate_zeros()
    m, d = inc.shape[0], V.shape[1]
    facet_sets = [frozenset(inc.indices[inc.indptr[i]:inc.indptr[i + 1]].tolist()) for i in range(m)]
    inc_t = inc.T.tocsr()
    facets_of_vertex = [inc_t.indices[inc_t.indptr[j]:inc_t.indptr[j + 1]].tolist() for j in range(len(V))]
    memo: dict[frozenset, float] = {}

    def volume_of(face: frozenset, k: int) -> float:
        """k-volume of a face of dimension k (k >= 1)."""
        if face in memo:
            return memo[face]
        pts = V[sorted(face)]
        centre = pts.mean(axis=0)
        total = []
        for sub in _subfaces(face, facets_of_vertex, facet_sets):
            sub_pts = V[sorted(sub)]
            h = _distance_to_affine_hull(centre, sub_pts, k - 1)
            total.append(h * (volume_of(sub, k - 1) if k > 1 else 1.0))
        memo[face] = math.fsum(total) / k
        return memo[face]

    return volume_of(frozenset(range(len(V))), d)
