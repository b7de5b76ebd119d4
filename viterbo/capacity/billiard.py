"""method="billiard": c_EHZ of a Lagrangian product K x T of convex polygons.

Theorem (Artstein-Avidan–Ostrover; Rudolf in full generality): for convex
K ⊂ R^2_q and T ⊂ R^2_p,

    c_EHZ(K x T) = min { sum_i h_T(q_{i+1} - q_i) : closed polygons q_1..q_k, k in {2, 3},
                         that cannot be translated into the interior of K },

h_T the support function of T.  (The action of a closed characteristic whose
q-part runs q_1 -> q_2 -> ... is sum_i h_T(q_i - q_{i+1}); reversing the
polygon gives the formula above, and both orientations are ranged over.)

Reduction to finitely many small LPs.  A minimal polygon can be shrunk into
K, so its points lie on the boundary, and it cannot be translated into int K
iff 0 is in the convex hull of outward normals of K at its points.  By
Carathéodory in the plane, 0 is in the convex hull of 2 antiparallel edge
normals or of 3 positively spanning ones.  Hence

    c = min over "types" (edges a, b antiparallel) or (edges a, b, c positively spanning,
        both cyclic orders) of  min_{q_i in closed edge E_i} sum_i h_T(q_{i+1} - q_i),

and every type's polygon is admissible (the normals sit at its points).  A
point may be a vertex (two types share it); a 2-bounce orbit from a vertex to
an edge is the degenerate triangle of a 3-type with two points at the vertex.
Each type is a linear program in (t_i, s_i): q_i = A_i + t_i (B_i - A_i),
t_i in [0, 1], s_i >= <v, q_{i+1} - q_i> for every vertex v of T, minimise
sum s_i.  The minimum over types is the capacity: exact up to the LP's
rounding, and the reported value is re-evaluated from the optimal points.

The witness is the closed characteristic on K x T: on a facet (edge e of K) x T
the point p moves along +nu_e (J(n, 0) = (0, n)); on K x (edge f of T) the
point q moves along -mu_f.  Where the motion direction lies strictly inside a
normal cone (p at a vertex of T, or q at a vertex of K), the segment is
replaced by a staircase alternating between the two facets' Reeb directions;
the staircase is refined until it stays in the polygon.

References
----------
S. Artstein-Avidan, Y. Ostrover, "Brunn–Minkowski inequality for symplectic capacities of convex
domains", IMRN 2008 (Theorem 1.3 and §2: Minkowski billiards).
D. Rudolf, "The Minkowski billiard characterization of the EHZ-capacity of convex Lagrangian
products", J. Dyn. Diff. Equat. 2022 (Theorem 1.1; at most n + 1 bounces, Theorem 1.2).
K. Bezdek, D. Bezdek, "Shortest billiard trajectories", Geom. Dedicata 2009 (translation criterion).
P. Haim-Kislev, Y. Ostrover, "A counterexample to Viterbo's conjecture", 2024.
"""

from __future__ import annotations

import time

import numpy as np

from .._native_support import kernel_module
from ..errors import NumericalFailureError, VerificationError
from ..geometry.polytope import Polytope
from ..runtime import Budget
from ._common import orbit_from_numpy
from ._products import ConvexPolygon, lagrangian_factors
from ._value_range import check_representable
from .result import CapacityResult


