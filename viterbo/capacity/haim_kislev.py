"""method="haim_kislev": c_EHZ by Haim-Kislev's combinatorial formula, in any even dimension.

c_EHZ(K) = 1/2 [max_{sigma, beta} sum_{j<i} beta_sigma(i) beta_sigma(j) omega(n_sigma(i), n_sigma(j))]^{-1}
over orders sigma and beta >= 0 with sum beta_i h_i = 1, sum beta_i n_i = 0
(docs/math/conventions.md).  The search over ordered subsets, its pruning rules
and why they are exact are documented in
:mod:`viterbo.capacity._haim_kislev_reference` (pure Python) and
``ext/haim_kislev.cpp`` (the compiled search used by default).

Pruning rules (each exact; counters in ``result.stats``):

- ``pruned_swap``: adjacent facets a, b with omega(n_b, n_a) < 0 (swapping them raises the value);
- ``pruned_commute``: one order per class of orders differing by swaps of omega-orthogonal neighbours;
- ``pruned_inertia`` (compiled only): prefixes whose quadratic form, restricted to the null space of
  their constraints, has a positive eigenvalue (second-order condition at a maximum + interlacing);
- ``pruned_closure`` (compiled, general variant): facets in no closure relation sum b n = 0 among
  the facets an order may still use;
- ``pruned_reach`` (compiled): prefixes from which no facet that may precede the first is reachable.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.optimize import linprog

from .._native_support import kernel_module
from ..errors import VerificationError
from ..geometry.polytope import Polytope
from ..runtime import Budget
from . import _haim_kislev_reference as ref
from ._common import centred_halfspaces, orbit_from_numpy
from .result import CapacityResult

__all__ = ["haim_kislev_capacity", "MAX_FACETS_GENERAL", "MAX_PAIRS_SYMMETRIC"]

#: Largest facet count accepted by the general variant.  Measured on random 4D polytopes
#: (random_halfspaces, 2 seeds each, one core): m = 16: 0.6 s, 18: 2.5 s, 20: 11 s, 22: 32 s;
#: the cost grows about 4x per 2 facets, so m = 24 needs about 2 minutes of the default 300 s budget.
MAX_FACETS_GENERAL = 24
#: Largest number of antipodal facet pairs accepted by the symmetric variant (bitmask limit of the
#: compiled search: 64 signed normals).  Random 4D: 24 pairs 0.1 s, 32 pairs 0.9 s; 24-cell 4 ms.
MAX_PAIRS_SYMMETRIC = 32

_PAIR_TOL = 1e-9


def _antipodal_pairs(K: Polytope) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(representative facet indices, partner indices, centre) when K = -K about its centroid."""
    if not K.is_centrally_symmetric():
        return None
    centre = K.vertices_np.mean(axis=0)
    N = K.normals_np
    H = K.offsets_np - N @ centre
    m = N.shape[0]
    if m % 2:
        return None
    partner = np.full(m, -1)
    for i in range(m):
        d = np.abs(N + N[i]).max(axis=1)
        j = int(np.argmin(d))
        if d[j] > _PAIR_TOL or abs(H[i] - H[j]) > _PAIR_TOL * max(1.0, abs(H[i])):
            return None
        partner[i] = j
    reps = np.array([i for i in range(m) if i < partner[i]])
    if 2 * len(reps) != m:
        return None
    return reps, partner[reps], centre


def _why_not(K: Polytope) -> str | None:
    if K.dim % 2:
        return f'"haim_kislev" needs even dimension 2n; K is in R^{K.dim}'
    m = K.n_facets
    if _antipodal_pairs(K) is not None:
        if m // 2 > MAX_PAIRS_SYMMETRIC:
            return (f"K is centrally symmetric with {m} facets ({m // 2} antipodal pairs); the symmetric "
                    f"Haim-Kislev search is limited to {MAX_PAIRS_SYMMETRIC} pairs ({2 * MAX_PAIRS_SYMMETRIC} facets)")
        return None
    if m > MAX_FACETS_GENERAL:
        return (f"K has {m} facets; the Haim-Kislev search is limited to {MAX_FACETS_GENERAL} facets "
                f"(the search grows about 4x per 2 facets; m = 22 takes about 30 s in R^4)")
    return None


