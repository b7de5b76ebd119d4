"""Jump faces: the edges and vertices where the Reeb flow passes between facets that share no 2-face.

reeb-certification.md §2, §4.  At a point of the relative interior of a face P
(an edge or a vertex of K), the arriving facet E and the departing facet C are
fixed by signs (the Reeb-cone rule, reeb-dynamics-4d.md §1.5):

    E arrives  iff  omega(n_E, n_G) > 0 for every other facet G through P,
    C departs  iff  omega(n_C, n_G) < 0 for every other facet G through P.

When E and C share a 2-face the closed 2-face graph already carries the
passage; otherwise (P, E, C) is a *jump* and the jump search
(jump_reference.py, ext/reeb_search.cpp) follows it.  Signs of omega between
facets that meet only in P may be ~0 (symmetric bodies): within
OMEGA_SIGN_TOL both signs are allowed, so the list of jumps is an outer
approximation (a spurious jump only costs search time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._native_support import native_module
from ...geometry.polytope import Polytope
from .flow_graph import FlowGraph
from .tolerances import OMEGA_SIGN_TOL

__all__ = ["Skeleton", "build_skeleton"]


@dataclass
class Skeleton:
    """Jump faces and jumps, as flat arrays (the C++ search reads the same ones).

    Jump faces (index p, edges first then vertices, the canonical order of the
    jump search): ``jf_kind[p]`` (1 edge, 0 vertex), ``jf_v[p]`` = (u, v)
    vertex indices (v = u for a vertex), ``jf_facets`` CSR (``jf_fstart``) the
    facets through P.  Jumps (index j): ``jp_face``, ``jp_E`` (arriving facet),
    ``jp_C`` (departing facet), ``jp_X`` CSR (``jp_xstart``) the exit 2-faces
    of E that contain P.  ``V`` are K's vertices in the flow graph's centred
    coordinates.  ``exits`` CSR (``exit_start``, per facet E): the 2-faces with
    E_from = E.  ``n_edges`` / ``n_vertices``: how many edges and vertices of K
    were examined.
    """

    V: np.ndarray
    jf_kind: np.ndarray
    jf_v: np.ndarray
    jf_fstart: np.ndarray
    jf_facets: np.ndarray
    jp_face: np.ndarray
    jp_E: np.ndarray
    jp_C: np.ndarray
    jp_xstart: np.ndarray
    jp_X: np.ndarray
    exit_start: np.ndarray
    exits: np.ndarray
    n_edges: int
    n_vertices: int

    @property
    def n_faces(self) -> int:
        return int(self.jf_kind.shape[0])

    @property
    def n_jumps(self) -> int:
        return int(self.jp_face.shape[0])

    def facets_of(self, p: int) -> list[int]:
        return [int(g) for g in self.jf_facets[self.jf_fstart[p]:self.jf_fstart[p + 1]]]

    def exits_of(self, E: int) -> list[int]:
        return [int(f) for f in self.exits[self.exit_start[E]:self.exit_start[E + 1]]]

    def jump_exits(self, j: int) -> list[int]:
        return [int(f) for f in self.jp_X[self.jp_xstart[j]:self.jp_xstart[j + 1]]]


def build_skeleton(K: Polytope, G: FlowGraph, implementation: str | None = None) -> Skeleton:
    """Enumerate K's edges and vertices, their arriving/departing facets, and the jumps.

    An edge of a 4-polytope is a pair of vertices lying on at least 3 common
    facets (three distinct facets meet in a face of dimension <= 1, since a
    2-face lies on exactly two).  ``implementation="python"`` forces this
    reference; otherwise ``reeb_build_skeleton`` of the C++ kernel builds the
    same arrays.
    """
    inc = K._incidence_np()  # (m, nV)
    m, nV = inc.shape
    V = K.vertices_np - G.centre
    N = G.N
    native = native_module() if implementation != "python" else None
    if native is not None and hasattr(native, "reeb_build_skeleton"):
        face_pairs = np.ascontiguousarray(np.array(G.face_pairs, dtype=np.int64).reshape(-1, 2))
        raw = native.reeb_build_skeleton(np.ascontiguousarray(inc, dtype=bool), np.ascontiguousarray(N), face_pairs,
                                         np.ascontiguousarray(G.face_facets))
        arr = {k: np.asarray(v) for k, v in raw.items() if k != "n_edges"}
        return Skeleton(V=np.ascontiguousarray(V), jf_kind=arr["jf_kind"], jf_v=arr["jf_v"].reshape(-1, 2),
                        jf_fstart=arr["jf_fstart"], jf_facets=arr["jf_facets"], jp_face=arr["jp_face"],
                        jp_E=arr["jp_E"], jp_C=arr["jp_C"], jp_xstart=arr["jp_xstart"], jp_X=arr["jp_X"],
                        exit_start=arr["exit_start"], exits=arr["exits"], n_edges=int(raw["n_edges"]),
                        n_vertices=int(nV))
    W = N[:, :2] @ N[:, 2:].T - N[:, 2:] @ N[:, :2].T  # W[i, j] = omega(n_i, n_j)
    face_of = {}
    for f, (a, b) in enumerate(G.face_pairs):
        face_of[(a, b)] = face_of[(b, a)] = f
    ff = G.face_facets
    common = inc.T.astype(np.int32) @ inc.astype(np.int32)
    eu, ev = np.nonzero(np.triu(common >= 3, k=1))
    faces = [(1, int(u), int(v), np.flatnonzero(inc[:, u] & inc[:, v])) for u, v in zip(eu, ev)]
    faces += [(0, v, v, np.flatnonzero(inc[:, v])) for v in range(nV)]

    jf_kind, jf_v, jf_fstart, jf_facets = [], [], [0], []
    jp_face, jp_E, jp_C, jp_xstart, jp_X = [], [], [], [0], []
    for kind, u, v, S in faces:
        Wsub = W[np.ix_(S, S)]
        k = len(S)
        off = ~np.eye(k, dtype=bool)
        arrive = [i for i in range(k) if np.all(Wsub[i][off[i]] > -OMEGA_SIGN_TOL)]
        depart = [i for i in range(k) if np.all(Wsub[i][off[i]] < OMEGA_SIGN_TOL)]
        jumps = []
        for i in arrive:
            E = int(S[i])
            # The 2-faces of E through P: all must be exits of E (else E cannot be arriving).
            through = [face_of[(E, int(g))] for g in S if int(g) != E and (E, int(g)) in face_of]
            if any(int(ff[f, 0]) != E for f in through):
                continue
            if len(through) < (2 if kind == 1 else 3):
                continue
            for c in depart:
                C = int(S[c])
                if C == E or (E, C) in face_of:
                    continue
                c_through = [face_of[(C, int(g))] for g in S if int(g) != C and (C, int(g)) in face_of]
                if any(int(ff[f, 1]) != C for f in c_through):
                    continue
                jumps.append((E, C, sorted(through)))
        if not jumps:
            continue
        p = len(jf_kind)
        jf_kind.append(kind)
        jf_v.append((u, v))
        jf_facets.extend(int(g) for g in S)
        jf_fstart.append(len(jf_facets))
        for E, C, X in jumps:
            jp_face.append(p)
            jp_E.append(E)
            jp_C.append(C)
            jp_X.extend(X)
            jp_xstart.append(len(jp_X))

    exits = [[] for _ in range(m)]
    for f in range(ff.shape[0]):
        exits[int(ff[f, 0])].append(f)
    exit_start = np.cumsum([0] + [len(x) for x in exits]).astype(np.int64)
    i64 = lambda a: np.asarray(a, dtype=np.int64)  # noqa: E731
    return Skeleton(V=np.ascontiguousarray(V), jf_kind=i64(jf_kind), jf_v=i64(jf_v).reshape(-1, 2),
                    jf_fstart=i64(jf_fstart), jf_facets=i64(jf_facets), jp_face=i64(jp_face), jp_E=i64(jp_E),
                    jp_C=i64(jp_C), jp_xstart=i64(jp_xstart), jp_X=i64(jp_X), exit_start=exit_start,
                    exits=i64([f for x in exits for f in x]), n_edges=int(len(eu)), n_vertices=int(nV))