def linprog(*args, **kwargs):
    """scipy.optimize.linprog, imported on first use (scipy.optimize costs ~0.3 s at import)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)

__all__ = ["billiard_capacity", "billiard_types", "minimal_billiard", "billiard_witness", "witness_orbit"]

#: Two unit normals are antiparallel, and three positively span, up to this sine of an angle: the
#: rounding of normals computed from vertices.  A tolerance on the angle, not on 1 + <a, b> (which is
#: the square of the angle: 1e-12 there let pairs tilted by 1.4e-6 through, whose 2-bounce polygon
#: can be translated into K and is shorter than the capacity; issue 11).  Tilted pairs are covered
#: by the triples they span with a third normal.
_SPAN_TOL = 1e-14


def _why_not(K: Polytope) -> str | None:
    factors = lagrangian_factors(K)
    if isinstance(factors, str):
        return ('"billiard" needs a Lagrangian product K x T of convex polygons in R^4 (every facet '
                f'normal in the (q1, q2)-plane or in the (p1, p2)-plane); here {factors}')
    return None


# ---------------------------------------------------------------------------------------------- types
def billiard_types(Kq: ConvexPolygon) -> list[tuple[int, ...]]:
    """The combinatorial types to minimise over: antiparallel edge pairs and positively spanning triples.

    Triples come in both cyclic orders.  The order of the list is deterministic.

    Examples
    --------
    >>> import viterbo as vb
    >>> from viterbo.capacity._products import lagrangian_factors
    >>> Kq, _ = lagrangian_factors(vb.families.pentagon_counterexample())
    >>> len(billiard_types(Kq))   # 5 spanning triples x 2 orders, no parallel edges
    10
    """
    N = Kq.normals
    m = N.shape[0]
    cross = N[:, None, 0] * N[None, :, 1] - N[:, None, 1] * N[None, :, 0]  # cross[i, j] = N_i x N_j
    dot = N @ N.T
    types: list[tuple[int, ...]] = []
    for a in range(m):
        for b in range(a + 1, m):
            if dot[a, b] < 0 and abs(cross[a, b]) <= _SPAN_TOL:
                types.append((a, b))
    # normals are sorted by angle, so for a < b < c the three gaps are the arcs a->b, b->c, c->a;
    # 0 is in their convex hull iff no gap exceeds pi, i.e. each consecutive cross product is >= 0.
    for a in range(m):
        for b in range(a + 1, m):
            if cross[a, b] < -_SPAN_TOL:
                continue
            for c in range(b + 1, m):
                if cross[b, c] >= -_SPAN_TOL and cross[c, a] >= -_SPAN_TOL:
                    types.append((a, b, c))
                    types.append((a, c, b))
    return types


def _type_lp(Kq: ConvexPolygon, Tp: ConvexPolygon, edges: tuple[int, ...]):
    """LP data (c, A_ub, b_ub, bounds) of one type: variables (t_1..t_k, s_1..s_k)."""
    k = len(edges)
    A = Kq.vertices[list(edges)]
    B = Kq.vertices[[(e + 1) % Kq.n_edges for e in edges]]
    tau = B - A
    W = Tp.vertices
    mt = W.shape[0]
    rows = np.zeros((k * mt, 2 * k))
    rhs = np.zeros(k * mt)
    for i in range(k):
        j = (i + 1) % k
        block = slice(i * mt, (i + 1) * mt)
        # <w, A_j + t_j tau_j - A_i - t_i tau_i> <= s_i
        rows[block, j] += W @ tau[j]
        rows[block, i] -= W @ tau[i]
        rows[block, k + i] = -1.0
        rhs[block] = -(W @ (A[j] - A[i]))
    c = np.concatenate([np.zeros(k), np.ones(k)])
    bounds = [(0.0, 1.0)] * k + [(None, None)] * k
    return c, rows, rhs, bounds, A, tau


def polygon_length(Tp: ConvexPolygon, Q: np.ndarray) -> float:
    """sum_i h_T(q_{i+1} - q_i) for the closed polygon with rows q_i."""
    D = np.roll(Q, -1, axis=0) - Q
    return float(Tp.support(D).sum())


def _solve_type_reference(Kq: ConvexPolygon, Tp: ConvexPolygon, edges: tuple[int, ...]):
    c, rows, rhs, bounds, A, tau = _type_lp(Kq, Tp, edges)
    res = linprog(c, A_ub=rows, b_ub=rhs, bounds=bounds, method="highs-ds",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:  # the LP is feasible and bounded by construction: only numerics can fail it
        raise NumericalFailureError(f"billiard: the LP of edge type {edges} did not reach an optimum "
                                    f"({res.message}); the billiard method cannot answer for this polytope.")
    t = np.clip(res.x[: len(edges)], 0.0, 1.0)
    Q = A + t[:, None] * tau
    return Q


def _normalised(P: ConvexPolygon) -> tuple[ConvexPolygon, np.ndarray, float]:
    """P moved to its vertex centroid and scaled to size 1: (P', centre, size) with P = centre + size P'.

    The LPs are solved on normalised factors: their tolerances (HiGHS, and the simplex of the
    native kernel) are absolute, so a product of size 1e-6 or 1e6 must not reach them as such.
    """
    centre = P.vertices.mean(axis=0)
    size = P.scale()
    return (ConvexPolygon((P.vertices - centre) / size, P.normals, (P.offsets - P.normals @ centre) / size,
                          P.facets), centre, size)


def minimal_billiard(Kq: ConvexPolygon, Tp: ConvexPolygon, budget: Budget | None = None,
                     implementation: str | None = None) -> tuple[float, np.ndarray, tuple[int, ...], dict]:
    """Minimise the T-length over all types; return (value, points, type, stats).

    ``points`` are the bounce points q_1..q_k in the order of the formula
    (length sum_i h_T(q_{i+1} - q_i)).  ``implementation="python"`` forces the pure-Python
    reference (one HiGHS LP per type), "native" the compiled kernel; ``stats["implementation"]`` says
    which ran.  Both solve on normalised factors: K' = (K - c_K) / s_K,
    T' = (T - c_T) / s_T; then c(K x T) = s_K s_T c(K' x T') (translating T changes each h_T(d)
    by <c_T, d>, which sums to 0 around a closed polygon).
    """
    types = billiard_types(Kq)
    mod = kernel_module(implementation, "billiard_minimum", 'capacity(method="billiard")')
    stats: dict = {"types": len(types), "lp_solved": 0, "implementation": "native" if mod is not None else "python"}
    Kn, cK, sK = _normalised(Kq)
    Tn, _, sT = _normalised(Tp)
    if mod is not None:
        deadline = -1.0 if budget is None else budget.remaining_or_negative()
        raw = mod.billiard_minimum(np.ascontiguousarray(Kn.vertices), np.ascontiguousarray(Tn.vertices),
                                   [list(t) for t in types], deadline)
        stats["lp_solved"] = int(raw["solved"])
        if raw["timed_out"]:
            raise budget.exceeded(f"{raw['solved']} of {len(types)} types solved")
        if raw["failed_type"] >= 0 or raw["type_index"] < 0 or not np.isfinite(raw["value"]):
            which = (f"the LP of edge type {types[raw['failed_type']]} did not reach an optimum"
                     if raw["failed_type"] >= 0 else "no edge type gave a finite length")
            raise NumericalFailureError(f"billiard: {which} (compiled simplex, after {raw['solved']} of "
                                        f"{len(types)} types); the billiard method cannot answer for this polytope.")
        Qn = np.asarray(raw["points"], dtype=np.float64)
        best_type = types[int(raw["type_index"])]
    else:
        best_value, Qn, best_type = np.inf, None, None
        for n_done, edges in enumerate(types):
            if budget is not None:
                budget.check(f"{n_done} of {len(types)} billiard types solved")
            Q = _solve_type_reference(Kn, Tn, edges)
            stats["lp_solved"] += 1
            value = polygon_length(Tn, Q)
            if value < best_value - 1e-13 * abs(value):
                best_value, Qn, best_type = value, Q, edges
        if Qn is None:
            raise NumericalFailureError("billiard: no edge type gave a finite length; the billiard method cannot "
                                        "answer for this polytope.")
    return sK * sT * polygon_length(Tn, Qn), cK + sK * Qn, best_type, stats


# ---------------------------------------------------------------------------------------------- witness
def _inside(P: ConvexPolygon, x: np.ndarray, tol: float) -> bool:
    return bool((P.normals @ x - P.offsets).max() <= tol)


def _decompose(delta: np.ndarray, dirs: list[np.ndarray], tol: float) -> list[float] | None:
    """Non-negative coefficients of delta in 1 or 2 directions, or None."""
    if not dirs:  # the point is on no facet at the tolerance: no direction to move along
        return None
    if len(dirs) == 1:
        a = float(delta @ dirs[0])
        if a < -tol or np.linalg.norm(delta - a * dirs[0]) > tol:
            return None
        return [max(a, 0.0)]
    M = np.stack(dirs, axis=1)
    try:
        coef = np.linalg.solve(M, delta)
    except np.linalg.LinAlgError:
        return None
    if coef.min() < -tol:
        return None
    return [max(float(c), 0.0) for c in coef]


def _path(start: np.ndarray, end: np.ndarray, dirs: list[np.ndarray], ids: list[int],
          region: ConvexPolygon, tol: float) -> list[tuple[np.ndarray, int]]:
    """Steps (start point, facet) from start to end, each along one of dirs, staying in region.

    Two directions: a staircase, refined (1, 2, 4, ... pairs) until every corner lies in the
    region; the order inside each pair is chosen separately for the first and second half,
    since near each end a different direction may be the one that points inward.
    """
    delta = end - start
    if np.linalg.norm(delta) <= tol:
        return []
    coef = _decompose(delta, dirs, tol)
    if coef is None:
        raise VerificationError(f"billiard witness: step {delta.tolist()} is not a non-negative combination "
                                f"of the Reeb directions {[d.tolist() for d in dirs]}")
    used = [(c, d, i) for c, d, i in zip(coef, dirs, ids) if c > tol]
    if len(used) == 1:
        return [(start, used[0][2])]
    (a, w1, i1), (b, w2, i2) = used
    for n in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        for first in (0, 1):
            for last in (0, 1):
                steps, x, ok = [], start.copy(), True
                for j in range(n):
                    order = first if j < (n + 1) // 2 else last
                    pair = [(a / n, w1, i1), (b / n, w2, i2)]
                    if order:
                        pair.reverse()
                    for length, w, fid in pair:
                        steps.append((x.copy(), fid))
                        x = x + length * w
                        if not _inside(region, x, tol):
                            ok = False
                            break
                    if not ok:
                        break
                if ok:
                    merged: list[tuple[np.ndarray, int]] = []
                    for point, fid in steps:
                        if not merged or merged[-1][1] != fid:
                            merged.append((point, fid))
                    return merged
                if n == 1 and first == last:
                    continue
    raise VerificationError("billiard witness: no staircase between the Reeb directions stays in the polygon")


def _support_points(Kq: ConvexPolygon, Tp: ConvexPolygon, R: np.ndarray, tol_q: float, tol_p: float) -> np.ndarray:
    """Points p_i on the boundary of T for the motion chords r_i -> r_{i+1}.

    p_i maximises <p, r_i - r_{i+1}> over T, and each jump p_{i+1} - p_i lies in the
    normal cone of K at r_{i+1} (the reflection law).  Solved as a small feasibility LP.
    """
    k = R.shape[0]
    M = np.roll(R, -1, axis=0) - R
    W = Tp.vertices
    size = Tp.scale()
    # tolerances relative to the size of each polygon (tol_p per unit of chord length)
    supp = [np.flatnonzero(W @ -M[i] >= Tp.support(-M[i]) - tol_p * np.linalg.norm(M[i])) for i in range(k)]
    cone = [np.flatnonzero(np.abs(Kq.normals @ R[(i + 1) % k] - Kq.offsets) <= tol_q) for i in range(k)]
    nw = sum(len(s) for s in supp)
    na = sum(len(c) for c in cone)
    woff = np.cumsum([0] + [len(s) for s in supp])
    aoff = nw + np.cumsum([0] + [len(c) for c in cone])
    A_eq = np.zeros((k + 2 * k, nw + na))
    b_eq = np.zeros(k + 2 * k)
    for i in range(k):
        A_eq[i, woff[i]:woff[i + 1]] = 1.0
        b_eq[i] = 1.0
    for i in range(k):
        j = (i + 1) % k
        r = k + 2 * i
        # (p_j - p_i) / size(T) - sum_e alpha_e nu_e = 0: scaled, since HiGHS' tolerances are absolute
        A_eq[r:r + 2, woff[j]:woff[j + 1]] += W[supp[j]].T / size
        A_eq[r:r + 2, woff[i]:woff[i + 1]] -= W[supp[i]].T / size
        A_eq[r:r + 2, aoff[i]:aoff[i + 1]] -= Kq.normals[cone[i]].T
    # Feasibility to the tolerance of the witness itself (HiGHS' default, 1e-7, would accept jumps
    # that are off the normals by more than the path below allows).
    res = linprog(np.zeros(nw + na), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * (nw + na), method="highs-ds",
                  options={"primal_feasibility_tolerance": max(tol_q / Kq.scale(), 1e-10),
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise VerificationError("billiard witness: the bounce points admit no reflection law "
                                f"(support points of T not found: {res.message})")
    w = res.x
    return np.stack([w[woff[i]:woff[i + 1]] @ W[supp[i]] for i in range(k)])


#: Relative tolerances tried in turn for the witness: which edges of K and T a bounce point or a
#: support point lies on, and how far a step may be off the Reeb directions there.  A near-product
#: (a pentagon product with one vertex moved by 1e-9) has chords within ~1e-10 of an edge normal of
#: T, where the LP's rounding decides between a vertex and an edge at the first tolerance; the
#: orbit's own re-check (verify(), 1e-8 of the size) judges the witness that is built.
WITNESS_TOLERANCES = (1e-10, 1e-9, 1e-8)


def billiard_witness(K: Polytope, Kq: ConvexPolygon, Tp: ConvexPolygon, Q: np.ndarray, rel: float = 1e-10):
    """The closed characteristic on K x T over the minimal polygon Q (formula order).

    The q-part runs through Q in reverse order (its action is sum h_T(q_{i+1} - q_i)),
    the p-part jumps along the normals of K at the bounce points.  ``rel``: the tolerance of the
    incidences and of the steps, relative to the size of each polygon.

    Raises
    ------
    VerificationError
        No witness at this tolerance (see :func:`witness_orbit`, which tries several).
    """
    R = Q[::-1].copy()
    k = R.shape[0]
    tol_q = rel * Kq.scale()
    tol_p = rel * Tp.scale()
    P = _support_points(Kq, Tp, R, tol_q, tol_p)
    points: list[np.ndarray] = []
    facets: list[int] = []
    for i in range(k):
        j = (i + 1) % k
        # chord i: p fixed at P[i], q from R[i] to R[j] along -mu_f for the edges f of T through P[i]
        edges_T = np.flatnonzero(np.abs(Tp.normals @ P[i] - Tp.offsets) <= tol_p)
        for q, fid in _path(R[i], R[j], [-Tp.normals[f] for f in edges_T], [Tp.facets[f] for f in edges_T],
                            Kq, tol_q):
            points.append(np.concatenate([q, P[i]]))
            facets.append(fid)
        # bounce at R[j]: q fixed, p from P[i] to P[j] along +nu_e for the edges e of K through R[j]
        edges_K = np.flatnonzero(np.abs(Kq.normals @ R[j] - Kq.offsets) <= tol_q)
        for p, fid in _path(P[i], P[j], [Kq.normals[e] for e in edges_K], [Kq.facets[e] for e in edges_K],
                            Tp, tol_p):
            points.append(np.concatenate([R[j], p]))
            facets.append(fid)
    return orbit_from_numpy(K, np.array(points), facets)


def witness_orbit(K: Polytope, Kq: ConvexPolygon, Tp: ConvexPolygon, Q: np.ndarray):
    """:func:`billiard_witness` at the first of WITNESS_TOLERANCES where one exists.

    Raises
    ------
    NumericalFailureError
        None exists at any of them (a :class:`MethodNotApplicableError`: "auto" moves on).
    """
    problems = []
    for rel in WITNESS_TOLERANCES:
        try:
            return billiard_witness(K, Kq, Tp, Q, rel)
        except VerificationError as exc:
            problems.append(f"at {rel:g}: {exc}")
    raise NumericalFailureError("billiard: no closed characteristic could be built over the shortest billiard "
                                "polygon (the bounce and support points do not meet the edges consistently, "
                                "as in a product of polygons with nearly parallel edges); the billiard method "
                                "cannot certify this polytope, use method=\"haim_kislev\". Details: "
                                + " | ".join(problems))


# ---------------------------------------------------------------------------------------------- method
def billiard_capacity(K: Polytope, *, budget: Budget, implementation: str | None = None) -> CapacityResult:
    """c_EHZ(K x T) as the shortest closed (K, T)-Minkowski billiard trajectory.

    Parameters
    ----------
    K : Polytope
        A Lagrangian product of convex polygons in R^4 (recognised from its facets).
    budget : Budget
        Checked between types; exceeding it raises.
    implementation : {None, "native", "python"}
        None: the compiled kernel when available; "native" requires it; "python" forces the reference.

    Returns
    -------
    CapacityResult
        ``stats``: ``types`` (combinatorial types), ``lp_solved``, ``bounces``, ``bounce_points``
        (q_1..q_k in formula order), ``type`` (edges of K), ``implementation`` ("native" or "python").

    Raises
    ------
    TimeBudgetExceededError
        The budget ran out before every type was solved.
    NumericalFailureError
        A type's LP did not reach an optimum, or no witness orbit could be built over the minimal
        polygon (a :class:`MethodNotApplicableError`: "auto" moves on).

    References
    ----------
    Rudolf 2022, Theorem 1.1; Artstein-Avidan–Ostrover 2008; Haim-Kislev–Ostrover 2024.

    Examples
    --------
    >>> import viterbo as vb
    >>> r = vb.capacity(vb.families.pentagon_counterexample(), method="billiard")
    >>> round(r.value, 9), r.verify()
    (3.440954801, True)
    """
    start = time.perf_counter()
    Kq, Tp = lagrangian_factors(K)
    value, Q, best_type, stats = minimal_billiard(Kq, Tp, budget, implementation)
    value = check_representable(value, 'capacity(method="billiard")')
    # Drop repeated points (a vertex shared by two edges of a 3-type): a 2-bounce orbit.  "Repeated"
    # to the LP's accuracy (1e-10): a chord of 1e-10 of the size has no direction to speak of in
    # float64, and the bounce there is at the vertex to that accuracy (seen on near-products).
    keep = [Q[0]]
    for q in Q[1:]:
        if min(np.linalg.norm(q - x) for x in keep) > 1e-9 * Kq.scale():
            keep.append(q)
    Q = np.array(keep)
    orbit = witness_orbit(K, Kq, Tp, Q)
    stats.update({"bounces": int(Q.shape[0]), "type": list(best_type), "bounce_points": Q.tolist(),
                  "seconds": time.perf_counter() - start})
    return CapacityResult(value=value, method="billiard", orbit=orbit, stats=stats, polytope=K,
                          params={})
