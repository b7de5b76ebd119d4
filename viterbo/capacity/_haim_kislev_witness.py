"""The witness of method="haim_kislev": a closed characteristic built from a maximising order.

A maximiser (sigma, b) of Haim-Kislev's formula with value Q gives a closed polygon: segment l is
d_l = b_l J n_l / Q (J(q, p) = (-p, q)), run in the reverse of sigma, and its breakpoints
x_0 + D_i must lie on the facets of their segments (D_i = d_0 + ... + d_{i-1}).  Finding x_0 is a
linear problem, overdetermined but consistent for a true maximiser:

1. least squares on the facet equations; accepted when the loop meets its facets and stays in K;
2. otherwise, when the facet equations leave directions free (rank < d, e.g. after a zero weight
   was dropped), the free coordinates t are chosen by a small LP that maximises the smallest slack
   of every breakpoint against every facet (the LP's dual by the compiled dense simplex, or HiGHS).

Both steps run in C++ (``viterbo._native.haim_kislev_place_loop``); :func:`place_loop` is their
pure-Python reference (used with ``implementation="python"``, and by the parity tests).

Near-ties.  When rounding makes several orders tie (values within ``TIE_REL``; the perturbed cube
has three within 1e-16), the loop of the one reported first may miss K by ~1e-8: a value error of
eps moves a stationary point by ~sqrt(eps).  The search therefore hands over every near-tie, and
:func:`certified_witness` places them in turn until one passes :func:`verify_orbit`.  The value
reported stays 1 / (2 Q_best); the witness's own action differs from it by at most ``TIE_REL``.

Certified implies verified: if no candidate's witness passes :func:`verify_orbit` (e.g. a body in
ill-conditioned coordinates, where the action of a loop with coordinates ~1e4 cannot be computed to
1e-8 in float64), the method returns ``certified=False`` with the checks that failed.  And certified
implies exact to ``CERTIFY_REL``: :func:`rounding_bound` bounds how far float64 rounding of the input's
coordinates can move the value; above ``CERTIFY_REL`` the result is not certified either (a symplectic
image of a round body stretched 1e3 / 1e-3 reaches ~3e-9; measured errors stay below the bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.polytope import Polytope
from . import _haim_kislev_reference as ref
from ._memo import memo
from .result import Orbit, verify_orbit


def linprog(*args, **kwargs):
    """scipy.optimize.linprog, imported on first use (scipy.optimize costs ~0.3-0.6 s at import)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)

__all__ = ["Candidate", "TIE_REL", "MAX_TIES", "CERTIFY_REL", "certified_witness", "place_loop", "max_min_slack",
           "rounding_bound"]

#: Orders whose value is within this relative distance of the best are near-ties (tried in turn).
TIE_REL = 1e-12
#: At most this many near-ties besides the best are kept by the search.
MAX_TIES = 16
#: A loop is placed when it meets its facets and stays in K to PLACE_TOL * size(K).
PLACE_TOL = 1e-10
#: Weights with b_l h_l at most this (relative to sum b h = 1) are zero up to rounding.
ZERO_WEIGHT = 1e-9
#: A value is certified only when float64 rounding of the input cannot move it by more than this (relative).
CERTIFY_REL = 1e-9


@dataclass(frozen=True)
class Candidate:
    """A stationary order of the formula: facets in the order sigma, weights b (sum b h = 1), value Q."""

    Q: float
    facets: tuple[int, ...]
    b: np.ndarray