def _place_loop(N: np.ndarray, H: np.ndarray, facets: list[int], steps: np.ndarray, scale: float) -> np.ndarray:
    """Start point x0 with x0 + D_i on facet facets[i] for every i (D_i = sum of the first i steps).

    The system is overdetermined but consistent for a maximiser; least squares first,
    then (when the least-squares point leaves K) a feasibility LP over all breakpoints.
    """
    D = np.concatenate([np.zeros((1, steps.shape[1])), np.cumsum(steps, axis=0)[:-1]])
    Nf = N[facets]
    rhs = H[facets] - np.einsum("ij,ij->i", Nf, D)
    x0, *_ = np.linalg.lstsq(Nf, rhs, rcond=None)
    tol = 1e-10 * scale
    X = x0 + D
    if np.abs(Nf @ x0 - rhs).max() <= tol and (X @ N.T - H).max() <= tol:
        return X
    # Inequalities N (x0 + D_i) <= H for every breakpoint, equalities on the own facets.
    A_ub = np.concatenate([N for _ in range(len(facets))])
    b_ub = np.concatenate([H - N @ D[i] for i in range(len(facets))])
    lp = linprog(np.zeros(N.shape[1]), A_ub=A_ub, b_ub=b_ub, A_eq=Nf, b_eq=rhs,
                 bounds=[(None, None)] * N.shape[1], method="highs")
    if lp.status != 0:
        raise VerificationError(
            "haim_kislev: the witness loop of the maximising order could not be placed on the boundary "
            f"of K to tolerance (placement LP status {lp.status}: {lp.message}). This happens on nearly "
            "degenerate input (facets within ~1e-6 of a body with coinciding constraints), where the "
            "placement is ill-conditioned; no value is returned. Round or regularise the input, or report "
            "the polytope if it is not nearly degenerate."
        )
    return lp.x + D


def _witness(K: Polytope, facets_sigma: list[int], b: np.ndarray, Q: float):
    """Closed polygon for the Haim-Kislev maximiser (sigma, b) with objective value Q > 0.

    Segment l is d_l = b_l J n_l / Q (J(q, p) = (-p, q)), run in the reverse of sigma:
    then 1/2 sum_{i<j} omega(d_i, d_j) = Q / (2 Q^2) = 1 / (2Q) = c, and the flow time
    b_l h_l / (2Q) adds up to c.  Reversing sigma is what makes the action positive:
    sum_{j<i} omega(n_sigma(i), n_sigma(j)) > 0 is the sum over i<j of the reversed order.
    """
    N, H = K.normals_np, K.offsets_np
    Nc, Hc, _ = centred_halfspaces(K)
    # Weights that are zero up to rounding belong to a smaller subset with the same value: drop them
    # (a zero-length segment would still have to touch its facet), then re-solve that subset exactly.
    keep = [i for i in range(len(facets_sigma)) if b[i] * Hc[facets_sigma[i]] > 1e-9]
    sub = [facets_sigma[i] for i in keep]
    weights = np.array([b[i] for i in keep])
    if len(keep) < len(facets_sigma):
        rhs = np.zeros(K.dim + 1)
        rhs[-1] = 1.0
        cand = ref.kkt_candidate(ref.quadratic_form(ref.omega_matrix(Nc), sub),
                                 np.concatenate([Nc[sub], Hc[sub, None]], axis=1), rhs, Hc[sub])
        if cand is not None and abs(cand[0] - Q) <= 1e-9 * abs(Q):
            Q, weights = cand
    facets = sub[::-1]
    weights = weights[::-1]
    n = K.dim // 2
    Nf = N[facets]
    Jn = np.concatenate([-Nf[:, n:], Nf[:, :n]], axis=1)
    steps = weights[:, None] * Jn / Q
    scale = float(np.abs(K.vertices_np - K.vertices_np.mean(axis=0)).max())
    X = _place_loop(N, H, facets, steps, scale)
    return orbit_from_numpy(K, X, facets)


