"""The search spaces of :func:`viterbo.search.maximize_systolic_ratio`: parameters <-> polytopes.

Each family maps a flat parameter vector x to a polytope (exactly, for the exact evaluation) and,
for the gradient strategy, to torch facet data (normals(x), offsets(x)) with the facet lattice of
the polytope at x held fixed, so that autograd carries d sys / d(normals, offsets) back to x.

- ``vertices`` (n = number of points): x = n points in R^4; K = their convex hull.
- ``halfspaces`` (n = number of facets): x = n normals and offsets; K = {<n_i, x> <= h_i} (at most n
  facets: a halfspace may become redundant).
- ``lagrangian_product`` (n = vertices of each polygon): x = two n-gons (q- and p-plane); K = P x Q.
  Points x whose polygons are not n-gons are outside the family; CMA-ES grades them by the sys of
  conv P x conv Q minus 1, so that they rank below every member but still point somewhere.

Hulls and H-polytopes are closed families (a point inside the hull, a redundant halfspace), so the
maximum over "n" there includes the smaller sizes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..errors import PolytopeError, ViterboError
from ..geometry import families
from ..geometry.polytope import Polytope

__all__ = ["FAMILIES", "Family", "family", "SearchSpecError"]


class SearchSpecError(ViterboError, ValueError):
    """A search was asked for a family or size it does not have."""


class Family(ABC):
    """Base class: a parametrised family of polytopes in R^4."""

    name = ""

    def __init__(self, n: int) -> None:
        self.n = int(n)

    @abstractmethod
    def random_start(self, rng: np.random.Generator) -> np.ndarray:
        """A random parameter vector (no hint of any optimum)."""

    @abstractmethod
    def polytope(self, x: np.ndarray) -> Polytope:
        """The polytope of x (raises PolytopeError when x leaves the family)."""

    def normalise(self, x: np.ndarray) -> np.ndarray:
        """A representative of x's class under translation and scaling (sys is invariant)."""
        return x

    def relaxed_polytope(self, x: np.ndarray) -> Polytope:
        """A polytope for x even when x leaves the family (none by default)."""
        return self.polytope(x)

    @abstractmethod
    def facet_data(self, x, K: Polytope):
        """(normals, offsets) as torch functions of the torch tensor x, with K's facet lattice fixed."""


def _torch():
    import torch

    return torch


class Vertices(Family):
    """Convex hulls of n points in R^4 (the Chaidez–Hutchings search space)."""

    name = "vertices"

    def random_start(self, rng):
        return rng.normal(size=4 * self.n)

    def polytope(self, x):
        return Polytope.from_vertices(np.asarray(x, dtype=np.float64).reshape(self.n, 4))

    def normalise(self, x):
        P = np.asarray(x, dtype=np.float64).reshape(self.n, 4)
        P = P - P.mean(axis=0)
        return (P / np.sqrt((P**2).sum(axis=1).mean())).ravel()

    def facet_data(self, x, K):
        torch = _torch()
        P = x.reshape(self.n, 4)
        V = K.vertices_np
        # index of each hull vertex among the parameter points
        pts = np.asarray(x.detach().cpu().numpy()).reshape(self.n, 4)
        which = np.abs(V[:, None, :] - pts[None, :, :]).max(axis=2).argmin(axis=1)
        inc = K.incidence().cpu().numpy()
        centre = torch.as_tensor(K.interior_point().numpy(), dtype=P.dtype)
        normals, offsets = [], []
        for f in range(K.n_facets):
            idx = [int(which[j]) for j in np.flatnonzero(inc[f])]
            base = _independent_four(pts, idx)
            E = P[base[1:]] - P[base[0]]  # 3 x 4
            # generalised cross product: n_k = (-1)^k det(E without column k)
            n = torch.stack([(-1) ** k * torch.linalg.det(E[:, [c for c in range(4) if c != k]]) for k in range(4)])
            h = n @ P[base[0]]
            if float((n @ centre - h).detach()) > 0:  # orient outward: the centre is inside
                n, h = -n, -h
            normals.append(n)
            offsets.append(h)
        return torch.stack(normals), torch.stack(offsets)


def _independent_four(pts: np.ndarray, idx: list[int]) -> list[int]:
    """Four affinely independent points among pts[idx] (the facet's vertices), best conditioned first."""
    base = [idx[0]]
    for j in idx[1:]:
        M = pts[base + [j]][1:] - pts[base[0]]
        if np.linalg.matrix_rank(M, tol=1e-9) == len(base):
            base.append(j)
        if len(base) == 4:
            return base
    raise PolytopeError("search: a facet without four affinely independent vertices (degenerate hull).")


