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

:meth:`Family.objective` is the value CMA-ES minimises (minus sys, through the fast exact routes of
:mod:`viterbo.search.objective`); :meth:`Family.normalise` picks a representative of x's class
under the invariances of sys (translations, linear symplectic maps and scalings of R^4; for
products, q -> A q + a, p -> A^-T p + b and separate scalings), so that every restart begins at a
well-conditioned point instead of wherever the ascent drifted along those flat directions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from scipy.spatial import ConvexHull, QhullError

from ..errors import PolytopeError, ViterboError
from ..geometry import families
from ..geometry.polytope import Polytope
from .objective import consistent, hull_or_none, polygon_product_sys, polytope_sys, symplectic_normal_map

__all__ = ["FAMILIES", "Family", "family", "SearchSpecError", "FAIL_VALUE"]

#: CMA-ES value of a point with no usable value (below every member: members score -sys < 0).
FAIL_VALUE = 10.0


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

    @abstractmethod
    def objective(self, x: np.ndarray, floor: float = -np.inf) -> tuple[float, float | None]:
        """(value CMA-ES minimises, certified sys of x or None): -sys for a member, a worse value otherwise.

        ``floor`` is the best certified sys so far: a point that provably does not exceed it may be
        ranked by an upper bound on its sys, uncertified (sys None), see
        :func:`viterbo.search.objective.polytope_sys`.
        """

    def normalise(self, x: np.ndarray) -> np.ndarray:
        """A representative of x's class under the invariances of sys (well conditioned)."""
        return x

    @abstractmethod
    def invariance_directions(self, x: np.ndarray) -> np.ndarray:
        """Rows spanning the tangent space at x of x's orbit under the invariances of sys."""

    def slice_basis(self, x: np.ndarray) -> np.ndarray:
        """Orthonormal columns spanning the complement of :meth:`invariance_directions` at x.

        x + B y (y small) is a slice through x transversal to the orbit: a local chart of the
        quotient, in which sys has no flat directions from the invariances.
        """
        D = self.invariance_directions(np.asarray(x, dtype=np.float64))
        U, sing, _ = np.linalg.svd(D.T, full_matrices=True)
        rank = int((sing > 1e-10 * sing[0]).sum())
        return U[:, rank:]

    @abstractmethod
    def facet_data(self, x, K: Polytope):
        """(normals, offsets) as torch functions of the torch tensor x, with K's facet lattice fixed."""


_J0 = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])


def _symmetric_basis() -> list[np.ndarray]:
    """A basis of the symmetric 4 x 4 matrices (10): H = J0 S then runs over sp(4)."""
    out = []
    for a in range(4):
        for b in range(a, 4):
            S = np.zeros((4, 4))
            S[a, b] = S[b, a] = 1.0
            out.append(S)
    return out


def _torch():
    import torch

    return torch