def _usable_for_closure(N: np.ndarray) -> np.ndarray:
    """usable[f, e]: facet e > f (or e = f) carries positive weight in some closure sum b n = 0, b >= 0,
    supported on {f, ..., m-1}.

    All orders enumerated with first element f only use facets >= f, so a facet outside this set
    (or a first element f outside it) can never have b > 0: pruning them is exact.  One LP per f:
    maximise sum s_e with 0 <= s_e <= min(b_e, 1); the support of the optimum is the union of the
    supports of all closure relations (the closure cone is closed under addition).
    """
    m, d = N.shape
    usable = np.zeros((m, m), dtype=np.uint8)
    for f in range(m):
        k = m - f
        if k < 2:
            continue
        # variables: b (k), s (k)
        c = np.concatenate([np.zeros(k), -np.ones(k)])
        A_eq = np.concatenate([N[f:].T, np.zeros((d, k))], axis=1)
        A_ub = np.concatenate([-np.eye(k), np.eye(k)], axis=1)  # s - b <= 0
        lp = linprog(c, A_ub=A_ub, b_ub=np.zeros(k), A_eq=A_eq, b_eq=np.zeros(d),
                     bounds=[(0, None)] * k + [(0, 1)] * k, method="highs")
        if lp.status != 0:
            usable[f, f:] = 1  # cannot decide: prune nothing
            continue
        s = lp.x[k:]
        # generous threshold: a facet is dropped only when its weight is clearly zero
        usable[f, f:] = (s > 1e-9).astype(np.uint8)
    return usable


#: Seconds between progress lines of a long compiled search (on stderr).
PROGRESS_INTERVAL_S = 2.0


def _progress_interval(progress: bool | None) -> float:
    """Seconds between progress lines; 0 disables. None: on when stderr is a terminal."""
    if progress is None:
        progress = sys.stderr.isatty()
    return PROGRESS_INTERVAL_S if progress else 0.0


def _run_native(native, G, h, mode, usable, budget, rules, progress_s=0.0):
    budget.check("before the search")
    t0 = time.perf_counter()
    raw = native.haim_kislev_search(np.ascontiguousarray(G, dtype=np.float64),
                                    np.ascontiguousarray(h, dtype=np.float64), int(mode),
                                    np.ascontiguousarray(usable, dtype=np.uint8),
                                    float(budget.remaining_or_negative()), *rules, float(progress_s))
    raw["search_seconds"] = time.perf_counter() - t0
    if raw["timed_out"]:
        raise budget.exceeded(f"{raw['subsets_examined']} ordered subsets examined")
    return raw


_COUNTERS = ("subsets_examined", "kkt_solves", "pruned_swap", "pruned_commute", "pruned_inertia",
             "pruned_closure", "pruned_reach")


def _reference_counters(out: ref.SearchOutcome, seconds: float) -> dict:
    return {"subsets_examined": out.subsets_examined, "kkt_solves": out.kkt_solves,
            "pruned_swap": out.pruned_swap, "pruned_commute": out.pruned_commute, "search_seconds": seconds}


