"""Local ascent of the systolic ratio from random starts: gradient steps and CMA-ES.

Every point a strategy accepts is evaluated exactly (``viterbo.capacity``: a certified value with
a verified witness); uncertified or degenerate points count as failures, never as values.  The
gradient strategy follows :mod:`viterbo.differentiable` (the KKT branch of the exact minimiser,
chained through the family's facet data); CMA-ES (the ``cma`` package) needs values only.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..capacity import CapacityResult, capacity
from ..errors import MethodNotApplicableError, PolytopeError, TimeBudgetExceededError, VerificationError
from ..geometry.polytope import Polytope
from .parametrisations import Family, SearchSpecError, family

__all__ = ["SearchResult", "StartResult", "maximize_systolic_ratio", "run_start", "exact_sys", "recheck",
           "STRATEGIES", "FINDING_THRESHOLD"]

#: sys of the Haim-Kislev–Ostrover pentagon product; a search result above it is a finding.
FINDING_THRESHOLD = (math.sqrt(5) + 3) / 5

STRATEGIES = ("cma", "gradient")
#: Seconds allowed for one exact evaluation (a point that needs more is a failure).
EVAL_BUDGET_S = 60.0


@dataclass
class StartResult:
    """The best point of one start."""

    start: int
    strategy: str
    systolic_ratio: float
    x: np.ndarray
    polytope: Polytope | None
    result: CapacityResult | None
    evaluations: int
    seconds: float


@dataclass
class SearchResult:
    """The best polytope found by :func:`maximize_systolic_ratio`, and every start's best."""

    systolic_ratio: float
    polytope: Polytope
    result: CapacityResult
    family: str
    n: int
    starts: list[StartResult] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"SearchResult(systolic_ratio={self.systolic_ratio!r}, family={self.family!r}, n={self.n}, "
                f"starts={len(self.starts)}, polytope={self.polytope!r})")


def exact_sys(fam: Family, x: np.ndarray) -> tuple[float, Polytope | None, CapacityResult | None]:
    """(sys, K, result) at x, exact and certified; (-inf, None, None) when x is not a usable point."""
    try:
        K = fam.polytope(x)
        if K.n_vertices < 5:
            return -math.inf, None, None
        result = capacity(K, time_budget=EVAL_BUDGET_S)
        if not result.certified:
            return -math.inf, None, None
        result.verify()
    except (PolytopeError, MethodNotApplicableError, TimeBudgetExceededError, VerificationError):
        return -math.inf, None, None
    return result.value**2 / (2 * K.volume()), K, result


def recheck(K: Polytope, time_budget: float | None = 600.0) -> dict[str, float]:
    """sys of K by every registered method that applies, each witness verified (for findings).

    Returns
    -------
    dict
        method name -> systolic ratio (certified and verified results only; a method that
        fails or cannot certify maps to NaN).
    """
    from ..capacity import methods

    out = {}
    vol = K.volume()
    for m in methods():
        if m.why_not(K) is not None:
            continue
        try:
            r = capacity(K, method=m.name, time_budget=time_budget)
            out[m.name] = r.value**2 / (2 * vol) if (r.certified and r.verify()) else math.nan
        except (MethodNotApplicableError, TimeBudgetExceededError, VerificationError):
            out[m.name] = math.nan
    return out


def _penalty(fam: Family, x: np.ndarray) -> float:
    """CMA-ES value of a point outside the family: below every member, graded when possible."""
    try:
        K = fam.relaxed_polytope(x)
        r = capacity(K, time_budget=EVAL_BUDGET_S)
        if r.certified:
            return 1.0 - r.value**2 / (2 * K.volume())  # -(sys - 1): worse than any sys > 0 member
    except (PolytopeError, MethodNotApplicableError, TimeBudgetExceededError, VerificationError):
        pass
    return 10.0