class Halfspaces(Family):
    """H-polytopes with n facets: x = (normals, offsets)."""

    name = "halfspaces"

    def random_start(self, rng):
        K = families.random_halfspaces(self.n, 4, int(rng.integers(2**62)))
        return np.concatenate([K.normals_np.ravel(), K.offsets_np])

    def split(self, x):
        return x[: 4 * self.n].reshape(self.n, 4), x[4 * self.n:]

    def polytope(self, x):
        # A halfspace may become redundant: the family is "at most n facets" (its closure).
        N, h = self.split(np.asarray(x, dtype=np.float64))
        return Polytope.from_halfspaces(N, h)

    def normalise(self, x):
        N, h = self.split(np.asarray(x, dtype=np.float64))
        K = Polytope.from_halfspaces(N, h)
        c = K.interior_point().numpy()
        norms = np.linalg.norm(N, axis=1)
        N, h = N / norms[:, None], (h - N @ c) / norms
        return np.concatenate([N.ravel(), h / h.mean()])

    def facet_data(self, x, K):
        N, h = x[: 4 * self.n].reshape(self.n, 4), x[4 * self.n:]
        return N, h


class LagrangianProduct(Family):
    """P x Q for two convex n-gons P (q-plane) and Q (p-plane): x = (P vertices, Q vertices)."""

    name = "lagrangian_product"

    def random_start(self, rng):
        from ..atlas.generators import random_polygon

        return np.concatenate([random_polygon(self.n, rng).ravel(), random_polygon(self.n, rng).ravel()])

    def split(self, x):
        return x[: 2 * self.n].reshape(self.n, 2), x[2 * self.n:].reshape(self.n, 2)

    def polytope(self, x):
        # Exactly n-gons: a point that falls inside its polygon leaves the family (the ascent then
        # sees the relaxed product, penalised, see relaxed_polytope).  Allowing smaller polygons
        # lets CMA-ES collapse onto 4-gon x triangle products (sys ~ 0.9996), away from n-gon maxima.
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        for name, R in (("P", P), ("Q", Q)):
            if Polytope.from_vertices(R).n_vertices != self.n:
                raise PolytopeError(f"search: polygon {name} has a point inside its hull (not an {self.n}-gon).")
        return families.lagrangian_product(P, Q)

    def relaxed_polytope(self, x):
        """conv P x conv Q: defined for every x (used to grade points outside the family)."""
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        return families.lagrangian_product(P, Q)

    def normalise(self, x):
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        P, Q = P - P.mean(axis=0), Q - Q.mean(axis=0)
        # sys(P x Q) is invariant under (P, Q) -> (A P, A^{-T} Q) and separate scalings; fix the scales.
        P = P / np.sqrt((P**2).sum(axis=1).mean())
        Q = Q / np.sqrt((Q**2).sum(axis=1).mean())
        return np.concatenate([P.ravel(), Q.ravel()])

    def facet_data(self, x, K):
        torch = _torch()
        P, Q = x[: 2 * self.n].reshape(self.n, 2), x[2 * self.n:].reshape(self.n, 2)
        normals, offsets = [], []
        for R, lift in ((P, (0, 1)), (Q, (2, 3))):
            hull = Polytope.from_vertices(R.detach().cpu().numpy()).vertices_np
            R_np = R.detach().cpu().numpy()
            keep = sorted({int(np.abs(R_np - v).max(axis=1).argmin()) for v in hull})
            R = R[keep]  # the polygon's vertices (points inside the hull carry no facet)
            k = len(keep)
            c = R.mean(dim=0).detach()
            ang = torch.atan2(R[:, 1].detach() - c[1], R[:, 0].detach() - c[0])
            R = R[torch.argsort(ang)]  # counterclockwise
            E = torch.roll(R, -1, dims=0) - R
            nu = torch.stack([E[:, 1], -E[:, 0]], dim=1)  # outward for a ccw polygon
            h = (nu * R).sum(dim=1)
            n4 = torch.zeros(k, 4, dtype=x.dtype)
            n4 = n4.index_put((torch.arange(k)[:, None], torch.tensor(lift)[None, :]), nu)
            normals.append(n4)
            offsets.append(h)
        return torch.cat(normals), torch.cat(offsets)


FAMILIES = {"vertices": Vertices, "halfspaces": Halfspaces, "lagrangian_product": LagrangianProduct}


def family(name: str, n: int) -> Family:
    """The family ``name`` with size n (vertices, facets or polygon vertices)."""
    if name not in FAMILIES:
        raise SearchSpecError(f"unknown search family {name!r}; choose one of {', '.join(sorted(FAMILIES))}.")
    minimum = {"vertices": 5, "halfspaces": 5, "lagrangian_product": 3}[name]
    if n < minimum:
        raise SearchSpecError(f"search family {name!r}: n = {n}; need n >= {minimum}.")
    return FAMILIES[name](n)
