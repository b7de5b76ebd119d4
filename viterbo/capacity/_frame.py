"""Running a method on the normal form of K and answering about K itself.

Every method computes on a well-conditioned copy K' = 2^-e S (K - z) of the caller's polytope
(:mod:`viterbo.geometry._frame`): ``frame="symplectic"`` methods (any symplectic polytope) get the
exactly symplectic normal form, ``frame="similarity"`` ones (they read the coordinate product
structure) a translation and a power-of-two scale only.  The value comes back as 4^e c(K') and the
witness as x = z + 2^e S^{-1} x'; the result is about K.

Where a result is built, ``certified=True`` must imply that ``verify()`` passes: a certified result
whose witness fails the independent re-check on K is returned uncertified, with the failures as
its reason (``"auto"`` then cross-checks it with the next method).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..geometry.polytope import Polytope
from ..runtime import Budget
from ._haim_kislev_witness import CERTIFY_REL as HK_CERTIFY_REL
from .result import CapacityResult, Orbit, verify_orbit

__all__ = ["framed", "run_in_frame", "frame_kind", "certify"]

#: Entries of ``stats`` that are capacities (areas of split_product's factors, reeb's actions): scaled back by 4^e.
_VALUE_STATS = ("area_1", "area_2", "exact_action", "runner_up_action", "min_pruned_bound")
#: Entries of ``stats`` that are points of the q-plane (billiard's bounce points): mapped back.
_Q_POINT_STATS = ("bounce_points",)


def frame_kind(spec) -> str:
    """The frame a registered method runs in (``MethodSpec.frame``; "symplectic" by default)."""
    return getattr(spec, "frame", "symplectic")


def framed(K: Polytope, spec) -> Polytope:
    """The normal form of K that ``spec`` computes on (cached on K)."""
    return K._normal_form(frame_kind(spec))[1]


def run_in_frame(spec, K: Polytope, budget: Budget, params: dict) -> CapacityResult:
    """``spec.func`` on the normal form of K; the result (value, witness, polytope) mapped back to K.

    Raises
    ------
    PolytopeError
        The capacity of K is outside the float64 range (K tiny or huge): a certified 0 or inf is
        never returned.
    """
    frame, Kf = K._normal_form(frame_kind(spec))
    budget.check("while normalising the polytope")
    r = spec.func(Kf, budget=budget, **params)
    value = frame.value_from_frame(r.value)
    orbit = Orbit._owning(frame.from_frame(r.orbit.breakpoints_np), r.orbit.facets, device=K._device)
    stats = dict(r.stats)
    for key in _VALUE_STATS:  # capacity-valued entries are in frame units
        if isinstance(stats.get(key), float) and math.isfinite(stats[key]):  # inf: "none", in any frame
            stats[key] = frame.value_from_frame(stats[key])
    if frame.S is None:  # q-plane points (billiard) map back by the translation and scale alone
        for key in _Q_POINT_STATS:
            if key in stats:
                n = K.dim // 2
                q = np.ldexp(np.asarray(stats[key], dtype=np.float64), frame.exponent) + frame.centre[:n]
                stats[key] = q.tolist()
    # What the method computed on (a note, not a counter): values in stats/reason are in that frame.
    stats["frame"] = f"{frame.kind} normal form, scale 2^{frame.exponent}"
    out = dataclasses.replace(r, value=value, orbit=orbit, polytope=K, stats=stats)
    return certify(_with_caller_rounding(out, frame, Kf))


def _with_caller_rounding(r: CapacityResult, frame, Kf: Polytope) -> CapacityResult:
    """A method's ``rounding_bound`` (computed on the round frame body) widened by the rounding of the
    caller's coordinates, carried into the frame; uncertified when that exceeds the method's limit.

    The bound 8 eps X / h_min of :func:`~viterbo.capacity._haim_kislev_witness.rounding_bound` charges a
    facet move of 4 eps X to rounding.  K itself was given in the caller's coordinates, rounded there:
    in the frame each vertex is known only to ``frame.rounding_floor`` (|S| times the caller's rounding),
    which for a stretched body is far more than eps times the frame's size.  The facet move becomes the
    largest such vertex error (delta, a norm), and the bound scales by delta / (4 eps X_frame).
    """
    rb = r.stats.get("rounding_bound")
    if not isinstance(rb, float) or not math.isfinite(rb) or rb <= 0:
        return r
    eps = float(np.finfo(np.float64).eps)
    x_frame = float(np.abs(Kf.vertices_np).max())
    delta = float(np.sqrt((frame.rounding_floor(r.polytope.vertices_np) ** 2).sum(axis=1)).max())
    widened = rb * max(1.0, delta / (4.0 * eps * x_frame))
    if widened == rb:
        return r
    stats = dict(r.stats, rounding_bound=widened, rounding_bound_frame=rb)
    limit = _CERTIFY_REL.get(r.method)
    if not r.certified or limit is None or widened <= limit:
        return dataclasses.replace(r, stats=stats)
    reason = (f"{r.method}: float64 rounding of K's coordinates as given (up to "
              f"{float(np.abs(r.polytope.vertices_np).max()):.3g}, carried through the symplectic normal form "
              f"the search ran on) can move the value by about {widened:.1g} relative, more than {limit:g}: the "
              "witness verifies but the value is not certified. Give K in coordinates where it is not stretched "
              "(a symplectic change of coordinates keeps the capacity).")
    return dataclasses.replace(r, stats=stats, certified=False, reason=reason)


#: Methods that report a ``rounding_bound``, and the relative accuracy they certify.
_CERTIFY_REL = {"haim_kislev": HK_CERTIFY_REL}


#: A capacity is certified only for polytopes that are their input to this relative accuracy.
HULL_DEVIATION_LIMIT = 1e-11


def certify(result: CapacityResult) -> CapacityResult:
    """The result as it is when its witness verifies and K is its input; otherwise uncertified, with
    the reason."""
    if not result.certified:
        return result
    K = result.polytope
    if K.hull_deviation > HULL_DEVIATION_LIMIT:
        return dataclasses.replace(result, certified=False, reason=(
            f"K is the hull of its input only to {K.hull_deviation:.2g} of its width (nearly coplanar or nearly "
            "coincident points were merged into one facet at the 1e-8 tolerance); the value is exact for K as "
            "built, not to 1e-9 for the points given. Round or regularise the input for a certified value."))
    problems = verify_orbit(result.polytope, result.orbit, result.value)
    if not problems:
        return result
    return dataclasses.replace(result, certified=False,
                               reason="the witness failed the independent re-check verify(): " + "; ".join(problems))