class Vertices(Family):
    """Convex hulls of n points in R^4 (the Chaidez–Hutchings search space)."""

    name = "vertices"

    def random_start(self, rng):
        return rng.normal(size=4 * self.n)

    def polytope(self, x):
        P = np.asarray(x, dtype=np.float64).reshape(self.n, 4)
        K = Polytope.from_vertices(P)
        try:
            volume = ConvexHull(P).volume
        except QhullError:
            volume = None
        if not consistent(K, volume):
            raise PolytopeError("search: the hull's vertex and halfspace descriptions disagree "
                                "(ill-conditioned points).")
        return K

    def objective(self, x, floor=-np.inf):
        K = hull_or_none(self.normalise(x).reshape(self.n, 4))
        s, certified = (None, False) if K is None else polytope_sys(K, floor)
        return (FAIL_VALUE, None) if s is None else (-s, s if certified else None)

    def normalise(self, x):
        P = np.asarray(x, dtype=np.float64).reshape(self.n, 4)
        c, scale, M = symplectic_normal_map(P)
        return (scale * (P - c) @ M.T).ravel()

    def invariance_directions(self, x):
        """Translations (4), scaling (1) and sp(4) (10): x_i -> x_i + t, (1 + e) x_i, (I + e J0 S) x_i."""
        P = x.reshape(self.n, 4)
        rows = [np.tile(np.eye(4)[k], self.n) for k in range(4)] + [P.ravel()]
        rows += [(P @ (_J0 @ S).T).ravel() for S in _symmetric_basis()]
        return np.stack(rows)

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
        K = Polytope.from_halfspaces(N, h)
        if not consistent(K):
            raise PolytopeError("search: the polytope's vertex and halfspace descriptions disagree (ill-conditioned).")
        return K

    def objective(self, x, floor=-np.inf):
        try:
            K = self.polytope(x)
        except PolytopeError:
            return FAIL_VALUE, None
        s, certified = polytope_sys(K, floor)
        return (FAIL_VALUE, None) if s is None else (-s, s if certified else None)

    def normalise(self, x):
        """Unit normals and mean offset 1 about the vertex centroid, after the symplectic normal map of the vertices."""
        N, h = self.split(np.asarray(x, dtype=np.float64))
        try:
            K = Polytope.from_halfspaces(N, h)
        except PolytopeError:
            return np.asarray(x, dtype=np.float64)
        c, scale, M = symplectic_normal_map(K.vertices_np)
        # y = scale M (x - c): <n, x> <= h  <=>  <M^-T n, y> <= scale (h - <n, c>)
        N, h = N @ np.linalg.inv(M), scale * (h - N @ c)
        norms = np.linalg.norm(N, axis=1)
        N, h = N / norms[:, None], h / norms
        return np.concatenate([N.ravel(), h / h.mean()])

    def invariance_directions(self, x):
        """Row scalings (n), translations (4: h_i -> h_i + <n_i, t>), scaling (1: h -> (1 + e) h) and
        sp(4) (10: K -> (I + e H) K moves n_i -> n_i - e H^T n_i), H = J0 S."""
        N, h = self.split(x)
        m = self.n
        rows = []
        for i in range(m):
            r = np.zeros((m, 5))
            r[i] = np.r_[N[i], h[i]]
            rows.append(np.concatenate([r[:, :4].ravel(), r[:, 4]]))
        rows += [np.concatenate([np.zeros(4 * m), N[:, k]]) for k in range(4)]
        rows.append(np.concatenate([np.zeros(4 * m), h]))
        rows += [np.concatenate([(-N @ (_J0 @ S)).ravel(), np.zeros(m)]) for S in _symmetric_basis()]
        return np.stack(rows)

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
        # sees the relaxed product, penalised, see objective).  Allowing smaller polygons
        # lets CMA-ES collapse onto 4-gon x triangle products (sys ~ 0.9996), away from n-gon maxima.
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        for name, R in (("P", P), ("Q", Q)):
            if Polytope.from_vertices(R).n_vertices != self.n:
                raise PolytopeError(f"search: polygon {name} has a point inside its hull (not an {self.n}-gon).")
        return families.lagrangian_product(P, Q)

    def objective(self, x, floor=-np.inf):
        """-sys for a product of two n-gons; a point whose hulls have fewer vertices is graded by the
        relaxed product conv P x conv Q as 1 - sys (>= -0.05, the relaxed product's sys being at most
        about 1.05), so that it ranks below every member with sys > 0.05 but still points somewhere."""
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        s, kP, kQ = polygon_product_sys(P, Q)
        if s is None:
            return FAIL_VALUE, None
        if kP == self.n and kQ == self.n:
            return -s, s
        return 1.0 - s, None

    def normalise(self, x):
        """P centred with covariance I (q -> A q + a), Q moved by A^-T, centred and scaled to RMS 1."""
        P, Q = self.split(np.asarray(x, dtype=np.float64))
        P, Q = P - P.mean(axis=0), Q - Q.mean(axis=0)
        C = P.T @ P / len(P)
        w, U = np.linalg.eigh(C)
        if w[0] > 1e-300:
            A = (U / np.sqrt(w)) @ U.T  # C^-1/2: q -> A q whitens P
            P, Q = P @ A.T, Q @ np.linalg.inv(A)  # p -> A^-T p
        Q = Q / np.sqrt((Q**2).sum(axis=1).mean())
        return np.concatenate([P.ravel(), Q.ravel()])

    def invariance_directions(self, x):
        """Translations of P and of Q (4), q -> (I + e E) q with p -> (I - e E^T) p (4), scaling of Q (1)."""
        P, Q = self.split(x)
        z = np.zeros_like(P)
        rows = [np.concatenate([np.tile(np.eye(2)[k], self.n), z.ravel()]) for k in range(2)]
        rows += [np.concatenate([z.ravel(), np.tile(np.eye(2)[k], self.n)]) for k in range(2)]
        for a in range(2):
            for b in range(2):
                E = np.zeros((2, 2))
                E[a, b] = 1.0
                rows.append(np.concatenate([(P @ E.T).ravel(), (-Q @ E).ravel()]))
        rows.append(np.concatenate([z.ravel(), Q.ravel()]))
        return np.stack(rows)

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
