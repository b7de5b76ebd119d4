"""The :class:`Polytope` value object: a validated, immutable convex polytope.

Representation: {x : B x <= c} with unit outward normals B (one row per facet,
no redundant rows) and offsets c, together with the vertices and the
facet-vertex incidence decided when the polytope was built.  Facets and
vertices are indexed in a canonical order (lexicographic, after normalising
the body to unit size), so the same body gives the same indices however it was
entered.  Geometry is exposed as torch float64 tensors on the caller's device
(torch is imported only when a tensor is asked for or passed in); numpy copies
(``*_np``) serve the methods, which compute on the CPU.

Every tolerance is relative to the body's own width in the direction it
concerns (facet i: the width of K along n_i), so a decision does not change
under an affine map of K.  Conventions: docs/math/conventions.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DimensionError, InvalidParameterError, PolytopeError
from . import _faces, _halfspaces, _hull, _linear
from ._input import to_numpy as _to_numpy
from ._input import torch_module as _torch
from ._storage import canonical_order as _canonical_order
from ._storage import freeze_structure as _freeze_structure
from ._storage import frozen as _frozen
from ._storage import unit_frame as _unit_frame

__all__ = ["Polytope", "TwoFace"]

LD = np.longdouble


@dataclass(frozen=True)
class TwoFace:
    """A codimension-2 face (a 2-face in R^4): the intersection of two facets.

    Attributes
    ----------
    facets : tuple[int, int]
        The two facet indices (i < j).
    vertices : tuple[int, ...]
        Its vertex indices; in R^4 in cyclic order around the polygon.
    """

    facets: tuple[int, int]
    vertices: tuple[int, ...]


class Polytope:
    """A convex polytope in R^d with non-empty interior.

    Build one with :meth:`from_vertices` or :meth:`from_halfspaces`; both
    validate the input once, remove redundant points or halfspaces and fix a
    canonical order of facets and vertices.  Instances are immutable and
    hashable (``==`` is exact equality of the vertex sets; :meth:`equals`
    compares up to a relative tolerance); operations return new polytopes.

    Examples
    --------
    >>> import viterbo as vb
    >>> K = vb.Polytope.from_vertices([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]])
    >>> K
    <Polytope dim=2 facets=4 vertices=4>
    >>> K.volume()
    1.0
    """

    __slots__ = ("_V", "_N", "_H", "_inc", "_device", "_name", "_structure", "_primary", "_deviation", "_cache",
                 "__weakref__")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise InvalidParameterError(
            "Polytope(...) is not a constructor: build a polytope with Polytope.from_vertices(points) or "
            "Polytope.from_halfspaces(B, c) (or take one from viterbo.families), which validate the input."
        )

    @classmethod
    def _build(cls, V: np.ndarray, N: np.ndarray, H: np.ndarray, incidence, *, device: str = "cpu",
               name: str | None = None, structure=None, primary: str = "V", reorder: bool = True,
               deviation: float = 0.0) -> Polytope:
        """The private constructor: data already validated; ``incidence[i, j]``: vertex j on facet i
        (a bool array or a scipy.sparse matrix; stored sparse, it has ~d entries per vertex).

        ``reorder=False`` keeps the given indices (normalised copies of a polytope must keep them).
        """
        from scipy.sparse import csr_matrix

        self = object.__new__(cls)
        inc = csr_matrix(incidence, dtype=bool, copy=True)
        if reorder:
            mid, half = _unit_frame(V)
            vo = _canonical_order((V - mid) / half)
            fo = _canonical_order(np.concatenate([N, ((H - N @ mid) / half)[:, None]], axis=1))
            V, N, H, inc = V[vo], N[fo], H[fo], inc[fo][:, vo]
        inc.eliminate_zeros()  # explicit False entries (from kron, slicing) are not incidences
        inc.sort_indices()
        for a in (inc.data, inc.indices, inc.indptr):
            a.flags.writeable = False
        self._V, self._N, self._H = _frozen(V), _frozen(N), _frozen(H)
        self._inc = inc
        self._device = str(device)
        self._name = name
        self._structure = _freeze_structure(structure)
        self._primary = primary  # which description holds the caller's numbers: "V" or "H"
        self._deviation = float(deviation)
        self._cache: dict[str, Any] = {}
        return self

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_vertices(cls, points, *, name: str | None = None, structure: dict | None = None) -> Polytope:
        """The convex hull of ``points``.

        Parameters
        ----------
        points : array_like or torch.Tensor, shape (k, d)
            At least d + 1 affinely independent points, d >= 2.  Interior and
            repeated points are allowed and dropped.
        name : str, optional
            A label carried into results, snapshots and profiles.

        Returns
        -------
        Polytope
            On the device of ``points`` when it is a tensor, else the CPU.
            Its vertices are rows of ``points`` (the caller's own numbers).

        Raises
        ------
        PolytopeError
            NaN, infinite, complex or non-numeric entries, wrong shape, fewer
            than d + 1 points, or points in a hyperplane (relative thickness
            below 1e-9).

        Notes
        -----
        Every decision (duplicates, coplanar pieces, vertices, incidence) is
        taken after an affine map that makes the cloud round, so the hull does
        not depend on how the points are stretched or where they sit; the
        result is checked against the input (every point inside, within 1e-9
        of the body's width along each facet normal).
        """
        who = "Polytope.from_vertices"
        P, device = _to_numpy(points, who, "points")
        if P.ndim != 2:
            raise PolytopeError(f"{who}: points must have shape (k, d), one point per row; got shape {P.shape}.")
        k, d = P.shape
        if d < 2:
            raise PolytopeError(f"{who}: points are in R^{d}; need dimension d >= 2.")
        if k < d + 1:
            raise PolytopeError(
                f"{who}: got {k} point(s) in R^{d}; a full-dimensional polytope needs at least "
                f"{d + 1} affinely independent points. Add points or lower the dimension."
            )
        hd = _hull.hull_from_points(P, who)
        return cls._build(hd.vertices, hd.normals, hd.offsets, hd.incidence, device=device, name=name,
                          structure=structure, primary="V", deviation=hd.deviation)

    @classmethod
    def from_halfspaces(cls, B, c, *, name: str | None = None) -> Polytope:
        """The polytope {x : B x <= c}.

        Parameters
        ----------
        B : array_like, shape (m, d)
            Normals (need not be unit; each row is rescaled with its offset).
        c : array_like, shape (m,)
            Offsets.

        Returns
        -------
        Polytope
            Its facets are the irredundant rows of (B, c), rescaled to unit normals.

        Raises
        ------
        PolytopeError
            NaN/inf, mismatched shapes, an infeasible system (empty set), an
            unbounded one, or one without interior.
        """
        who = "Polytope.from_halfspaces"
        Bn, device = _to_numpy(B, who, "B")
        cn, _ = _to_numpy(c, who, "c")
        if Bn.ndim != 2 or cn.ndim != 1 or Bn.shape[0] != cn.shape[0]:
            raise PolytopeError(
                f"{who}: B has shape {Bn.shape} but c has shape {cn.shape}; expected (m, d) and (m,)."
            )
        if Bn.shape[1] < 2:
            raise PolytopeError(f"{who}: B has {Bn.shape[1]} column(s); need dimension d >= 2.")
        hd = _halfspaces.halfspace_hull(Bn, cn, who)
        return cls._build(hd.vertices, hd.normals, hd.offsets, hd.incidence, device=device, name=name,
                          primary="H", deviation=hd.deviation)

    @classmethod
    def _product(cls, P: Polytope, Q: Polytope, order, *, name: str | None = None,
                 structure: dict | None = None) -> Polytope:
        """P x Q with coordinates permuted by ``order`` (column j of the result is column order[j] of
        (x_P, x_Q)), built from the factors: facets F x Q and P x G, vertices (v, w), incidence the
        product of the factors' incidences (no hull needed: O(k_P k_Q) for any polygons)."""
        V, N, H, inc = _faces.product(P._V, P._N, P._H, P._inc, Q._V, Q._N, Q._H, Q._inc)
        order = np.asarray(order)
        primary = "V" if P._primary == Q._primary == "V" else "H"
        return cls._build(V[:, order], N[:, order], H, inc, name=name, structure=structure, primary=primary,
                          deviation=max(P._deviation, Q._deviation))

    # ------------------------------------------------------------------ basic data
    @property
    def dim(self) -> int:
        """Ambient dimension d."""
        return int(self._V.shape[1])

    @property
    def name(self) -> str | None:
        """The label given at construction (families set one), or None."""
        return self._name

    @property
    def structure(self) -> dict | None:
        """Known product structure, e.g. ``{"kind": "lagrangian_product", "K": ..., "T": ...}``: a new
        dict each time (its arrays are read-only), so the polytope cannot be changed through it."""
        return None if self._structure is None else dict(self._structure)

    @property
    def hull_deviation(self) -> float:
        """How exactly K is the hull of the points it was built from (or the set {B x <= c} given).

        0.0 up to rounding (~1e-16) for exact input.  Nearly coplanar or nearly coincident input
        (within the 1e-8 merge radius of a facet, but not on it) is merged into one facet: then
        this is the largest distance, as a fraction of the body's width, by which an input point
        lies outside K or a vertex of K is moved from an input point.  A capacity is certified only
        when this is below 1e-11 (else it is exact for K, but K is the input only to this accuracy).
        """
        return self._deviation

    @property
    def device(self):
        """The torch device of the tensors this polytope returns."""
        return _torch().device(self._device)

    def _t(self, a: np.ndarray):
        torch = _torch()
        return torch.tensor(np.array(a), dtype=torch.float64, device=self._device)

    @property
    def vertices(self):
        """Vertices, shape (k, d), torch float64 on the polytope's device."""
        return self._t(self._V)

    @property
    def normals(self):
        """Unit outward facet normals, shape (m, d), torch float64."""
        return self._t(self._N)

    @property
    def offsets(self):
        """Facet offsets c, shape (m,): facet i is {x : <normals[i], x> = offsets[i]}."""
        return self._t(self._H)

    @property
    def vertices_np(self) -> np.ndarray:
        """Read-only numpy view of the vertices (for methods computing on the CPU)."""
        return self._V

    @property
    def normals_np(self) -> np.ndarray:
        """Read-only numpy view of the unit outward normals."""
        return self._N

    @property
    def offsets_np(self) -> np.ndarray:
        """Read-only numpy view of the offsets."""
        return self._H

    @property
    def n_facets(self) -> int:
        return int(self._N.shape[0])

    @property
    def n_vertices(self) -> int:
        return int(self._V.shape[0])

    def widths(self) -> np.ndarray:
        """Width of K along each facet normal, h_K(n_i) + h_K(-n_i): the scale of facet i's tolerances."""
        if "widths" not in self._cache:
            self._cache["widths"] = _frozen(_hull.widths(self._N, self._H, self._V))
        return self._cache["widths"]

    def _slack(self, X: np.ndarray) -> np.ndarray:
        """(<n_i, x> - c_i) / width_i for rows x of X, shape (len(X), m), in extended precision about
        the vertex centroid (points far from the origin keep their digits)."""
        if "slack_frame" not in self._cache:
            z = self._V.mean(axis=0)
            self._cache["slack_frame"] = (z, self._N.astype(LD), self._H.astype(LD) - self._N.astype(LD) @ z.astype(LD))
        z, N, Hc = self._cache["slack_frame"]
        s = (np.asarray(X, dtype=np.float64).astype(LD) - z.astype(LD)) @ N.T - Hc
        return np.asarray(s / self.widths(), dtype=np.float64)

    # ------------------------------------------------------------------ faces
    def incidence(self):
        """Facet-vertex incidence, bool (m, k) torch tensor: vertex j lies on facet i."""
        torch = _torch()
        return torch.tensor(self._incidence_np().copy(), device=self._device)

    def _incidence_np(self) -> np.ndarray:
        """The incidence as a dense read-only bool array (m, k)."""
        if "incidence_dense" not in self._cache:
            self._cache["incidence_dense"] = _frozen(self._inc.toarray(), dtype=bool)
        return self._cache["incidence_dense"]

    def _incidence_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(facet, vertex) index arrays of the incidences, facet-major (cached; do not modify)."""
        if "incidence_pairs" not in self._cache:
            inc = self._inc
            rows = np.repeat(np.arange(inc.shape[0]), np.diff(inc.indptr))
            self._cache["incidence_pairs"] = (rows, np.asarray(inc.indices))
        return self._cache["incidence_pairs"]

    def _incidence_sparse(self):
        """The incidence as a scipy.sparse CSR matrix (m, k), sorted indices; do not modify."""
        return self._inc

    def ridge_pairs(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Codimension-2 faces as facet pairs (m2, 2), i < j in lexicographic order, with their vertex
        indices in ascending order: the cheap form of :meth:`ridges` (no cyclic ordering).

        Two facets meet in a ridge iff their common vertices lie on no third facet (a face of lower
        dimension lies on at least three): a purely combinatorial test on the incidence.
        """
        if "ridge_pairs" not in self._cache:
            self._cache["ridge_pairs"] = _faces.ridge_pairs(self._inc, self.dim)
        pairs, verts = self._cache["ridge_pairs"]
        return pairs.copy(), [v.copy() for v in verts]

    def ridges(self) -> list[TwoFace]:
        """Faces of codimension 2, as pairs of facets with their vertices (any d; cyclic order in R^4)."""
        if "ridges" not in self._cache:
            pairs, verts = self.ridge_pairs()
            self._cache["ridges"] = [
                TwoFace((int(i), int(j)), self._cyclic(common, i, j) if self.dim == 4 else tuple(int(v) for v in common))
                for (i, j), common in zip(pairs, verts)]
        return list(self._cache["ridges"])

    def _cyclic(self, common: np.ndarray, i: int, j: int) -> tuple[int, ...]:
        """Order the vertices of the 2-face F_i ∩ F_j (R^4) around its centroid."""
        _, _, vt = np.linalg.svd(np.stack([self._N[i], self._N[j]]))
        basis = vt[2:]
        pts = self._V[common]
        xy = (pts - pts.mean(axis=0)) @ basis.T
        order = np.argsort(np.arctan2(xy[:, 1], xy[:, 0]))
        return tuple(int(common[k]) for k in order)

    def two_faces(self) -> list[TwoFace]:
        """The 2-faces of a 4D polytope: facet pairs meeting in a polygon.

        Raises
        ------
        DimensionError
            If the polytope is not 4-dimensional (use :meth:`ridges`).
        """
        if self.dim != 4:
            raise DimensionError(
                f"Polytope.two_faces: defined here for R^4 only; this polytope is in R^{self.dim}. "
                "Use Polytope.ridges() for codimension-2 faces in other dimensions."
            )
        return self.ridges()

    def edges(self) -> list[tuple[int, int]]:
        """1-dimensional faces, as pairs of vertex indices (i < j).

        u, v span an edge iff the facets through both meet in exactly {u, v} (combinatorial test).
        """
        if "edges" not in self._cache:
            self._cache["edges"] = _faces.edges(self._inc, self.dim)
        return list(self._cache["edges"])

    # ------------------------------------------------------------------ metric data
    def interior_point(self):
        """A strictly interior point: the Chebyshev centre (centre of the largest inscribed ball), a tensor."""
        return self._t(self._chebyshev()[0])

    def inradius(self) -> float:
        """Radius of the largest inscribed ball."""
        return self._chebyshev()[1]

    def _chebyshev(self) -> tuple[np.ndarray, float]:
        if "chebyshev" not in self._cache:
            z = self._V.mean(axis=0)
            H = self._H - self._N @ z
            e = int(np.frexp(float(np.abs(H).max()))[1])
            x, r = _halfspaces.chebyshev_centre(self._N, np.ldexp(H, -e))
            self._cache["chebyshev"] = (z + np.ldexp(x, e), math.ldexp(r, e))
        return self._cache["chebyshev"]

    def _log2_volume(self) -> float:
        """log2 of the volume; in the round frame unless K is well conditioned and of moderate size."""
        if "log2_volume" not in self._cache:
            W = self._whitening()
            if W.cond < 1e3 and abs(W.exponent) * self.dim < 900:
                mid, _ = _unit_frame(self._V)
                vol = _hull.hull_volume(self._V - mid, self._inc)
                self._cache["volume"] = vol
                self._cache["log2_volume"] = math.log2(vol)
            else:
                vol_z = _hull.hull_volume(W.forward(self._V), self._inc)
                # x = 2^e (c + z A^-1): |det| = 2^(e d) / |det A|.
                _, logdet = np.linalg.slogdet(np.asarray(W.A, dtype=np.float64))
                self._cache["log2_volume"] = math.log2(vol_z) + W.exponent * self.dim - logdet / math.log(2)
        return self._cache["log2_volume"]

    def volume(self) -> float:
        """The d-dimensional volume (area for d = 2).

        Raises
        ------
        PolytopeError
            When the volume is outside the float64 range (e.g. a body of size 1e-100 in R^4);
            :func:`viterbo.systolic_ratio` is computed scale-free and still works.
        """
        lv = self._log2_volume()
        if not -1020 < lv < 1023:
            raise PolytopeError(f"Polytope.volume: the volume is 2^{lv:.1f}, outside the float64 range. Rescale "
                                "the body (volume scales as t^d under x -> t x) and scale the result yourself.")
        return self._cache.setdefault("volume", 2.0**lv)

    def support(self, direction):
        """Support function h_K(u) = max_{x in K} <u, x>; batched over leading axes of u (a tensor)."""
        torch = _torch()
        u = torch.as_tensor(direction, dtype=torch.float64, device=self._device)
        if u.shape[-1] != self.dim:
            raise DimensionError(f"Polytope.support: direction has size {u.shape[-1]}; the polytope is in R^{self.dim}.")
        return (u @ self.vertices.T).amax(-1)

    def contains(self, x, tol: float = 1e-9):
        """Whether points lie in K, within ``tol`` of the width of K along each facet normal (a bool tensor)."""
        torch = _torch()
        xt = torch.as_tensor(x, dtype=torch.float64)
        if xt.shape[-1] != self.dim:
            raise DimensionError(f"Polytope.contains: points have size {xt.shape[-1]}; the polytope is in R^{self.dim}.")
        X = xt.detach().cpu().numpy().reshape(-1, self.dim)
        ok = (self._slack(X) <= tol).all(axis=1).reshape(tuple(xt.shape[:-1]))
        return torch.as_tensor(ok, device=self._device)

    # ------------------------------------------------------------------ new polytopes
    def _image(self, V: np.ndarray, N: np.ndarray, H: np.ndarray, structure=None, reorder: bool = True,
               device: str | None = None, name: str | None = "keep") -> Polytope:
        return Polytope._build(V, N, H, self._inc.copy(), device=self._device if device is None else device,
                               name=self._name if name == "keep" else name, structure=structure,
                               primary=self._primary, reorder=reorder, deviation=self._deviation)

    def translate(self, v) -> Polytope:
        """K + v (a new polytope; product structure is kept)."""
        v_np, _ = _to_numpy(v, "Polytope.translate", "v")
        if v_np.shape != (self.dim,):
            raise DimensionError(f"Polytope.translate: v has shape {v_np.shape}; expected ({self.dim},).")
        structure = None
        if self._structure and self._structure.get("kind") == "lagrangian_product":
            n = self.dim // 2
            structure = {"kind": "lagrangian_product", "K": np.asarray(self._structure["K"]) + v_np[:n],
                         "T": np.asarray(self._structure["T"]) + v_np[n:]}
        V = self._V + v_np
        H = np.asarray(self._H.astype(LD) + self._N.astype(LD) @ v_np.astype(LD), dtype=np.float64)
        return self._image(V, self._N, H, structure)

    def transform(self, M) -> Polytope:
        """M K for an invertible matrix M: vertices map by M, normals by M^{-T} (in extended precision)."""
        M_np, _ = _to_numpy(M, "Polytope.transform", "M")
        if M_np.shape != (self.dim, self.dim):
            raise DimensionError(f"Polytope.transform: M has shape {M_np.shape}; expected ({self.dim}, {self.dim}).")
        s = np.linalg.svd(M_np, compute_uv=False)
        if not s[-1] > 1e-12 * s[0]:
            raise PolytopeError("Polytope.transform: M is singular (or nearly); the image would be flat. Pass an invertible matrix.")
        V, N, H = _linear.linear_image(self._V, self._N, self._H, M_np)
        return self._image(V, N, H)

    def scale(self, t: float) -> Polytope:
        """t K for t > 0."""
        if not (isinstance(t, (int, float, np.floating, np.integer)) and math.isfinite(t) and t > 0):
            raise PolytopeError(f"Polytope.scale: t = {t!r}; need a finite number t > 0.")
        structure = None
        if self._structure and self._structure.get("kind") == "lagrangian_product":
            structure = {"kind": "lagrangian_product", "K": np.asarray(self._structure["K"]) * t,
                         "T": np.asarray(self._structure["T"]) * t}
        V, H = self._V * t, self._H * t
        if not (np.isfinite(V).all() and np.abs(V).max() > 0):
            raise PolytopeError(f"Polytope.scale: t = {t!r} takes the vertices outside the float64 range.")
        return self._image(V, self._N, H, structure)

    def with_name(self, name: str | None) -> Polytope:
        """The same polytope with another label."""
        return self._image(self._V, self._N, self._H, self._structure and dict(self._structure), reorder=False,
                           name=name)

    def to(self, device) -> Polytope:
        """The same polytope with tensors on ``device``."""
        return self._image(self._V, self._N, self._H, self._structure and dict(self._structure), reorder=False,
                           device=str(device))

    def is_centrally_symmetric(self, tol: float = 1e-9) -> bool:
        """Whether K = 2z - K for its vertex centroid z, up to ``tol`` of the body's size in its round frame."""
        W = self._whitening()
        Z = W.forward(self._V)
        z = Z.mean(axis=0)
        dist, _ = _hull._spatial().cKDTree(Z).query(2 * z - Z, p=np.inf)
        return bool(dist.max() <= tol)

    def _normal_form(self, kind: str = "symplectic"):
        """(Frame, body): K moved to a well-conditioned copy (see :mod:`viterbo.geometry._frame`), cached."""
        key = "normal_form:" + kind
        if key not in self._cache:
            from ._frame import normal_form

            self._cache[key] = normal_form(self, kind)
        return self._cache[key]

    def _whitening(self) -> _hull.Whitening:
        if "whitening" not in self._cache:
            self._cache["whitening"] = _hull.whitening(self._V, "Polytope")
        return self._cache["whitening"]

    # ------------------------------------------------------------------ comparison, serialisation
    def equals(self, other: Polytope, tol: float = 1e-9) -> bool:
        """Same body up to ``tol``: the vertex sets match within ``tol`` of the size of this body,
        measured in its round frame (an affine-invariant comparison)."""
        if not isinstance(other, Polytope) or other.dim != self.dim or other.n_vertices != self.n_vertices:
            return False
        W = self._whitening()
        A, B = W.forward(self._V), W.forward(other._V)
        tree = _hull._spatial().cKDTree
        d1, _ = tree(A).query(B, p=np.inf)
        d2, _ = tree(B).query(A, p=np.inf)
        return bool(max(d1.max(), d2.max()) <= tol)

    def _key(self) -> bytes:
        if "key" not in self._cache:
            V = self._V + 0.0  # -0.0 -> 0.0
            self._cache["key"] = V[np.lexsort(V.T[::-1])].tobytes()
        return self._cache["key"]

    def __eq__(self, other: object) -> bool:
        """Exact equality of the vertex sets (consistent with ``hash``); see :meth:`equals` for a tolerance."""
        if not isinstance(other, Polytope):
            return NotImplemented
        return self.dim == other.dim and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.dim, self._key()))

    def __repr__(self) -> str:
        try:
            label = f" {self._name!r}" if self._name else ""
            return f"<Polytope{label} dim={self.dim} facets={self.n_facets} vertices={self.n_vertices}>"[:120]
        except Exception:  # a repr must never fail
            return "<Polytope>"

    def to_dict(self) -> dict:
        """JSON-ready H- and V-description (the canonical serial form)."""
        return {"dim": self.dim, "name": self._name, "normals": self._N.tolist(),
                "offsets": self._H.tolist(), "vertices": self._V.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Polytope:
        """Inverse of :meth:`to_dict` (re-validated through :meth:`from_vertices`).

        Raises
        ------
        PolytopeError
            ``data`` is not a mapping with a ``"vertices"`` list of points.
        """
        who = "Polytope.from_dict"
        if not isinstance(data, dict) or "vertices" not in data:
            got = type(data).__name__ if not isinstance(data, dict) else f"keys {sorted(map(str, data))}"
            raise PolytopeError(f"{who}: expected a dict with a 'vertices' list of points (as written by "
                                f"Polytope.to_dict()); got {got}.")
        vertices = data["vertices"]
        if isinstance(vertices, (str, bytes)) or not hasattr(vertices, "__len__"):
            raise PolytopeError(f"{who}: 'vertices' must be a list of points (rows of numbers); got "
                                f"{type(vertices).__name__}.")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise PolytopeError(f"{who}: 'name' must be a string or null; got {type(name).__name__}.")
        return cls.from_vertices(vertices, name=name)

    def __reduce__(self):
        return (_restore, (np.array(self._V), np.array(self._N), np.array(self._H), self._incidence_np().copy(),
                           self._device, self._name, self._structure and dict(self._structure), self._primary,
                           self._deviation))

    def __copy__(self) -> Polytope:
        return self

    def __deepcopy__(self, memo) -> Polytope:
        return self


def _restore(V, N, H, inc, device, name, structure, primary="V", deviation=0.0) -> Polytope:
    return Polytope._build(V, N, H, inc, device=device, name=name, structure=structure, primary=primary,
                           reorder=False, deviation=deviation)
