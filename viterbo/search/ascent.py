"""Local ascent of the systolic ratio from random starts: gradient steps and CMA-ES.

Every point a strategy accepts is evaluated exactly (``viterbo.capacity``: a certified value with
a verified witness); uncertified or degenerate points count as failures, never as values.  The
gradient strategy follows :mod:`viterbo.differentiable` (the KKT branch of the exact minimiser,
chained through the family's facet data); CMA-ES (the ``cma`` package) needs values only: IPOP
restarts from fresh random points, then a polish in the slice transversal to the invariances of
sys (see ``_cma``), on the fast exact values of :mod:`viterbo.search.objective`.  The point a start
returns is recomputed through :func:`viterbo.capacity` and its witness verified (:func:`exact_sys`).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..capacity import CapacityResult, capacity
from ..errors import (MethodNotApplicableError, NumericalFailureError, PolytopeError, TimeBudgetExceededError,
                      VerificationError)
from ..geometry.polytope import Polytope
from .parametrisations import Family, SearchSpecError, family

__all__ = ["SearchResult", "StartResult", "maximize_systolic_ratio", "run_start", "exact_sys", "cross_checked",
           "recheck", "STRATEGIES", "FINDING_THRESHOLD"]

#: sys of the Haim-Kislev–Ostrover pentagon product; a search result above it is a finding.
FINDING_THRESHOLD = (math.sqrt(5) + 3) / 5

STRATEGIES = ("cma", "gradient")
#: Seconds allowed for one exact evaluation (a point that needs more is a failure).
EVAL_BUDGET_S = 60.0
#: Kept points with at most this many facets are cross-checked by haim_kislev (~0.3 s at 14 facets).
CROSS_CHECK_MAX_FACETS = 16
#: An exploring run whose best value rose by less than this over its stall window stops (see _cma_run):
#: runs creeping towards a boundary of the family (a pentagon flattening into a quadrilateral, where
#: sys -> 1) would otherwise eat the budget; the polish takes the best point the rest of the way.
STALL_RISE_EXPLORE = 1e-6
#: The same for polish runs (CMA-ES's own tolfun usually stops them first).
STALL_RISE_POLISH = 1e-12
#: Initial CMA-ES step size of each restart (normalised parameters are of size about 1).
SIGMA0 = 0.3
#: Share of a start's budget kept for the polish from the best point.
POLISH_SHARE = 0.25
#: Step sizes of the polish runs, cycled until a whole cycle brings no improvement.
POLISH_SIGMAS = (1e-2, 1e-3, 1e-4, 1e-5)


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
    timed_out: bool = False


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
    """(sys, K, result) at x, exact and certified; (-inf, None, None) when x is not a usable point.

    The result is cross-checked by a second exact method where one applies cheaply
    (:func:`cross_checked`): a search climbs towards wherever a method errs upwards, so a kept value
    must be confirmed, not only certified.
    """
    try:
        K = fam.polytope(x)
        if K.n_vertices < 5:
            return -math.inf, None, None
        result = capacity(K, time_budget=EVAL_BUDGET_S)
        if not result.certified:
            return -math.inf, None, None
        result.verify()
        result = cross_checked(K, result)
    except (PolytopeError, MethodNotApplicableError, TimeBudgetExceededError, VerificationError):
        return -math.inf, None, None
    return result.value**2 / (2 * K.volume()), K, result


def cross_checked(K: Polytope, result: CapacityResult) -> CapacityResult:
    """``result`` confirmed by ``haim_kislev`` (at most :data:`CROSS_CHECK_MAX_FACETS` facets), or the smaller
    of two disagreeing certified values.

    Each verified witness is a closed characteristic, so its action bounds c_EHZ from above: of two
    certified, verified values that disagree (relative 1e-9), the larger is refuted by the smaller
    one's witness, and the smaller stands.  The comparison is recorded in ``stats["cross_check"]``
    (method -> value, and ``agree``); a disagreement also warns, since it is a bug in a method.
    """
    if result.method == "haim_kislev" or K.n_facets > CROSS_CHECK_MAX_FACETS:
        return result
    try:
        other = capacity(K, method="haim_kislev", time_budget=EVAL_BUDGET_S)
        if not other.certified:
            return result
        other.verify()
    except (MethodNotApplicableError, TimeBudgetExceededError, VerificationError):
        return result
    agree = abs(other.value - result.value) <= 1e-9 * max(result.value, other.value)
    record = {result.method: result.value, other.method: other.value, "agree": agree}
    if not agree:
        warnings.warn(f"{result.method} certified c = {result.value!r} but haim_kislev's verified witness has "
                      f"action {other.value!r}; keeping the smaller (a bug in the larger one's method)",
                      stacklevel=2)
        result = min((result, other), key=lambda r: r.value)
    result.stats["cross_check"] = record
    return result


def recheck(K: Polytope, time_budget: float | None = 600.0, reference: bool = True) -> dict[str, float]:
    """sys of K by every registered method that applies, each witness verified (for findings).

    Parameters
    ----------
    K : Polytope
        The polytope to re-check.
    time_budget : float, optional
        Seconds per method (and per reference run).
    reference : bool
        Also run the pure-Python reference of each method with a compiled kernel (key
        ``"<method>[python]"``): an independent implementation where only one method applies
        (``haim_kislev`` at polytopes with Lagrangian 2-faces, where ``reeb`` declines).

    Returns
    -------
    dict
        method name -> systolic ratio (certified and verified results only; a method that
        fails, runs out of time or cannot certify maps to NaN).

    Examples
    --------
    >>> import viterbo as vb
    >>> out = recheck(vb.families.pentagon_counterexample(), reference=False)
    >>> sorted(out), round(out["billiard"], 10)
    (['billiard', 'haim_kislev'], 1.0472135955)
    """
    from ..capacity import methods

    out = {}
    vol = K.volume()
    for m in methods():
        if m.why_not(K) is not None:
            continue
        runs = [(m.name, None)] + ([(f"{m.name}[python]", "python")] if reference and m.kernel else [])
        for key, implementation in runs:
            try:
                r = capacity(K, method=m.name, time_budget=time_budget, implementation=implementation)
                out[key] = r.value**2 / (2 * vol) if (r.certified and r.verify()) else math.nan
            except (MethodNotApplicableError, TimeBudgetExceededError, VerificationError, NumericalFailureError):
                out[key] = math.nan
    return out


class _Tracker:
    """Counts evaluations against the start's budget and keeps the best member seen (exact sys).

    With ``seconds``, the budget also ends at that wall time (``timed_out`` then says so);
    ``phase_end`` (a perf_counter time) ends the current phase early.
    """

    def __init__(self, fam: Family, budget: int, seconds: float | None = None) -> None:
        self.fam, self.budget, self.evals = fam, budget, 0
        self.best_s, self.best_x = -math.inf, None
        self.t0 = time.perf_counter()
        self.deadline = math.inf if seconds is None else self.t0 + float(seconds)
        self.phase_end = math.inf
        self.timed_out = False

    def __call__(self, x: np.ndarray) -> float:
        self.evals += 1
        value, s = self.fam.objective(x, self.best_s)
        if s is not None and s > self.best_s:
            self.best_s, self.best_x = s, np.array(x, dtype=np.float64)
        return value

    @property
    def left(self) -> int:
        now = time.perf_counter()
        if now >= self.deadline:
            self.timed_out = True
            return 0
        return 0 if now >= self.phase_end else self.budget - self.evals


def _cma_run(track: _Tracker, x0: np.ndarray, sigma: float, popsize: int | None, evals: int, seed: int,
             stall_rise: float, basis: np.ndarray | None = None) -> None:
    """One CMA-ES run from x0 until its stopping rules fire or ``evals`` evaluations are spent.

    With ``basis`` B the run searches the slice x0 + B y (y from 0) instead of the whole space.

    Besides CMA-ES's own rules, a run stops when its best value has risen by less than
    ``stall_rise`` over the last 10 + 30 d / popsize generations (d the dimension searched).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cma warns when matplotlib is missing, and on flat fitness
        import cma

        stop_at = track.evals + int(evals)
        opts = {"seed": int(seed) % (2**31 - 2) + 1, "maxfevals": int(evals), "verbose": -9, "verb_log": 0,
                "tolfun": 1e-13, "tolfunhist": 1e-13, "tolx": 1e-13 * max(sigma, 1e-3)}
        if popsize is not None:
            opts["popsize"] = int(popsize)
        y0 = x0 if basis is None else np.zeros(basis.shape[1])
        es = cma.CMAEvolutionStrategy(y0, sigma, opts)
        window = 10 + int(30 * len(y0) / es.popsize)
        history: list[float] = []
        while not es.stop() and track.left > 0 and track.evals < stop_at:
            xs = es.ask()
            values = [track(x if basis is None else x0 + basis @ x) for x in xs]
            es.tell(xs, values)
            history.append(min(values + history[-1:]))
            if len(history) > window and history[-window - 1] - history[-1] < stall_rise:
                break


