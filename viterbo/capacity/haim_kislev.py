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

import math
import sys
import time

import numpy as np

from .._native_support import kernel_module
from ..errors import NumericalFailureError
from ..geometry.polytope import Polytope
from ..runtime import Budget
from . import _haim_kislev_reference as ref
from ._common import centred_halfspaces
from ._haim_kislev_witness import CERTIFY_REL, MAX_TIES, TIE_REL, Candidate, certified_witness, rounding_bound
from ._memo import memo
from ._value_range import check_representable
from .result import CapacityResult


def linprog(*args, **kwargs):
    """scipy.optimize.linprog, imported on first use (scipy.optimize costs ~0.3 s at import)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)

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
    """(representative facet indices, partner indices, centre) when K = -K about its centroid (kept with K)."""
    return memo(K, "haim_kislev:antipodal_pairs", lambda: _find_antipodal_pairs(K))


def _find_antipodal_pairs(K: Polytope) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    N = K.normals_np
    m = N.shape[0]
    if m % 2:
        return None
    # Cheap necessary test first (most bodies fail it): the normals come in antipodal pairs.
    d = np.abs(N[:, None, :] + N[None, :, :]).max(axis=2)
    partner = np.argmin(d, axis=1)
    if d[np.arange(m), partner].max() > _PAIR_TOL or not K.is_centrally_symmetric():
        return None
    centre = K.vertices_np.mean(axis=0)
    H = K.offsets_np - N @ centre
    if np.any(np.abs(H - H[partner]) > _PAIR_TOL * np.maximum(1.0, np.abs(H))):
        return None
    reps = np.array([i for i in range(m) if i < partner[i]])
    if 2 * len(reps) != m:
        return None
    return _readonly(reps, partner[reps], centre)


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
    swap_rule, commute_rule, inertia_rule = rules
    raw = native.haim_kislev_search(np.ascontiguousarray(G, dtype=np.float64),
                                    np.ascontiguousarray(h, dtype=np.float64), int(mode),
                                    np.ascontiguousarray(usable, dtype=np.uint8),
                                    float(budget.remaining_or_negative()), swap_rule=swap_rule,
                                    commute_rule=commute_rule, inertia_rule=inertia_rule,
                                    progress_s=float(progress_s), tie_rel=TIE_REL, max_ties=MAX_TIES)
    raw["search_seconds"] = time.perf_counter() - t0
    if raw["timed_out"]:
        raise budget.exceeded(f"{raw['subsets_examined']} ordered subsets examined")
    raw["candidates"] = [(float(q), list(order), np.asarray(b)) for q, order, b in raw["ties"]]
    return raw


def _closure_mask(native, N: np.ndarray) -> np.ndarray:
    """The closure mask of the general variant (compiled, certified LPs; see ext/haim_kislev.cpp)."""
    usable = np.asarray(native.haim_kislev_closure_mask(np.ascontiguousarray(N, dtype=np.float64))["usable"])
    return _readonly(usable)[0]


def _readonly(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays, made read-only (they are kept with K and shared by every later call)."""
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _general_data(K: Polytope) -> tuple[np.ndarray, np.ndarray, float]:
    """(N, Hc, hscale) of the general variant: normals, support numbers about the Chebyshev centre / hscale."""
    N, H, _ = centred_halfspaces(K)
    hscale = _power_of_two_scale(H)
    return (*_readonly(N, H / hscale), hscale)


def _symmetric_data(K: Polytope, pairs) -> tuple:
    """(reps, R, h, hscale, G, hh, signed_facet, N, Hc) of the symmetric variant: the representatives' normals R
    and support numbers h (about the centre, / hscale), the signed normals G with their numbers hh and facets,
    and all of K's normals N with their support numbers Hc about the centre (/ hscale)."""
    reps, partners, centre = pairs
    R = K.normals_np[reps]
    h = K.offsets_np[reps] - R @ centre
    hscale = _power_of_two_scale(h)
    h = h / hscale
    G = np.repeat(R, 2, axis=0) * np.tile([1.0, -1.0], len(reps))[:, None]
    hh = np.repeat(h, 2)
    signed_facet = np.empty(2 * len(reps), dtype=int)
    signed_facet[0::2], signed_facet[1::2] = reps, partners
    N = K.normals_np
    Hc = (K.offsets_np - N @ centre) / hscale
    return (reps, *_readonly(R, h), hscale, *_readonly(G, hh, signed_facet), N, _readonly(Hc)[0])


def _reference_ties(out: ref.SearchOutcome) -> list[tuple[float, list[int], np.ndarray]]:
    """The reference search's candidates within TIE_REL of its best (best first), as the compiled search keeps them."""
    floor = out.value - TIE_REL * abs(out.value)
    return [(float(q), list(order), np.asarray(b)) for q, order, b in out.candidates[:MAX_TIES + 1] if q >= floor]