def max_min_slack(G: np.ndarray, g: np.ndarray, cap: float) -> tuple[np.ndarray, float] | None:
    """(t, s) maximising s subject to G t + s <= g and s <= cap (t free), by HiGHS; None if the LP fails.

    Reference of the LP inside ``viterbo._native.haim_kislev_place_loop`` (which solves its dual,
    min g^T y + cap y_0 over y >= 0 with G^T y = 0 and sum y = 1, by the dense simplex).
    """
    R, r = G.shape
    res = linprog(np.append(np.zeros(r), -1.0), A_ub=np.concatenate([G, np.ones((R, 1))], axis=1), b_ub=g,
                  bounds=[(None, None)] * r + [(None, cap)], method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        return None
    return res.x[:r], float(res.x[r])


def place_loop(N: np.ndarray, H: np.ndarray, facets: list[int], steps: np.ndarray,
               scale: float) -> tuple[np.ndarray, bool]:
    """Breakpoints x_0 + D_i with x_0 + D_i on facet ``facets[i]``; (points, placed within tolerance).

    Least squares first; if that point leaves K and the facet equations leave directions free, the
    free coordinates maximise the smallest slack (:func:`max_min_slack`).  When nothing fits, the
    least-squares loop is returned with ``False``.
    """
    D = np.zeros_like(steps)
    np.cumsum(steps[:-1], axis=0, out=D[1:])
    Nf = N[facets]
    rhs = H[facets] - (Nf * D).sum(axis=1)
    x0 = np.linalg.lstsq(Nf, rhs, rcond=None)[0]
    tol = PLACE_TOL * scale
    X = x0 + D
    if np.abs(Nf @ x0 - rhs).max() > tol:
        return X, False  # the loop cannot meet all its facets: not a maximiser's loop
    if ((X @ N.T).max(axis=0) - H).max() <= tol:
        return X, True
    _, sv, vt = np.linalg.svd(Nf)
    rank = int((sv > 1e-10 * sv[0]).sum())
    Z = vt[rank:].T  # free directions of x_0
    if Z.shape[1] == 0:
        return X, False
    # Rows (breakpoint i, facet f) that depend on t; the others are constant (the own facets: slack 0).
    GZ = N @ Z  # (m, r)
    moving = np.linalg.norm(GZ, axis=1) > 1e-12
    G = np.concatenate([GZ[moving]] * len(facets))
    g = np.concatenate([(H - N @ X[i])[moving] for i in range(len(facets))])
    found = max_min_slack(G, g / scale, 1.0)
    if found is None:
        return X, False
    t, _ = found
    X = x0 + Z @ (scale * t) + D
    x0 = X[0]
    return X, bool(np.abs(Nf @ x0 - rhs).max() <= tol and (X @ N.T - H).max() <= tol)


def loop_of(K: Polytope, N: np.ndarray, Hc: np.ndarray, cand: Candidate, hscale: float, native) -> tuple[Orbit, bool]:
    """The closed polygon of one candidate, and whether it fits K.

    The candidate lives in the search's frame: support numbers ``Hc`` = (true support numbers) / hscale,
    sum b Hc = 1; in K's own frame the weights are b / hscale and the value Q / hscale^2, so the
    segments are (hscale b_l / Q) J n_l.

    Weights that are zero up to rounding belong to a smaller subset with the same value: they are
    dropped (a zero-length segment would still have to touch its facet) and that subset re-solved
    exactly.  Reversing sigma makes the action positive: sum_{j<i} omega(n_sigma(i), n_sigma(j)) > 0
    is the sum over i<j of the reversed order; then 1/2 sum_{i<j} omega(d_i, d_j) = 1 / (2Q).
    """
    scale = memo(K, "haim_kislev:witness_scale", lambda: _witness_scale(K))
    if native is not None:  # the common case (no zero weight) in one compiled call, the same numbers
        loop = native.haim_kislev_witness_loop(K.normals_np, K.offsets_np, Hc, cand.facets, cand.b, float(cand.Q),
                                               hscale, scale, ZERO_WEIGHT)
        if loop is not None:
            X, placed, facets = loop
            return Orbit._owning(X, facets, device=K._device), placed
    sub, b, Q = np.asarray(cand.facets, dtype=np.intp), np.asarray(cand.b, dtype=np.float64), float(cand.Q)
    weights = b
    keep = b * Hc[sub] > ZERO_WEIGHT
    if not keep.all():
        sub, weights = sub[keep], b[keep]
        rhs = np.zeros(N.shape[1] + 1)
        rhs[-1] = 1.0
        resolved = ref.kkt_candidate(ref.quadratic_form(ref.omega_matrix(N), sub.tolist()),
                                     np.concatenate([N[sub], Hc[sub, None]], axis=1), rhs, Hc[sub])
        if resolved is not None and abs(resolved[0] - Q) <= 1e-9 * abs(Q):
            Q, weights = resolved
    facets = sub[::-1]
    weights = weights[::-1]
    n = N.shape[1] // 2
    Nf = K.normals_np[facets]
    steps = np.empty_like(Nf)
    steps[:, :n], steps[:, n:] = -Nf[:, n:], Nf[:, :n]  # J n
    steps *= (hscale / Q) * weights[:, None]
    if native is not None:
        raw = native.haim_kislev_place_loop(K.normals_np, K.offsets_np, facets, steps, scale)
        X, placed = raw["X"], raw["placed"]
    else:
        X, placed = place_loop(K.normals_np, K.offsets_np, facets.tolist(), steps, scale)
    return Orbit._owning(X, tuple(facets.tolist()), device=K._device), placed


def _witness_scale(K: Polytope) -> float:
    """The size of K about its vertex centroid: the scale of the placement tolerance."""
    V = K.vertices_np
    return float(np.abs(V - V.mean(axis=0)).max())


def rounding_bound(K: Polytope, H: np.ndarray, facets) -> float:
    """A first-order bound on the relative error of c caused by float64 rounding of K's coordinates.

    In Haim-Kislev's formula c is homogeneous of degree 1 in the support numbers along the maximiser:
    moving facet i by delta_i changes c by about 2 sum b_i delta_i / sum b_i h_i <= 2 max delta_i / h_i
    over the facets of the orbit.  Rounding coordinates of size X moves a facet by up to ~4 eps X, hence
    8 eps X / min h_i.  Round bodies of size 1 give ~1e-15; a body stretched 1e4 / 1e-4 by a symplectic
    map gives ~1e-7, and then no float64 method can pin the value to CERTIFY_REL (measured on such
    images of random hulls: the error stays below 5 eps X / min h_i).

    Parameters
    ----------
    K : Polytope
    H : np.ndarray
        Support numbers of K's facets about the centre the search used (K's own scale).
    facets : iterable of int
        Facets of the orbit.
    """
    X = memo(K, "haim_kislev:largest_coordinate", lambda: float(np.abs(K.vertices_np).max()))
    h_min = min(float(H[f]) for f in set(facets))
    return 8.0 * float(np.finfo(np.float64).eps) * X / h_min if h_min > 0 else float("inf")


def certified_witness(K: Polytope, N: np.ndarray, Hc: np.ndarray, candidates: list[Candidate], hscale: float,
                      value: float, native) -> tuple[Orbit, str | None, int]:
    """The first candidate (search frame, see :func:`loop_of`) whose loop passes :func:`verify_orbit`.

    Returns
    -------
    (orbit, reason, tried)
        ``reason`` is None when the orbit verifies; otherwise the orbit of the best candidate and a
        sentence naming the failed checks (the result is then not certified).  ``tried``: loops built.
    """
    first: tuple[Orbit, list[str]] | None = None
    for tried, cand in enumerate(candidates, start=1):
        orbit, placed = loop_of(K, N, Hc, cand, hscale, native)
        problems = verify_orbit(K, orbit, value)
        if not problems:
            return orbit, None, tried
        if not placed:
            problems = ["the loop could not be placed on the boundary of K to tolerance"] + problems
        if first is None:
            first = (orbit, problems)
    orbit, problems = first
    reason = (f"haim_kislev: no witness loop of the {len(candidates)} maximising order(s) within "
              f"{TIE_REL:g} of the best passes verify() ({'; '.join(problems[:3])}). The input is probably "
              "ill-conditioned (nearly degenerate facets, or coordinates stretched by a large factor) and "
              "the value is not certified; a better-conditioned description of the same body may certify it.")
    return orbit, reason, len(candidates)
