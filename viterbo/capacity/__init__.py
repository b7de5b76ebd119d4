"""Capacity methods behind one interface.

``capacity(K, method=...)`` looks the method up in one registry
(:mod:`viterbo.capacity._registry`); ``"auto"`` tries the registered methods
from fastest to most general and runs the first that applies.
"""

from __future__ import annotations

import itertools
import time

from ..errors import DimensionError, MethodNotApplicableError
from ..geometry.polytope import Polytope
from ..runtime import Budget, default_timeout, parse_seconds
from . import area  # noqa: F401  (registers the method)
from . import billiard, split_product  # noqa: F401  (register the methods)
from . import reeb  # noqa: F401  (registers the method)
from . import haim_kislev  # noqa: F401  (registers the method)
from ._frame import framed, run_in_frame
from ._registry import MethodSpec, get_method, methods
from .result import CapacityResult, Orbit, systolic_from

__all__ = ["capacity", "systolic_ratio", "CapacityResult", "Orbit", "methods", "method_names", "choose_method"]


def method_names() -> list[str]:
    """Names accepted by ``capacity(method=...)``, "auto" first."""
    return ["auto"] + [s.name for s in methods()]


def _as_polytope(K) -> Polytope:
    return K if isinstance(K, Polytope) else Polytope.from_vertices(K)


def _budget(time_budget) -> Budget:
    """The budget of a whole call, started before anything else (building K from points counts)."""
    seconds = default_timeout() if time_budget is None else parse_seconds(time_budget)
    return Budget(seconds, what="capacity")


def _why_not(spec: MethodSpec, K: Polytope) -> str | None:
    """``spec.why_not`` asked about the normal form the method would compute on."""
    return spec.why_not(framed(K, spec))


def choose_method(K: Polytope) -> MethodSpec:
    """The method "auto" would run on K.

    Raises
    ------
    MethodNotApplicableError
        When no registered method applies; the message lists each method's reason.
    """
    reasons = []
    for spec in methods():
        why = _why_not(spec, K)
        if why is None:
            return spec
        reasons.append(f"{spec.name}: {why}")
    raise MethodNotApplicableError("no capacity method applies to this polytope: " + "; ".join(reasons))


def capacity(K, method: str = "auto", *, time_budget: float | None = None, **params) -> CapacityResult:
    """The Ekeland–Hofer–Zehnder capacity c_EHZ(K) of a convex polytope, with a witness orbit.

    Parameters
    ----------
    K : Polytope or array_like of points
        A convex polytope in R^{2n} (points are turned into their hull).
    method : str
        ``"auto"`` (default) or one of :func:`method_names`.
    time_budget : float, optional
        Seconds for the whole call, building K from points included; default from
        ``VITERBO_SOLVER_TIMEOUT``; <= 0 or inf disables.
    **params
        Method-specific keyword arguments (levers), echoed in ``result.params``.

    Returns
    -------
    CapacityResult
        ``value``, ``method``, ``orbit``, ``stats``; ``result.verify()`` re-checks it.

    Raises
    ------
    DimensionError
        K is in odd dimension.
    MethodNotApplicableError
        The method does not apply to K (the message names one that does).
    TimeBudgetExceededError
        The method ran out of time; no unproved value is returned.
    PolytopeError
        The capacity is outside the float64 range (K smaller than ~1e-150 or larger than ~1e150).
    InvalidParameterError
        ``time_budget`` is not a number (or NaN).

    Notes
    -----
    Every method computes on a normal form of K (translated, scaled by a power of two, and for the
    general methods made round by an exactly symplectic map), so the value does not depend on
    where K sits, on its size or on its symplectic conditioning; see :mod:`viterbo.capacity._frame`.
    A result is certified only if its witness passes :meth:`CapacityResult.verify` on K.

    References
    ----------
    P. Haim-Kislev, "On the symplectic size of convex polytopes", GAFA 29 (2019).

    Examples
    --------
    >>> import viterbo as vb
    >>> result = vb.capacity(vb.families.regular_polygon(4))
    >>> round(result.value, 12), result.method
    (2.0, 'area')
    >>> result.verify()
    True
    """
    budget = _budget(time_budget)
    K = _as_polytope(K)
    budget.check("while building the polytope")
    if K.dim % 2:
        raise DimensionError(
            f"capacity: K is in R^{K.dim}; c_EHZ is defined in even dimension 2n. "
            "Pass a polytope in R^2, R^4, ..."
        )
    if method == "auto":
        spec = choose_method(K)
    else:
        spec = get_method(method)
        why = _why_not(spec, K)
        if why is not None:
            try:
                alternative = f' Use method="{choose_method(K).name}" or method="auto".'
            except MethodNotApplicableError:
                alternative = ""
            raise MethodNotApplicableError(f'capacity(method="{spec.name}"): {why}.{alternative}')
    budget.what = f'capacity(method="{spec.name}")'
    start = time.perf_counter()
    if method != "auto":
        result = run_in_frame(spec, K, budget, params)
    else:
        result = _run_auto(K, spec, budget, params)
    result.stats.setdefault("seconds", time.perf_counter() - start)
    return result


def _run_auto(K: Polytope, spec: MethodSpec, budget: Budget, params: dict) -> CapacityResult:
    """Run the applicable methods in "auto" order until one answers with a proof.

    A method's ``why_not`` is a cheap test; some inputs are only found unsuitable during the search
    (e.g. "reeb" on a very thin polytope).  Those raise MethodNotApplicableError and "auto" moves
    on.  An uncertified result (e.g. "reeb" unable to exclude a Type 2 orbit) is cross-checked by the
    next applicable method; when none can prove a value, the uncertified result is returned as such.
    """
    skipped: list[str] = []
    uncertified: CapacityResult | None = None
    # Later methods are tested for applicability only when they are needed.
    later = (s for s in methods() if s.auto_rank > spec.auto_rank and _why_not(s, K) is None)
    for candidate in itertools.chain([spec], later):
        try:
            result = run_in_frame(candidate, K, budget, params if candidate is spec else {})
        except MethodNotApplicableError as exc:
            skipped.append(f"{candidate.name}: {exc}")
            continue
        if not result.certified:
            uncertified = uncertified or result
            continue
        if uncertified is not None:
            result.stats["note"] = (f'"{uncertified.method}" gave {uncertified.value!r} uncertified '
                                    f'({uncertified.reason}); "auto" cross-checked with "{result.method}"')
            result.stats[f"{uncertified.method}_value"] = uncertified.value
        break
    else:
        if uncertified is None:
            raise MethodNotApplicableError("no capacity method could answer for this polytope: " + "; ".join(skipped))
        result = uncertified
    if skipped:
        result.stats["auto_skipped"] = "; ".join(skipped)
    return result


def systolic_ratio(K, method: str = "auto", **kwargs) -> float:
    """sys(K) = c_EHZ(K)^n / (n! vol(K)) for K in R^{2n}.

    Examples
    --------
    >>> import viterbo as vb
    >>> round(vb.systolic_ratio(vb.families.regular_polygon(6)), 12)
    1.0
    """
    K = _as_polytope(K)
    return systolic_from(capacity(K, method, **kwargs).value, K)