def haim_kislev_capacity(K: Polytope, *, budget: Budget, implementation: str | None = None,
                         variant: str = "auto", swap_rule: bool = True,
                         commute_rule: bool = True, inertia_rule: bool = True,
                         progress: bool | None = None) -> CapacityResult:
    """c_EHZ(K) by the Haim-Kislev formula, with a witness closed characteristic.

    Parameters
    ----------
    K : Polytope
        Convex polytope in R^{2n}; at most 24 facets (general) or 32 antipodal
        pairs (centrally symmetric).
    budget : Budget
        Time budget (passed by :func:`viterbo.capacity`).
    implementation : {None, "native", "python"}
        None: the compiled search when available; "python": the pure-Python
        reference (parity tests, benchmarks); "native": require the compiled search.
        ``stats["implementation"]`` records which ran.
    variant : {"auto", "general", "symmetric"}
        "auto" uses the symmetric formula (HK Cor. 1.2) when K = -K about its
        centroid; "general" forces the closure-constrained formula.
    swap_rule : bool
        Drop orders with omega(n_next, n_prev) < 0 for an adjacent pair (exact;
        see :mod:`viterbo.capacity._haim_kislev_reference`).  Off = plain enumeration.
    commute_rule : bool
        Keep one order per class of orders that differ by swapping adjacent
        facets with omega = 0 (exact; same module).
    inertia_rule : bool
        Compiled search only: drop prefixes whose quadratic form, restricted to the
        null space of their constraints, has a positive eigenvalue (second-order
        condition at a maximum; exact, see ``ext/haim_kislev.cpp``).
    progress : bool, optional
        Compiled search only: one updating line on stderr every 2 s (ordered
        subsets examined, current first facet, seconds). None (default): on
        when stderr is a terminal.

    Returns
    -------
    CapacityResult
        ``stats``: variant, facets, subsets_examined, kkt_solves, pruned_* counters, seconds.

    Raises
    ------
    MethodNotApplicableError
        Too many facets (through :func:`viterbo.capacity`).
    TimeBudgetExceededError
        The search did not finish within the budget.

    References
    ----------
    P. Haim-Kislev, "On the symplectic size of convex polytopes", GAFA 29 (2019),
    Theorem 1.1 (formula), Theorem 1.5 (simple loops), Corollary 1.2 (symmetric).

    Examples
    --------
    >>> import viterbo as vb
    >>> r = vb.capacity(vb.families.cross_polytope(), method="haim_kislev")
    >>> round(r.value, 12), r.stats["variant"]
    (1.0, 'symmetric')
    >>> r.verify()
    True
    """
    start = time.perf_counter()
    if variant not in ("auto", "general", "symmetric"):
        raise ValueError(f'haim_kislev: variant={variant!r}; choose "auto", "general" or "symmetric".')
    native = kernel_module(implementation, "haim_kislev_search", 'capacity(method="haim_kislev")')
    pairs = _antipodal_pairs(K) if variant in ("auto", "symmetric") else None
    if variant == "symmetric" and pairs is None:
        raise ValueError("haim_kislev: variant='symmetric' needs a centrally symmetric K (K = -K about its centroid).")
    stats: dict = {"facets": K.n_facets, "implementation": "native" if native is not None else "python"}
    rules = (bool(swap_rule), bool(commute_rule), bool(inertia_rule))
    if pairs is not None:
        reps, partners, centre = pairs
        R = K.normals_np[reps]
        h = K.offsets_np[reps] - R @ centre
        G = np.repeat(R, 2, axis=0) * np.tile([1.0, -1.0], len(reps))[:, None]
        hh = np.repeat(h, 2)
        signed_facet = np.empty(2 * len(reps), dtype=int)
        signed_facet[0::2], signed_facet[1::2] = reps, partners
        if native is not None:
            raw = _run_native(native, G, hh, 1, np.zeros((0, 0), np.uint8), budget, rules,
                              _progress_interval(progress))
            Q_half, order, b_half = raw["value"], list(raw["order"]), np.asarray(raw["b"])
        else:
            t0 = time.perf_counter()
            out = ref.search_symmetric(R, h, swap_rule=swap_rule, commute_rule=commute_rule, budget=budget)
            raw = _reference_counters(out, time.perf_counter() - t0)
            Q_half, order, b_half = out.value, list(out.order), out.b
        if not Q_half > 0:
            raise VerificationError("haim_kislev: no admissible order found (symmetric variant); this is a bug.")
        # Full loop: the half-loop followed by its antipodal copy; Q_full = 2 Q_half, c = 1/(4 Q_half).
        facets_sigma = [int(signed_facet[e]) for e in order] + [int(signed_facet[e ^ 1]) for e in order]
        b_full = np.concatenate([b_half, b_half])
        Q = 2.0 * Q_half
        stats["variant"] = "symmetric"
        stats["pairs"] = len(reps)
    else:
        N, H, _ = centred_halfspaces(K)
        if native is not None:
            usable = _usable_for_closure(N)
            raw = _run_native(native, N, H, 0, usable, budget, rules, _progress_interval(progress))
            Q, order, b = raw["value"], list(raw["order"]), np.asarray(raw["b"])
        else:
            t0 = time.perf_counter()
            out = ref.search_general(N, H, swap_rule=swap_rule, commute_rule=commute_rule, budget=budget)
            raw = _reference_counters(out, time.perf_counter() - t0)
            Q, order, b = out.value, list(out.order), out.b
        if not Q > 0:
            raise VerificationError("haim_kislev: no admissible order found (general variant); this is a bug.")
        facets_sigma, b_full = [int(e) for e in order], np.asarray(b)
        stats["variant"] = "general"
    value = 1.0 / (2.0 * Q)
    orbit = _witness(K, facets_sigma, b_full, Q)
    for key in _COUNTERS:
        stats[key] = int(raw.get(key, 0))
    stats["search_seconds"] = float(raw["search_seconds"])
    stats["seconds"] = time.perf_counter() - start
    return CapacityResult(value=value, method="haim_kislev", orbit=orbit, stats=stats, polytope=K,
                          params={"variant": variant, "swap_rule": swap_rule,
                                  "commute_rule": commute_rule, "inertia_rule": inertia_rule})
