"""The Chaidez–Hutchings flow graph of a symplectic polytope in R^4.

Nodes are 2-faces F (a facet pair).  Each graph edge e: F1 -> F2 is one
crossing of the facet E = E_to(F1) = E_from(F2), with an open domain polygon
D_e in the chart of F1, an affine transfer map s' = A_e s + b_e into the chart
of F2 and an affine flow time f_e(s') = alpha_e + beta_e . s (the action
increment).  Charts are the quaternionic trivialisations tau_F, so every A_e
equals the transition matrix psi_{F2} (reeb-dynamics-4d.md §2.2–§2.3, CH Def
2.17, Lemma 2.18, Cor 2.22).

Everything is computed in coordinates centred at the Chebyshev centre of K
(support numbers h > 0); breakpoints are translated back by the caller.
The graph is a set of flat numpy arrays so that the C++ search and the
pure-Python reference read the very same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._native_support import native_module
from ...geometry.polygon import clip_halfplane, dedupe_vertices
from ...geometry.polytope import Polytope
from .rotation import QI, QJ, QK, c_F_constants, psi_matrices

__all__ = ["FlowGraph", "build_flow_graph", "QI", "QJ", "QK", "reeb_vector", "clip_convex",
           "polygon_diameter", "CLIP_REL"]


from .tolerances import CLIP_REL, DEDUPE_REL, GAMMA

def reeb_vector(n: np.ndarray, h: float) -> np.ndarray:
    """R_E = (2/h) J n with J(q, p) = (-p, q) (the CH frame, conventions.md)."""
    return (2.0 / h) * (QI @ n)


def clip_convex(points: list, a0: float, a1: float, c: float, eps: float, diam: float, slack: float = 0.0) -> list:
    """Keep the part of a convex polygon with a . s <= c + slack (an outer approximation).

    One Sutherland–Hodgman step, then removal of consecutive duplicates: the same
    arithmetic, in the same order, as ``clip_halfplane`` followed by
    ``dedupe_vertices`` in ext/polygon.cpp.  The slack is the error bound of the
    half-plane (reeb-certification.md §7), at least CLIP_REL * diam * |a|, so a
    domain that touches a face along an edge or at a point survives as a 2- or
    1-vertex polygon (closed domains) instead of vanishing by rounding.
    """
    ceps = max(slack, CLIP_REL * diam * math.hypot(a0, a1))
    return dedupe_vertices(clip_halfplane(points, a0, a1, c, ceps), eps)


def polygon_diameter(points: list) -> float:
    """Diagonal of the bounding box (within a factor sqrt 2 of the diameter; cheap and deterministic)."""
    if not points:
        return 0.0
    x0 = x1 = points[0][0]
    y0 = y1 = points[0][1]
    for p in points:
        if p[0] < x0:
            x0 = p[0]
        elif p[0] > x1:
            x1 = p[0]
        if p[1] < y0:
            y0 = p[1]
        elif p[1] > y1:
            y1 = p[1]
    return math.hypot(x1 - x0, y1 - y0)


@dataclass
class FlowGraph:
    """Flat arrays describing the flow graph (see the module docstring).

    Faces (index f): ``face_facets[f] = (E_from, E_to)``, chart centre
    ``face_c[f]`` (4,), chart inverse ``face_M[f]`` (4, 2) (x = c + M s),
    chart ``face_P[f]`` (2, 4) (s = P (x - c)), ``face_poly`` vertices of F in
    its chart (CCW) between ``face_poly_start[f]`` and ``face_poly_start[f+1]``,
    ``face_diam[f]``, ``face_psi[f]`` (2, 2) and ``face_cF[f]``.

    Edges (index e, sorted by (src, dst)): ``edge_src``, ``edge_dst``,
    ``edge_facet`` (the facet crossed), ``edge_A`` (2, 2), ``edge_b`` (2,),
    ``edge_alpha``, ``edge_beta`` (2,) (flow time alpha + beta . s in the
    chart of the source), half-planes ``hp_a . s <= hp_c`` of the closed
    domain (only those cutting the source face) between ``edge_hp_start[e]``
    and ``edge_hp_start[e+1]``, ``edge_minf`` (a lower bound of the flow time
    over the closed domain).

    Error bounds (reeb-certification.md §7): ``face_rad[f]`` = max |s|_inf over
    the polygon of f; per edge ``edge_eA`` (entries of A), ``edge_eb``
    (|b|_inf), ``edge_ealpha``, ``edge_ebeta`` (|beta|_inf); per half-plane
    ``hp_ea`` (|a|_inf) and ``hp_ec``.
    """

    N: np.ndarray
    H: np.ndarray
    centre: np.ndarray
    R: np.ndarray
    face_pairs: list
    face_facets: np.ndarray
    face_c: np.ndarray
    face_M: np.ndarray
    face_P: np.ndarray
    face_poly: np.ndarray
    face_poly_start: np.ndarray
    face_diam: np.ndarray
    face_psi: np.ndarray
    face_cF: np.ndarray
    face_symplecticity: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_facet: np.ndarray
    edge_A: np.ndarray
    edge_b: np.ndarray
    edge_alpha: np.ndarray
    edge_beta: np.ndarray
    edge_hp_start: np.ndarray
    hp_a: np.ndarray
    hp_c: np.ndarray
    edge_minf: np.ndarray
    face_rad: np.ndarray
    face_rate: np.ndarray
    edge_eA: np.ndarray
    edge_eb: np.ndarray
    edge_ealpha: np.ndarray
    edge_ebeta: np.ndarray
    hp_ea: np.ndarray
    hp_ec: np.ndarray
    max_psi_error: float
    scale: float
    inradius: float  # radius of a ball inside K (a lower bound for the inradius)

    @property
    def n_faces(self) -> int:
        return len(self.face_pairs)

    @property
    def n_edges(self) -> int:
        return int(self.edge_src.shape[0])

    @property
    def n_facets(self) -> int:
        return int(self.N.shape[0])

    def face_polygon(self, f: int) -> list:
        lo, hi = int(self.face_poly_start[f]), int(self.face_poly_start[f + 1])
        return [(float(x), float(y)) for x, y in self.face_poly[lo:hi]]

    def out_edges(self, f: int) -> range:
        lo = int(np.searchsorted(self.edge_src, f, side="left"))
        hi = int(np.searchsorted(self.edge_src, f, side="right"))
        return range(lo, hi)


def build_flow_graph(K: Polytope, implementation: str | None = None) -> FlowGraph:
    """Build the flow graph of a symplectic 4D polytope (no Lagrangian 2-face).

    Parameters
    ----------
    K : Polytope
        In R^4, without Lagrangian 2-faces (check with ``why_not`` first).
    implementation : {None, "python"}
        "python" forces the pure-Python construction of the edges (the C++
        ``reeb_build_edges`` is used otherwise, when compiled).

    Returns
    -------
    FlowGraph

    References
    ----------
    J. Chaidez, M. Hutchings, "Computing Reeb dynamics on four-dimensional
    convex polytopes", J. Comput. Dyn. (2021), Def 2.13, Prop 2.14, Lemma 2.18.
    """
    # Any interior point will do (the orbits do not depend on it): the vertex centroid is
    # cheap, and the ball of radius min_G h_G around it lies in K, so pi r^2 <= c_EHZ(K).
    centre = K.vertices_np.mean(axis=0)
    N = np.ascontiguousarray(K.normals_np)
    H = np.ascontiguousarray(K.offsets_np - N @ centre)
    V = K.vertices_np - centre
    m = N.shape[0]
    R = (2.0 / H)[:, None] * (N @ QI.T)
    pairs, face_verts = K.ridge_pairs()  # the 2-faces (K is in R^4)
    scale = float(np.abs(V).max())
    nF = len(face_verts)
    Na, Nb = N[pairs[:, 0]], N[pairs[:, 1]]
    w = Na[:, 0] * Nb[:, 2] + Na[:, 1] * Nb[:, 3] - Na[:, 2] * Nb[:, 0] - Na[:, 3] * Nb[:, 1]
    forward = w > 0
    e_from = np.where(forward, pairs[:, 0], pairs[:, 1])
    e_to = np.where(forward, pairs[:, 1], pairs[:, 0])
    # The crossing rate <n_to, R_from> = (2 / h_from) omega(n_from, n_to), in extended precision: the
    # plain dot product loses digits to cancellation on nearly Lagrangian faces (reeb-certification.md §8).
    Nf, Nt = N[e_from].astype(np.longdouble), N[e_to].astype(np.longdouble)
    w_ld = Nf[:, 0] * Nt[:, 2] + Nf[:, 1] * Nt[:, 3] - Nf[:, 2] * Nt[:, 0] - Nf[:, 3] * Nt[:, 1]
    face_rate = np.ascontiguousarray((np.longdouble(2.0) / H[e_from].astype(np.longdouble) * w_ld).astype(np.float64))
    nu, nu_p = N[e_to], N[e_from]
    # |omega(n_a, n_b)| / sin(angle): 0 Lagrangian, 1 complex (reeb-dynamics-4d.md §1.3).
    cosang = np.clip((Na * Nb).sum(1), -1.0, 1.0)
    face_sym = np.abs(w) / np.maximum(np.sqrt(np.maximum(0.0, 1.0 - cosang * cosang)), 1e-300)
    # Charts: s = P (x - c) with P = [j nu; k nu] (tau_F); the inverse M maps R^2 onto TF:
    # [P; n_a; n_b] M = [I; 0; 0].
    P_all = np.stack([nu @ QJ.T, nu @ QK.T], axis=1)  # (nF, 2, 4)
    system = np.concatenate([P_all, Na[:, None, :], Nb[:, None, :]], axis=1)  # (nF, 4, 4)
    rhs = np.zeros((nF, 4, 2))
    rhs[:, 0, 0] = rhs[:, 1, 1] = 1.0
    M_all = np.linalg.solve(system, rhs)  # (nF, 4, 2)
    psi_all = psi_matrices(nu_p, nu)
    cF_all = c_F_constants(psi_all)

    face_pairs = [tuple(int(v) for v in p) for p in pairs]
    face_facets = np.stack([e_from, e_to], axis=1)
    face_c, polys, poly_start, face_diam = [], [], [0], []
    for fi in range(nF):
        pts = V[face_verts[fi]]
        c = pts.mean(axis=0)
        sxy = (pts - c) @ P_all[fi].T
        order = np.argsort(np.arctan2(sxy[:, 1], sxy[:, 0]))  # counter-clockwise around the centroid
        ring = [(float(sxy[k, 0]), float(sxy[k, 1])) for k in order]
        polys.extend(ring)
        poly_start.append(len(polys))
        face_diam.append(polygon_diameter(ring))
        face_c.append(c)
    face_facets_arr = np.ascontiguousarray(face_facets, dtype=np.int64).reshape(nF, 2)
    face_c_arr = np.array(face_c).reshape(nF, 4)
    face_M_arr = np.ascontiguousarray(M_all.reshape(nF, 4, 2))
    face_P_arr = np.ascontiguousarray(P_all.reshape(nF, 2, 4))
    face_psi_arr = np.ascontiguousarray(psi_all.reshape(nF, 2, 2))
    face_diam_arr = np.array(face_diam, dtype=np.float64)
    poly_arr = np.array(polys, dtype=np.float64).reshape(-1, 2)
    poly_start_arr = np.array(poly_start, dtype=np.int64)
    face_rad = np.array([np.abs(poly_arr[poly_start[f]:poly_start[f + 1]]).max() for f in range(nF)])
    native = native_module() if implementation != "python" else None
    if native is not None and hasattr(native, "reeb_capacity_search"):  # the kernel with error bounds
        ed = native.reeb_build_edges(np.ascontiguousarray(N), np.ascontiguousarray(H), np.ascontiguousarray(R),
                                     face_facets_arr, np.ascontiguousarray(face_c_arr),
                                     face_M_arr.reshape(nF, 8), face_P_arr.reshape(nF, 8),
                                     face_psi_arr.reshape(nF, 4), np.ascontiguousarray(poly_arr), poly_start_arr,
                                     face_diam_arr, face_rad, face_rate)
        ed = {k: np.asarray(v) for k, v in ed.items()}
        nE = int(ed["edge_src"].shape[0])
        ed["edge_A"] = ed["edge_A"].reshape(nE, 2, 2)
        ed["edge_b"] = ed["edge_b"].reshape(nE, 2)
        ed["edge_beta"] = ed["edge_beta"].reshape(nE, 2)
        ed["hp_a"] = ed["hp_a"].reshape(-1, 2)
        max_psi_error = float(ed.pop("max_psi_error"))
    else:
        ed, max_psi_error = _edges_python(N, H, R, face_facets_arr, face_c_arr, face_M_arr, face_P_arr, psi_all,
                                          polys, poly_start, face_diam_arr, face_rad, face_rate, m)
    return FlowGraph(
        N=np.ascontiguousarray(N), H=np.ascontiguousarray(H), centre=centre, R=R,
        face_pairs=face_pairs, face_facets=face_facets_arr,
        face_c=face_c_arr, face_M=face_M_arr, face_P=face_P_arr,
        face_poly=poly_arr, face_poly_start=poly_start_arr,
        face_diam=face_diam_arr, face_psi=face_psi_arr,
        face_cF=np.asarray(cF_all, dtype=np.float64), face_symplecticity=np.array(face_sym), face_rad=face_rad,
        face_rate=face_rate,
        max_psi_error=max_psi_error, scale=scale, inradius=float(H.min()), **ed,
    )


def _edge_errors(NG, RE, c1, M1, rates, alphas, betas, HG):
    """First-order error bounds of the flow times t_G = alpha_G + beta_G . s (reeb-certification.md §7).

    rate = <n_G, R_E> = face_rate is computed in extended precision, so it is known to GAMMA |rate|;
    alpha = (h_G - <n_G, c1>) / rate and beta = -M1^T n_G / rate inherit that, plus the rounding of
    their numerators divided by |rate| (1/|rate| is the near-Lagrangian stretch).
    """
    absr = np.abs(rates)
    d_rate = GAMMA * absr
    d_num = GAMMA * (np.abs(HG) + np.abs(NG).sum(1) * np.abs(c1).max())
    ealpha = (d_num + np.abs(alphas) * d_rate) / absr
    ebeta = (GAMMA * (np.abs(NG) @ np.abs(M1)).max(axis=1) + np.abs(betas).max(axis=1) * d_rate) / absr
    return ealpha, ebeta


def _edges_python(N, H, R, face_facets_arr, face_c, face_M, face_P, face_psi, polys, poly_start, face_diam, face_rad,
                  face_rate, m):
    """Edges of the flow graph (pure Python; ext/reeb_search.cpp has the same as reeb_build_edges).

    Closed domains: every half-plane is clipped with its error bound as slack, so an edge whose
    domain is a segment or a point of the source face is kept (reeb-certification.md §3).
    """
    nF = face_facets_arr.shape[0]
    # Exits of each facet E: faces with E_from = E.
    exits: dict[int, list[int]] = {e: [] for e in range(m)}
    for f in range(nF):
        exits[int(face_facets_arr[f, 0])].append(f)

    exits_arr = {e: np.array(v, dtype=np.int64) for e, v in exits.items()}
    poly_arr = np.array(polys, dtype=np.float64).reshape(-1, 2)
    edges = []
    max_psi_error = 0.0
    for f1 in range(nF):
        E = int(face_facets_arr[f1, 1])
        ex = exits_arr[E]
        if ex.size == 0:
            continue
        c1, M1 = face_c[f1], face_M[f1]
        RE = R[E]
        lo, hi = poly_start[f1], poly_start[f1 + 1]
        poly1 = polys[lo:hi]
        P1 = poly_arr[lo:hi]
        R1 = float(face_rad[f1])
        Gs = face_facets_arr[ex, 1]
        NG = N[Gs]  # the facets G entered through each exit
        rates = face_rate[ex]  # <n_G, R_E>, in extended precision
        alphas = (H[Gs] - NG @ c1) / rates
        betas = -(NG @ M1) / rates[:, None]
        ealphas, ebetas = _edge_errors(NG, RE, c1, M1, rates, alphas, betas, H[Gs])
        eps = DEDUPE_REL * face_diam[f1]
        for i2, f2 in enumerate(ex):
            f2 = int(f2)
            alpha2, beta2 = float(alphas[i2]), betas[i2]
            a_vecs = beta2[None, :] - betas
            cvals = alphas - alpha2
            # Keep only the half-planes that cut the face (the rest are redundant there).
            cuts = ((P1 @ a_vecs.T - cvals[None, :]) > 0.0).any(axis=0)
            cuts[i2] = False
            hps = []
            dom = list(poly1)
            for g in np.flatnonzero(cuts):
                a0, a1, cv = float(a_vecs[g, 0]), float(a_vecs[g, 1]), float(cvals[g])
                ea = float(ebetas[i2] + ebetas[g])
                ec = float(ealphas[i2] + ealphas[g])
                hps.append((a0, a1, cv, ea, ec))
                if dom:
                    slack = 2.0 * R1 * ea + ec + GAMMA * ((abs(a0) + abs(a1)) * R1 + abs(cv))
                    dom = clip_convex(dom, a0, a1, cv, eps, face_diam[f1], slack)
            if len(dom) == 0:
                continue
            P2, c2 = face_P[f2], face_c[f2]
            A = P2 @ (M1 + np.outer(RE, beta2))
            bvec = P2 @ (c1 + alpha2 * RE - c2)
            psi_err = float(np.abs(A - face_psi[f2]).max())
            max_psi_error = max(max_psi_error, psi_err)
            P2R = float(np.abs(P2 @ RE).max())
            eA = max(2.0 * psi_err, GAMMA * float((np.abs(P2) @ (np.abs(M1) + np.outer(np.abs(RE), np.abs(beta2)))).max())
                     + P2R * float(ebetas[i2]))
            eb = (GAMMA * float((np.abs(P2) @ (np.abs(c1) + abs(alpha2) * np.abs(RE) + np.abs(c2))).max())
                  + P2R * float(ealphas[i2]))
            ea2, eb2 = float(ealphas[i2]), float(ebetas[i2])
            minf = min(alpha2 + beta2[0] * p[0] + beta2[1] * p[1] for p in dom)
            minf -= ea2 + 2.0 * R1 * eb2 + GAMMA * (abs(alpha2) + (abs(beta2[0]) + abs(beta2[1])) * R1)
            edges.append((f1, f2, E, A, bvec, alpha2, beta2, hps, minf, eA, eb, ea2, eb2))
    edges.sort(key=lambda t: (t[0], t[1]))
    nE = len(edges)
    hp_start = [0]
    hp_a, hp_c, hp_ea, hp_ec = [], [], [], []
    for ed in edges:
        for a0, a1, cval, ea, ec in ed[7]:
            hp_a.append((a0, a1))
            hp_c.append(cval)
            hp_ea.append(ea)
            hp_ec.append(ec)
        hp_start.append(len(hp_c))
    out = dict(
        edge_src=np.array([e[0] for e in edges], dtype=np.int64),
        edge_dst=np.array([e[1] for e in edges], dtype=np.int64),
        edge_facet=np.array([e[2] for e in edges], dtype=np.int64),
        edge_A=np.array([e[3] for e in edges]).reshape(nE, 2, 2),
        edge_b=np.array([e[4] for e in edges]).reshape(nE, 2),
        edge_alpha=np.array([e[5] for e in edges], dtype=np.float64),
        edge_beta=np.array([e[6] for e in edges]).reshape(nE, 2),
        edge_hp_start=np.array(hp_start, dtype=np.int64),
        hp_a=np.array(hp_a, dtype=np.float64).reshape(-1, 2),
        hp_c=np.array(hp_c, dtype=np.float64),
        edge_minf=np.array([e[8] for e in edges], dtype=np.float64),
        edge_eA=np.array([e[9] for e in edges], dtype=np.float64),
        edge_eb=np.array([e[10] for e in edges], dtype=np.float64),
        edge_ealpha=np.array([e[11] for e in edges], dtype=np.float64),
        edge_ebeta=np.array([e[12] for e in edges], dtype=np.float64),
        hp_ea=np.array(hp_ea, dtype=np.float64),
        hp_ec=np.array(hp_ec, dtype=np.float64),
    )
    return out, max_psi_error
