"""The :class:`Polytope` value object: a validated, immutable convex polytope.

Representation: {x : B x <= c} with unit outward normals B (one row per facet,
no redundant rows) and offsets c, together with the vertices.  Facets and
vertices are indexed in a canonical (lexicographic) order, so the same body
gives the same indices however it was entered.  Geometry is exposed as torch
float64 tensors on the caller's device; numpy copies (``*_np``) serve the
methods, which compute on the CPU.  Conventions: docs/math/conventions.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.spatial import ConvexHull

from ..errors import DimensionError, PolytopeError
from . import _hull

__all__ = ["Polytope", "TwoFace"]


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


def _to_numpy(data: Any, who: str, name: str) -> tuple[np.ndarray, torch.device]:
    device = data.device if isinstance(data, torch.Tensor) else torch.device("cpu")
    if isinstance(data, torch.Tensor):
        arr = data.detach().to("cpu", torch.float64).numpy()
    else:
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise PolytopeError(
                f"{who}: {name} must be an array of real numbers (list, numpy array or torch "
                f"tensor); could not convert it ({exc})."
            ) from exc
    if not np.all(np.isfinite(arr)):
        bad = int((~np.isfinite(arr)).sum())
        raise PolytopeError(
            f"{who}: {name} contains {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}; "
            "every coordinate must be a finite number. Remove or repair those rows."
        )
    return np.ascontiguousarray(arr), device


def _canonical_order(rows: np.ndarray) -> np.ndarray:
    """Indices sorting rows lexicographically after rounding away float noise."""
    rounded = np.round(rows, 9) + 0.0  # + 0.0 turns -0.0 into 0.0
    return np.lexsort(rounded.T[::-1])


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.flags.writeable = False
    return a


class Polytope:
    """A convex polytope in R^d with non-empty interior.

    Build one with :meth:`from_vertices` or :meth:`from_halfspaces`; both
    validate the input once, remove redundant points or halfspaces and fix a
    canonical order of facets and vertices.  Instances are immutable and
    hashable; operations return new polytopes.

    Examples
    --------
    >>> import viterbo as vb
    >>> K = vb.Polytope.from_vertices([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]])
    >>> K
    <Polytope dim=2 facets=4 vertices=4>
    >>> K.volume()
    1.0
    """

    __slots__ = ("_V", "_N", "_H", "_device", "_name", "_structure", "_cache", "__weakref__")

    def __init__(self, vertices: np.ndarray, normals: np.ndarray, offsets: np.ndarray, *,
                 device: torch.device | str = "cpu", name: str | None = None,
                 structure: dict | None = None, _trusted: bool = False) -> None:
        if not _trusted:
            raise TypeError("use Polytope.from_vertices(points) or Polytope.from_halfspaces(B, c)")
        vo = _canonical_order(vertices)
        fo = _canonical_order(np.concatenate([normals, offsets[:, None]], axis=1))
        self._V = _frozen(vertices[vo])
        self._N = _frozen(normals[fo])
        self._H = _frozen(offsets[fo])
        self._device = torch.device(device)
        self._name = name
        self._structure = structure
        self._cache: dict[str, Any] = {}

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

        Raises
        ------
        PolytopeError
            NaN or infinite entries, wrong shape, fewer than d + 1 points, or
            points in a hyperplane.
        """
        who = "Polytope.from_vertices"
        P, device = _to_numpy(points, who, "points")
        if P.ndim != 2:
            raise PolytopeError(f"{who}: points must have shape (k, d), one point per row; got shape {P.shape}.")
        if P.shape[1] < 2:
            raise PolytopeError(f"{who}: points are in R^{P.shape[1]}; need dimension d >= 2.")
        _hull.check_full_dimensional(P, who)
        V, N, H = _hull.hull_from_points(P)
        return cls(V, N, H, device=device, name=name, structure=structure, _trusted=True)

    @classmethod
    def from_halfspaces(cls, B, c, *, name: str | None = None) -> Polytope:
        """The polytope {x : B x <= c}.

        Parameters
        ----------
        B : array_like, shape (m, d)
            Normals (need not be unit; each row is rescaled with its offset).
        c : array_like, shape (m,)
            Offsets.

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
        norms = np.linalg.norm(Bn, axis=1)
        zero = norms <= 1e-300
        if np.any(zero & (cn < 0)):
            raise PolytopeError(f"{who}: row {int(np.argmax(zero & (cn < 0)))} reads 0 <= c with c < 0; the set is empty.")
        Bn, cn, norms = Bn[~zero], cn[~zero], norms[~zero]
        Bn = Bn / norms[:, None]
        cn = cn / norms
        if Bn.shape[0] < Bn.shape[1] + 1:
            raise PolytopeError(
                f"{who}: {Bn.shape[0]} halfspace(s) in R^{Bn.shape[1]} cannot bound a region; "
                f"need at least {Bn.shape[1] + 1}."
            )
        direction = _hull.recession_direction(Bn)
        if direction is not None:
            raise PolytopeError(
                f"{who}: the set is unbounded (it contains the ray along {np.round(direction, 6).tolist()}). "
                "Add halfspaces whose normals surround the origin."
            )
        centre, radius = _hull.chebyshev_centre(Bn, cn)
        scale = float(np.abs(cn - Bn @ centre).max())
        if radius <= _hull.REL_TOL * max(scale, 1e-300):
            raise PolytopeError(
                f"{who}: the halfspaces meet in a set without interior (largest inscribed ball "
                f"has radius {radius:.3g}). Loosen the offsets c."
            )
        V = _hull.vertices_from_halfspaces(Bn, cn, centre)
        V, N, H = _hull.hull_from_points(V)
        N, H = _hull.snap_to_rows(N, H, Bn, cn, _hull.size_scale(V))
        return cls(V, N, H, device=device, name=name, _trusted=True)

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
        """Known product structure, e.g. ``{"kind": "lagrangian_product", "K": ..., "T": ...}``."""
        return self._structure

    @property
    def device(self) -> torch.device:
        return self._device

    def _t(self, a: np.ndarray) -> torch.Tensor:
        return torch.tensor(a, dtype=torch.float64, device=self._device)

    @property
    def vertices(self) -> torch.Tensor:
        """Vertices, shape (k, d), float64 on the polytope's device."""
        return self._t(self._V)

    @property
    def normals(self) -> torch.Tensor:
        """Unit outward facet normals, shape (m, d)."""
        return self._t(self._N)

    @property
    def offsets(self) -> torch.Tensor:
        """Facet offsets c, shape (m,): facet i is {x : <normals[i], x> = offsets[i]}."""
        return self._t(self._H)

    @property
    def vertices_np(self) -> np.ndarray:
        """Read-only numpy view of the vertices (for methods computing on the CPU)."""
        return self._V

    @property
    def normals_np(self) -> np.ndarray:
        return self._N

    @property
    def offsets_np(self) -> np.ndarray:
        return self._H

    @property
    def n_facets(self) -> int:
        return int(self._N.shape[0])

    @property
    def n_vertices(self) -> int:
        return int(self._V.shape[0])

    def _scale(self) -> float:
        return _hull.size_scale(self._V)

    # ------------------------------------------------------------------ faces
    def incidence(self) -> torch.Tensor:
        """Facet-vertex incidence, bool (m, k): vertex j lies on facet i."""
        return torch.tensor(self._incidence_np().copy(), device=self._device)

    def _incidence_np(self) -> np.ndarray:
        if "incidence" not in self._cache:
            tol = 1e-8 * self._scale()
            inc = np.abs(self._N @ self._V.T - self._H[:, None]) <= tol
            inc.flags.writeable = False
            self._cache["incidence"] = inc
        return self._cache["incidence"]

    def ridge_pairs(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Codimension-2 faces as facet pairs (m2, 2), i < j in lexicographic order, with their vertex
        indices in ascending order: the cheap form of :meth:`ridges` (no cyclic ordering)."""
        if "ridge_pairs" not in self._cache:
            inc = self._incidence_np()
            d = self.dim
            # Candidate pairs in one product: facets sharing at least d - 1 vertices.
            shared = inc.astype(np.int32) @ inc.T.astype(np.int32)
            pairs, verts = [], []
            for i, j in zip(*np.nonzero(np.triu(shared >= d - 1, k=1))):
                common = np.flatnonzero(inc[i] & inc[j])
                # In R^4 three vertices are never collinear, so two facets sharing three of them
                # meet in a 2-face; in general the shared vertices must span a (d-2)-plane.
                if d != 4:
                    pts = self._V[common]
                    if np.linalg.matrix_rank(pts[1:] - pts[0], tol=1e-9 * self._scale()) != d - 2:
                        continue
                pairs.append((int(i), int(j)))
                verts.append(common)
            self._cache["ridge_pairs"] = (np.array(pairs, dtype=np.int64).reshape(-1, 2), verts)
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
        # Orthonormal basis of the plane orthogonal to both normals.
        _, _, vt = np.linalg.svd(np.stack([self._N[i], self._N[j]]))
        basis = vt[2:]
        pts = self._V[common]
        centre = pts.mean(axis=0)
        xy = (pts - centre) @ basis.T
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
        """1-dimensional faces, as pairs of vertex indices (i < j)."""
        if "edges" not in self._cache:
            inc = self._incidence_np()
            d = self.dim
            out = []
            for u in range(self.n_vertices):
                for v in range(u + 1, self.n_vertices):
                    common = inc[:, u] & inc[:, v]
                    if common.sum() < d - 1:
                        continue
                    if np.linalg.matrix_rank(self._N[common], tol=1e-9) == d - 1:
                        out.append((u, v))
            self._cache["edges"] = out
        return list(self._cache["edges"])

    # ------------------------------------------------------------------ metric data
    def interior_point(self) -> torch.Tensor:
        """A strictly interior point: the Chebyshev centre (centre of the largest inscribed ball)."""
        return self._t(self._chebyshev()[0])

    def inradius(self) -> float:
        """Radius of the largest inscribed ball."""
        return self._chebyshev()[1]

    def _chebyshev(self) -> tuple[np.ndarray, float]:
        if "chebyshev" not in self._cache:
            self._cache["chebyshev"] = _hull.chebyshev_centre(self._N, self._H)
        return self._cache["chebyshev"]

    def volume(self) -> float:
        """The d-dimensional volume (area for d = 2)."""
        if "volume" not in self._cache:
            self._cache["volume"] = float(ConvexHull(self._V).volume)
        return self._cache["volume"]

    def support(self, direction) -> torch.Tensor:
        """Support function h_K(u) = max_{x in K} <u, x>; batched over leading axes of u."""
        u = torch.as_tensor(direction, dtype=torch.float64, device=self._device)
        if u.shape[-1] != self.dim:
            raise DimensionError(f"Polytope.support: direction has size {u.shape[-1]}; the polytope is in R^{self.dim}.")
        return (u @ self.vertices.T).amax(-1)

    def contains(self, x, tol: float = 1e-9) -> torch.Tensor:
        """Whether points lie in K (within ``tol`` relative to the polytope's size)."""
        x = torch.as_tensor(x, dtype=torch.float64, device=self._device)
        if x.shape[-1] != self.dim:
            raise DimensionError(f"Polytope.contains: points have size {x.shape[-1]}; the polytope is in R^{self.dim}.")
        slack = x @ self.normals.T - self.offsets
        return (slack <= tol * self._scale()).all(-1)

    # ------------------------------------------------------------------ new polytopes
    def translate(self, v) -> Polytope:
        """K + v (a new polytope; product structure is kept)."""
        v_np, _ = _to_numpy(v, "Polytope.translate", "v")
        if v_np.shape != (self.dim,):
            raise DimensionError(f"Polytope.translate: v has shape {v_np.shape}; expected ({self.dim},).")
        structure = None
        if self._structure and self._structure.get("kind") == "lagrangian_product":
            n = self.dim // 2
            structure = {"kind": "lagrangian_product",
                         "K": np.asarray(self._structure["K"]) + v_np[:n],
                         "T": np.asarray(self._structure["T"]) + v_np[n:]}
        return Polytope(self._V + v_np, self._N.copy(), self._H + self._N @ v_np, device=self._device,
                        name=self._name, structure=structure, _trusted=True)

    def transform(self, M) -> Polytope:
        """M K for an invertible matrix M: vertices map by M, normals by M^{-T}."""
        M_np, _ = _to_numpy(M, "Polytope.transform", "M")
        if M_np.shape != (self.dim, self.dim):
            raise DimensionError(f"Polytope.transform: M has shape {M_np.shape}; expected ({self.dim}, {self.dim}).")
        s = np.linalg.svd(M_np, compute_uv=False)
        if s[-1] <= 1e-12 * s[0]:
            raise PolytopeError("Polytope.transform: M is singular (or nearly); the image would be flat. Pass an invertible matrix.")
        V = self._V @ M_np.T
        N = self._N @ np.linalg.inv(M_np)
        norms = np.linalg.norm(N, axis=1)
        return Polytope(V, N / norms[:, None], self._H / norms, device=self._device,
                        name=self._name, _trusted=True)

    def scale(self, t: float) -> Polytope:
        """t K for t > 0."""
        if not t > 0:
            raise PolytopeError(f"Polytope.scale: t = {t}; need t > 0.")
        structure = None
        if self._structure and self._structure.get("kind") == "lagrangian_product":
            structure = {"kind": "lagrangian_product", "K": np.asarray(self._structure["K"]) * t,
                         "T": np.asarray(self._structure["T"]) * t}
        return Polytope(self._V * t, self._N.copy(), self._H * t, device=self._device,
                        name=self._name, structure=structure, _trusted=True)

    def with_name(self, name: str | None) -> Polytope:
        """The same polytope with another label."""
        return Polytope(self._V.copy(), self._N.copy(), self._H.copy(), device=self._device,
                        name=name, structure=self._structure, _trusted=True)

    def to(self, device) -> Polytope:
        """The same polytope with tensors on ``device``."""
        return Polytope(self._V.copy(), self._N.copy(), self._H.copy(), device=device,
                        name=self._name, structure=self._structure, _trusted=True)

    def is_centrally_symmetric(self, tol: float = 1e-9) -> bool:
        """Whether K = 2z - K for its vertex centroid z (then -K = K after centring)."""
        centre = self._V.mean(axis=0)
        reflected = 2 * centre - self._V
        dist = np.abs(reflected[:, None, :] - self._V[None, :, :]).max(axis=2).min(axis=1)
        return bool(dist.max() <= tol * self._scale())

    # ------------------------------------------------------------------ comparison, serialisation
    def equals(self, other: Polytope, tol: float = 1e-9) -> bool:
        """Same body up to ``tol`` relative to its size (vertex sets compared)."""
        if not isinstance(other, Polytope) or other.dim != self.dim or other.n_vertices != self.n_vertices:
            return False
        d = np.abs(self._V[:, None, :] - other._V[None, :, :]).max(axis=2)
        return bool(d.min(axis=1).max() <= tol * self._scale() and d.min(axis=0).max() <= tol * self._scale())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Polytope) and self.equals(other)

    def __hash__(self) -> int:
        return hash((self.dim, np.round(self._V, 6).tobytes()))

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
        """Inverse of :meth:`to_dict` (re-validated through :meth:`from_vertices`)."""
        return cls.from_vertices(np.asarray(data["vertices"], dtype=np.float64), name=data.get("name"))

    def __reduce__(self):
        return (_restore, (self._V.copy(), self._N.copy(), self._H.copy(), str(self._device),
                           self._name, self._structure))

    def __copy__(self) -> Polytope:
        return self

    def __deepcopy__(self, memo) -> Polytope:
        return self


def _restore(V, N, H, device, name, structure) -> Polytope:
    return Polytope(V, N, H, device=device, name=name, structure=structure, _trusted=True)