def _cma(fam: Family, x0: np.ndarray, rng: np.random.Generator, budget: int, seed: int,
         seconds: float | None = None) -> tuple[float, np.ndarray, int, bool]:
    """IPOP-CMA-ES from random points, then a polish by small-step CMA runs from the best point.

    Restarts (Auger & Hansen, IPOP-CMA-ES, CEC 2005): each exploring run goes until CMA-ES's own
    stopping rules or the stall rule (:data:`STALL_RISE_EXPLORE`) fire; the next starts at a fresh
    random point (drawn from this start's stream: no hint of any answer) with twice the population.
    The population matters: over products of two pentagons, runs with CMA-ES's default population
    (12) end at the boundary (a pentagon flattened into a quadrilateral, sys -> 1) in 40 of 40
    measured runs, runs with population 24 enter the Haim-Kislev–Ostrover basin in 6 of 8.

    :data:`POLISH_SHARE` of the budget is kept for the polish: runs from the best point so far with
    step sizes :data:`POLISH_SIGMAS` (a fresh covariance each time: at a kink of sys = min over
    orbits the learnt covariance goes stale), in the slice through that point transversal to the
    orbit of the invariances of sys (:meth:`~viterbo.search.parametrisations.Family.slice_basis`:
    4n - 15 dimensions for hulls of n points instead of 4n), where sys has no flat directions.  The
    polish ends when a whole cycle of step sizes brings no improvement (the rest of the budget is
    not spent).

    ``seconds`` caps the wall time as a safety net (the exploration gets the same share of it);
    the last value returned says whether it cut the start short.
    """
    track = _Tracker(fam, budget, seconds)
    if seconds is not None:
        track.phase_end = track.t0 + (1.0 - POLISH_SHARE) * float(seconds)
    runs = _explore(track, fam, x0, rng, budget - int(POLISH_SHARE * budget), seed)
    track.phase_end = math.inf
    _polish(track, fam, seed + 7919 * runs)
    if track.best_x is None:
        return -math.inf, x0, track.evals, track.timed_out
    return track.best_s, fam.normalise(track.best_x), track.evals, track.timed_out