def _cma(fam: Family, x0: np.ndarray, budget: int, seed: int) -> tuple[float, np.ndarray, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cma warns when matplotlib is missing
        import cma
    best = (-math.inf, x0)
    evals = 0
    es = cma.CMAEvolutionStrategy(x0, 0.3, {"seed": int(seed) % (2**31 - 1) + 1, "maxfevals": budget,
                                            "verbose": -9, "tolfun": 1e-13, "tolx": 1e-12})
    while not es.stop() and evals < budget:
        xs = es.ask()
        vals = []
        for x in xs:
            s, _, _ = exact_sys(fam, x)
            evals += 1
            vals.append(-s if math.isfinite(s) else _penalty(fam, x))
            if s > best[0]:
                best = (s, np.array(x))
        es.tell(xs, vals)
    return best[0], fam.normalise(best[1]), evals


def _sys_and_grad(fam: Family, x: np.ndarray):
    """Exact sys at x and its gradient (one-sided at ties) through the family's facet data."""
    import torch

    from .. import differentiable as D

    s, K, result = exact_sys(fam, x)
    if not math.isfinite(s):
        return s, None
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    try:
        N, h = fam.facet_data(xt, K)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", D.NonUniqueMinimiserWarning)
            st = D.systolic_ratio(N, h, check_ties=False)
        st.backward()
    except (PolytopeError, MethodNotApplicableError, VerificationError):
        return s, None
    return s, xt.grad.numpy()


def _gradient(fam: Family, x0: np.ndarray, budget: int) -> tuple[float, np.ndarray, int]:
    """Normalised gradient steps with step-size adaptation; a step is accepted only if the exact sys rises."""
    x = fam.normalise(x0)
    s, g = _sys_and_grad(fam, x)
    evals = 1
    step = 0.05
    while evals < budget and g is not None and step > 1e-9:
        norm = float(np.linalg.norm(g))
        if norm == 0:
            break
        trial = fam.normalise(x + step * g / norm)
        s_new, g_new = _sys_and_grad(fam, trial)
        evals += 1
        if s_new > s:
            x, s, g, step = trial, s_new, g_new, step * 1.5
        else:
            step *= 0.3
    return s, x, evals


def run_start(family_name: str, n: int, start: int, seed: int, budget: int, strategy: str) -> StartResult:
    """One local ascent from start ``start`` (random point from ``SeedSequence([seed, start])``)."""
    fam = family(family_name, n)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(start)]))
    x0 = fam.normalise(fam.random_start(rng))
    t0 = time.perf_counter()
    if strategy == "cma":
        s, x, evals = _cma(fam, x0, budget, seed * 100003 + start)
    elif strategy == "gradient":
        s, x, evals = _gradient(fam, x0, budget)
    else:
        raise SearchSpecError(f"unknown strategy {strategy!r}; choose cma or gradient.")
    s, K, result = exact_sys(fam, x)  # the accepted point, recomputed and certified
    return StartResult(start, strategy, s, x, K, result, evals, time.perf_counter() - t0)


def maximize_systolic_ratio(family_name: str, n: int, starts: int = 16, seed: int = 0, budget: int = 300,
                            strategy: str = "cma", on_start=None) -> SearchResult:
    """Maximise sys = c^2 / (2 vol) over a family of 4D polytopes by local ascent from random starts.

    Parameters
    ----------
    family_name : {"vertices", "halfspaces", "lagrangian_product"}
        Hulls of n points; H-polytopes with n facets; products of two n-gons (q- and p-plane).
    n : int
        Size of the family (points, facets or polygon vertices).
    starts : int
        Random starts (start i draws from ``SeedSequence([seed, i])``: no hint of any answer).
    seed : int
        Seed of the starts and of CMA-ES.
    budget : int
        Exact evaluations per start.
    strategy : {"cma", "gradient", "both"}
        CMA-ES (derivative-free), gradient steps (viterbo.differentiable), or both from each start.
    on_start : callable, optional
        Called with each :class:`StartResult` as it finishes (the CLI streams them to Parquet).

    Returns
    -------
    SearchResult
        ``systolic_ratio``, ``polytope`` and the certified, verified ``result`` of the best point.

    Raises
    ------
    SearchSpecError
        Unknown family or strategy, n too small, no start produced a certified point.

    Examples
    --------
    >>> best = maximize_systolic_ratio("vertices", 5, starts=1, seed=0, budget=40)  # doctest: +SKIP
    >>> best.systolic_ratio <= 0.75 + 1e-9  # doctest: +SKIP
    True
    """
    fam = family(family_name, n)
    kinds = STRATEGIES if strategy == "both" else (strategy,)
    if any(k not in STRATEGIES for k in kinds):
        raise SearchSpecError(f"unknown strategy {strategy!r}; choose cma, gradient or both.")
    out: list[StartResult] = []
    for i in range(starts):
        for kind in kinds:
            sr = run_start(family_name, n, i, seed, budget, kind)
            out.append(sr)
            if on_start is not None:
                on_start(sr)
    good = [r for r in out if math.isfinite(r.systolic_ratio)]
    if not good:
        raise SearchSpecError(f"search {family_name} n={n}: no start reached a certified point; raise the budget.")
    best = max(good, key=lambda r: r.systolic_ratio)
    return SearchResult(best.systolic_ratio, best.polytope, best.result, family_name, n, out)
