"""Capacity methods behind one interface.

``capacity(K, method=...)`` looks the method up in one registry
(:mod:`viterbo.capacity._registry`: the :class:`Method` contract and the table of methods, levers,
implementation switches and counters); ``"auto"`` tries the registered methods from fastest to most
general and runs the first that applies.  :func:`resolve_method` is the one place that turns a
method name (or "auto") into the method that runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from typing import Any

from .._native_support import check_implementation
from ..errors import DimensionError, LeverError, MethodNotApplicableError, NumericalFailureError
from ..geometry.polytope import Polytope
from ..runtime import Budget, default_timeout, parse_seconds
from ._frame import framed, run_in_frame
from ._registry import Method, get_method, lever_names, methods
from .result import CapacityResult, Orbit

__all__ = ["capacity", "systolic_ratio", "CapacityResult", "Orbit", "Method", "methods", "method_names",
           "choose_method", "resolve_method"]


def method_names() -> list[str]:
    """Names accepted by ``capacity(method=...)``, "auto" first."""
    return ["auto"] + [s.name for s in methods()]


def _as_polytope(K) -> Polytope:
    return K if isinstance(K, Polytope) else Polytope.from_vertices(K)


def _budget(time_budget) -> Budget:
    """The budget of a whole call, started before anything else (building K from points counts)."""
    seconds = default_timeout() if time_budget is None else parse_seconds(time_budget)
    return Budget(seconds, what="capacity")


def _why_not(spec: Method, K: Polytope) -> str | None:
    """``spec.why_not`` asked about the normal form the method computes on (:mod:`._frame`)."""
    return spec.why_not(framed(K, spec))


def choose_method(K: Polytope) -> Method:
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


def resolve_method(K: Polytope, method: str = "auto") -> Method:
    """The method ``capacity(K, method)`` runs first: what "auto" picks, or ``method`` when it applies.

    Raises
    ------
    MethodNotApplicableError
        Unknown method name (the message lists the valid ones), a method that does not apply to K
        (the message names one that does), or no method applies (for "auto").

    Examples
    --------
    >>> import viterbo as vb
    >>> resolve_method(vb.families.cube()).name, resolve_method(vb.families.cube(), "haim_kislev").name
    ('split_product', 'haim_kislev')
    """
    if method == "auto":
        return choose_method(K)
    spec = get_method(method)
    why = _why_not(spec, K)
    if why is not None:
        try:
            alternative = f' Use method="{choose_method(K).name}" or method="auto".'
        except MethodNotApplicableError:
            alternative = ""
        raise MethodNotApplicableError(f'capacity(method="{spec.name}"): {why}.{alternative}')
    return spec


def _check_auto_levers(params: dict[str, Any], implementation: str | None) -> None:
    """"auto" accepts the levers of every method; anything else is a LeverError listing them."""
    known = lever_names()
    unknown = [k for k in params if k not in known]
    if unknown:
        listing = "; ".join(f"{m.name}: {', '.join(m.lever_names)}" for m in methods() if m.levers)
        raise LeverError(f'capacity(method="auto"): unknown keyword{"s" if len(unknown) > 1 else ""} '
                         f"{', '.join(unknown)}; the methods' levers are {listing} "
                         '(and implementation="native"|"python").')
    for name, value in params.items():
        for m in methods():
            if m.lever(name) is not None:
                m.lever(name).check(value, 'capacity(method="auto")')
    check_implementation(implementation, 'capacity(method="auto")')


def _call(spec: Method, K: Polytope, budget: Budget, levers: dict[str, Any],
          implementation: str | None) -> CapacityResult:
    """Run one method with the levers it has (checked) and the implementation switch when it has a kernel."""
    kwargs = spec.check_levers(levers)
    if spec.kernel:
        kwargs["implementation"] = implementation
    try:
        return run_in_frame(spec, K, budget, kwargs)
    except ArithmeticError as exc:
        # A division by an exact zero or an overflow inside a method is a numerical failure of that
        # method on this input, never a value: "auto" moves on, the user gets a ViterboError.
        raise NumericalFailureError(
            f"{spec.name}: arithmetic failure inside the method ({type(exc).__name__}: {exc}); no value. "
            'Try method="auto" or another method, or rescale/recondition the input.') from exc


def _ignored(spec: Method, levers: dict[str, Any], implementation: str | None) -> list[str]:
    """What of the user's levers ``spec`` cannot take ("auto" reports it instead of dropping it)."""
    out = [f"{k}={v!r} (not a lever of {spec.name})" for k, v in levers.items() if spec.lever(k) is None]
    if implementation == "native" and not spec.kernel:
        out.append(f'implementation="native" ({spec.name} has no compiled kernel)')
    return out