def _explore(track: _Tracker, fam: Family, x0: np.ndarray, rng: np.random.Generator, evals: int,
             seed: int) -> int:
    """IPOP-CMA-ES restarts from x0, then fresh random points, until ``evals`` are spent; returns the runs made."""
    stop_at = track.evals + evals
    popsize = _default_popsize(x0.size)
    runs = 0
    while track.evals < stop_at and track.left > 0:
        _cma_run(track, x0, SIGMA0, popsize, stop_at - track.evals, seed + 7919 * runs, STALL_RISE_EXPLORE)
        runs += 1
        popsize *= 2
        x0 = fam.normalise(fam.random_start(rng))
    return runs


def _polish(track: _Tracker, fam: Family, seed: int) -> None:
    """Small-step CMA-ES runs in the slice through the best point, cycling :data:`POLISH_SIGMAS`.

    Stops when the budget is spent or a whole cycle raised the best value by at most
    :data:`STALL_RISE_POLISH`.
    """
    k = 0
    cycle_start = track.best_s
    while track.left > 0 and track.best_x is not None:
        centre = fam.normalise(track.best_x)
        _cma_run(track, centre, POLISH_SIGMAS[k % len(POLISH_SIGMAS)], None, track.left, seed + 7919 * k,
                 STALL_RISE_POLISH, basis=fam.slice_basis(centre))
        k += 1
        if k % len(POLISH_SIGMAS) == 0:
            if track.best_s - cycle_start <= STALL_RISE_POLISH:
                break  # a whole cycle of step sizes without progress: converged as far as CMA-ES can tell
            cycle_start = track.best_s