def _power_of_two_scale(h: np.ndarray) -> float:
    """2^k closest to max(h): the search runs on h / 2^k (exact in floating point), so its tolerances,
    written for support numbers of order 1, see the same numbers at every scale of K."""
    top = float(np.max(h))
    return math.ldexp(1.0, int(round(math.log2(top)))) if top > 0 and math.isfinite(top) else 1.0


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
        ``stats``: variant, facets, subsets_examined, kkt_solves, pruned_* counters, search_seconds,
        seconds, ``witness_candidates_tried`` (near-tie orders placed until one verified) and
        ``rounding_bound`` (relative error float64 rounding of K's coordinates can cause).
        ``certified`` is True only when the witness passes :func:`~viterbo.capacity.result.verify_orbit`
        and ``rounding_bound`` <= 1e-9; otherwise ``reason`` says which failed
        (:mod:`viterbo.capacity._haim_kislev_witness`).

    Raises
    ------
    MethodNotApplicableError
        Too many facets (through :func:`viterbo.capacity`).
    TimeBudgetExceededError
        The search did not finish within the budget.
    PolytopeError
        The capacity underflows or overflows float64 (K scaled far from size 1).

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
    # Candidates are (Q, facet order, weights) in the search's frame: support numbers divided by
    # hscale (a power of two), sum b h = 1 there; c = hscale^2 / (2 Q).
    if pairs is not None:
        reps, R, h, hscale, G, hh, signed_facet, N, Hc = memo(K, "haim_kislev:symmetric",
                                                               lambda: _symmetric_data(K, pairs))
        if native is not None:
            raw = _run_native(native, G, hh, 1, np.zeros((0, 0), np.uint8), budget, rules,
                              _progress_interval(progress))
            Q_half, ties = raw["value"], raw["candidates"]
        else:
            t0 = time.perf_counter()
            out = ref.search_symmetric(R, h, swap_rule=swap_rule, commute_rule=commute_rule, budget=budget)
            raw = _reference_counters(out, time.perf_counter() - t0)
            Q_half, ties = out.value, _reference_ties(out)
        if not Q_half > 0:
            raise NumericalFailureError(
                "haim_kislev: the search found no admissible order (symmetric variant), which cannot happen in exact "
                "arithmetic: the input defeats the search's tolerances. Please report the polytope.")
        # Full loop: the half-loop followed by its antipodal copy; Q_full = 2 Q_half, c = 1/(4 Q_half).
        candidates = [Candidate(2.0 * q, tuple(int(signed_facet[e]) for e in order)
                                + tuple(int(signed_facet[e ^ 1]) for e in order), np.concatenate([b, b]))
                      for q, order, b in ties]
        Q = 2.0 * Q_half
        stats["variant"] = "symmetric"
        stats["pairs"] = len(reps)
    else:
        N, Hc, hscale = memo(K, "haim_kislev:general", lambda: _general_data(K))
        if native is not None:
            usable = memo(K, "haim_kislev:closure_mask", lambda: _closure_mask(native, N))
            raw = _run_native(native, N, Hc, 0, usable, budget, rules, _progress_interval(progress))
            Q, ties = raw["value"], raw["candidates"]
        else:
            t0 = time.perf_counter()
            out = ref.search_general(N, Hc, swap_rule=swap_rule, commute_rule=commute_rule, budget=budget)
            raw = _reference_counters(out, time.perf_counter() - t0)
            Q, ties = out.value, _reference_ties(out)
        if not Q > 0:
            raise NumericalFailureError(
                "haim_kislev: the search found no admissible order (general variant), which cannot happen in exact "
                "arithmetic: the input defeats the search's tolerances. Please report the polytope.")
        candidates = [Candidate(q, tuple(int(e) for e in order), np.asarray(b)) for q, order, b in ties]
        stats["variant"] = "general"
    value = check_representable(hscale * hscale / (2.0 * Q), 'capacity(method="haim_kislev")')
    orbit, reason, tried = certified_witness(K, N, Hc, candidates, hscale, value, native)
    stats["witness_candidates_tried"] = tried
    stats["rounding_bound"] = rounding = rounding_bound(K, Hc * hscale, orbit.facets)
    if reason is None and rounding > CERTIFY_REL:
        reason = (f"haim_kislev: float64 rounding of K's coordinates (up to {np.abs(K.vertices_np).max():.3g}) "
                  f"can move the value by about {rounding:.1g} relative (the orbit's facets are as close as "
                  f"{float(np.min(Hc[list(orbit.facets)])) * hscale:.3g} to K's centre), more than {CERTIFY_REL:g}: "
                  "the witness verifies but the value is not certified. Centre K and give it in coordinates where "
                  "it is not stretched (a symplectic change of coordinates keeps the capacity).")
    for key in _COUNTERS:
        stats[key] = int(raw.get(key, 0))
    stats["search_seconds"] = float(raw["search_seconds"])
    stats["seconds"] = time.perf_counter() - start
    return CapacityResult(value=value, method="haim_kislev", orbit=orbit, stats=stats, polytope=K,
                          params={"variant": variant, "swap_rule": swap_rule,
                                  "commute_rule": commute_rule, "inertia_rule": inertia_rule},
                          certified=reason is None, reason=reason)