def capacity(K, method: str = "auto", *, time_budget: float | None = None, implementation: str | None = None,
             **params) -> CapacityResult:
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
    implementation : {None, "native", "python"}
        For a method with a compiled kernel: None runs it when available, "native" requires it,
        "python" forces the pure-Python reference; ``result.stats["implementation"]`` says which ran.
    **params
        The method's levers (see :mod:`viterbo.capacity._registry`), echoed with their defaults in
        ``result.params``.  With "auto", any method's levers are accepted; each method gets the ones
        it has, the rest are listed in ``stats["levers_ignored"]``.

    Returns
    -------
    CapacityResult
        ``value``, ``method``, ``orbit``, ``stats``; ``result.verify()`` re-checks it.

    Raises
    ------
    LeverError
        An unknown keyword or a lever value of the wrong kind (the message lists the levers).
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
        _check_auto_levers(params, implementation)
    else:
        get_method(method).check_levers(params)
        get_method(method).check_implementation(implementation)
    spec = resolve_method(K, method)
    budget.what = f'capacity(method="{spec.name}")'
    start = time.perf_counter()
    if method != "auto":
        result, extra = _call(spec, K, budget, params, implementation), {}
    else:
        result, extra = _run_auto(K, spec, budget, params, implementation)
    return _finish(result, params, extra, time.perf_counter() - start)


def _finish(result: CapacityResult, levers: dict[str, Any], extra: dict[str, Any], seconds: float) -> CapacityResult:
    """The final result: ``params`` = every lever of the method that ran (defaults filled in),
    ``stats`` with ``seconds``, ``implementation`` and what "auto" adds; built once, never mutated."""
    spec = get_method(result.method)
    stats = dict(result.stats)
    stats.setdefault("seconds", seconds)
    stats.setdefault("implementation", "python")  # methods without a compiled kernel
    stats.update(extra)
    params = {**spec.defaults(), **spec.check_levers({k: v for k, v in levers.items() if spec.lever(k)})}
    return dataclasses.replace(result, stats=stats, params=params)


def _run_auto(K: Polytope, spec: Method, budget: Budget, levers: dict[str, Any],
              implementation: str | None) -> tuple[CapacityResult, dict[str, Any]]:
    """Run the applicable methods in "auto" order until one answers with a proof.

    A method's ``why_not`` is a cheap test; some inputs are only found unsuitable during the search
    (e.g. "reeb" on a very thin polytope).  Those raise MethodNotApplicableError and "auto" moves
    on.  An uncertified result (e.g. "reeb" unable to exclude a Type 2 orbit) is cross-checked by the
    next applicable method; when none can prove a value, the uncertified result is returned as such.
    Each method gets the user's levers it has; the others are reported in ``stats["levers_ignored"]``.
    Returns the result and the ``stats`` entries "auto" adds.
    """
    skipped: list[str] = []
    uncertified: CapacityResult | None = None
    extra: dict[str, Any] = {}
    # Later methods are tested for applicability only when they are needed.
    later = (s for s in methods() if s.auto_rank > spec.auto_rank and _why_not(s, K) is None)
    for candidate in itertools.chain([spec], later):
        mine = {k: v for k, v in levers.items() if candidate.lever(k) is not None}
        try:
            result = _call(candidate, K, budget, mine, implementation if candidate.kernel else None)
        except MethodNotApplicableError as exc:
            skipped.append(f"{candidate.name}: {exc}")
            continue
        if not result.certified:
            uncertified = uncertified or result
            continue
        if uncertified is not None:
            extra["note"] = (f'"{uncertified.method}" gave {uncertified.value!r} uncertified '
                             f'({uncertified.reason}); "auto" cross-checked with "{result.method}"')
            extra[f"{uncertified.method}_value"] = uncertified.value
        break
    else:
        if uncertified is None:
            raise MethodNotApplicableError("no capacity method could answer for this polytope: " + "; ".join(skipped))
        result = uncertified
    if skipped:
        extra["auto_skipped"] = "; ".join(skipped)
    ignored = _ignored(get_method(result.method), levers, implementation)
    if ignored:
        extra["levers_ignored"] = "; ".join(ignored)
    return result, extra


def systolic_ratio(K, method: str = "auto", **kwargs) -> float:
    """sys(K) = c_EHZ(K)^n / (n! vol(K)) for K in R^{2n} (:meth:`CapacityResult.systolic_ratio`).

    Examples
    --------
    >>> import viterbo as vb
    >>> round(vb.systolic_ratio(vb.families.regular_polygon(6)), 12)
    1.0
    """
    return capacity(K, method, **kwargs).systolic_ratio()