def _default_popsize(dim: int) -> int:
    return 4 + int(3 * math.log(dim))


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


def _gradient(fam: Family, x0: np.ndarray, budget: int,
              seconds: float | None = None) -> tuple[float, np.ndarray, int, bool]:
    """Normalised gradient steps with step-size adaptation; a step is accepted only if the exact sys rises."""
    deadline = math.inf if seconds is None else time.perf_counter() + float(seconds)
    x = fam.normalise(x0)
    s, g = _sys_and_grad(fam, x)
    evals = 1
    step = 0.05
    while evals < budget and g is not None and step > 1e-9:
        if time.perf_counter() >= deadline:
            return s, x, evals, True
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
    return s, x, evals, False


def run_start(family_name: str, n: int, start: int, seed: int, budget: int, strategy: str,
              max_seconds: float | None = None) -> StartResult:
    """One local ascent from start ``start`` (random point from ``SeedSequence([seed, start])``).

    ``max_seconds`` caps its wall time (a safety net for shared machines: a start it cuts short is
    marked ``timed_out``, and its result then depends on the machine's speed).
    """
    fam = family(family_name, n)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(start)]))
    x0 = fam.normalise(fam.random_start(rng))
    t0 = time.perf_counter()
    if strategy == "cma":
        s, x, evals, timed_out = _cma(fam, x0, rng, budget, seed * 100003 + start, max_seconds)
    elif strategy == "gradient":
        s, x, evals, timed_out = _gradient(fam, x0, budget, max_seconds)
    else:
        raise SearchSpecError(f"unknown strategy {strategy!r}; choose cma or gradient.")
    s, K, result = exact_sys(fam, x)  # the accepted point, recomputed and certified
    return StartResult(start, strategy, s, x, K, result, evals, time.perf_counter() - t0, timed_out)


def maximize_systolic_ratio(family_name: str, n: int, starts: int = 16, seed: int = 0, budget: int = 10000,
                            strategy: str = "cma", on_start=None, max_seconds: float | None = None) -> SearchResult:
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
        Objective evaluations per start (CMA-ES: explore with restarts, then polish, see ``_cma``;
        gradient: exact values with gradients).  Products of two pentagons reach (sqrt 5 + 3)/5 to
        1e-10 with 60000 (about a minute); hulls cost 10-30 ms per evaluation.
    strategy : {"cma", "gradient", "both"}
        CMA-ES (derivative-free), gradient steps (viterbo.differentiable), or both from each start.
    on_start : callable, optional
        Called with each :class:`StartResult` as it finishes (the CLI streams them to Parquet).
    max_seconds : float, optional
        Wall-time cap per start, a safety net: a start it cuts short keeps its best point so far and
        is marked ``timed_out`` (its result then depends on the machine's speed).

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
            sr = run_start(family_name, n, i, seed, budget, kind, max_seconds)
            out.append(sr)
            if on_start is not None:
                on_start(sr)
    good = [r for r in out if math.isfinite(r.systolic_ratio)]
    if not good:
        raise SearchSpecError(f"search {family_name} n={n}: no start reached a certified point; raise the budget.")
    best = max(good, key=lambda r: r.systolic_ratio)
    return SearchResult(best.systolic_ratio, best.polytope, best.result, family_name, n, out)
