"""Every tolerance of the "reeb" search, defined once.

ext/reeb_search.cpp defines the same constants and exports them as
``viterbo._native.reeb_tolerances()``; tests/test_reeb_boundary.py checks that
the two agree.  docs/math/reeb-certification.md §7 explains the rounding model
they belong to.
"""

from __future__ import annotations

__all__ = ["TOLERANCES", "CLIP_REL", "DEDUPE_REL", "INTERIOR_MARGIN", "MEMO_TOL", "MEMO_MARGIN", "ACTION_TIE",
           "BUDGET_SLACK", "MAX_DEPTH", "GAMMA", "TRACE_TOL", "RESID_TOL", "TIME_TOL", "OMEGA_SIGN_TOL",
           "BALL_SLACK", "EPS", "TIME_RES", "ESCALATE", "IMPRECISE_BUDGET", "PIN_WEIGHT"]

#: Machine epsilon of float64.
EPS = 2.220446049250313e-16
#: Rounding allowance per first-order operation in the error model (32 ulps; a safety factor).
GAMMA = 32.0 * EPS
#: Floor of the clipping slack, relative to the start face's diameter (times |a| of the half-plane).
CLIP_REL = 1e-12
#: Consecutive polygon vertices closer than this (relative to the start face's diameter) are merged.
DEDUPE_REL = 1e-14
#: A breakpoint within this (relative to the polytope's size) of another facet touches the 1-skeleton.
INTERIOR_MARGIN = 1e-9
#: Memo: maps equal to this (relative), containment and action checked with MEMO_MARGIN.
MEMO_TOL = 1e-9
MEMO_MARGIN = 1e-12
#: A branch whose action lower bound is within this relative amount of the incumbent is cut (it could only tie).
ACTION_TIE = 1e-12
#: Slack of the rotation and c_F budget comparisons.
BUDGET_SLACK = 1e-12
#: Longest path followed; longer ones (only without facet-once) abort with an error.
MAX_DEPTH = 600
#: Tr A within TRACE_TOL * max(1, |A|) of +-2 counts as parabolic (rotation.py).
TRACE_TOL = 1e-9
#: A rebuilt orbit is accepted when its linear-system residual is below this (relative to K's size).
RESID_TOL = 1e-9
#: Flow times down to -TIME_TOL * (total time) count as zero-length segments (closed domains).
TIME_TOL = 1e-9
#: omega(n_E, n_G) within this of 0, for facets meeting only in an edge or vertex, counts as either sign
#: when jump faces are enumerated (an outer approximation: more candidate jumps, never fewer).
OMEGA_SIGN_TOL = 1e-9
#: Time resolution: a branch whose segment lasts at most TIME_RES * scale^2 (scale = the largest vertex
#: coordinate of K about its centre; c_EHZ ~ scale^2) plus its error bound everywhere on its domain
#: carries only zero-length segments ("hops" around an edge or vertex); it is cut, since the same loop
#: without the hop is found on another branch (reeb-certification.md §3).
TIME_RES = 1e-10
#: A branch whose action error exceeds ESCALATE * scale^2, or whose position error exceeds ESCALATE times
#: the size of its face, is imprecise (a strongly hyperbolic path, or charts stretched by nearly
#: Lagrangian faces): its decisions stay sound but prune little.  Each search follows at most
#: IMPRECISE_BUDGET imprecise children; beyond that they are reported as unresolved and the result is
#: not certified (reeb-certification.md §7).
ESCALATE = 0.1
IMPRECISE_BUDGET = 20000
#: Recomputed actions below pi r^2 (1 - BALL_SLACK) are constant loops (reeb-certification.md Lemma 1).
BALL_SLACK = 1e-9
#: Weight of the rows x_0 = pin when a closed loop is rebuilt in R^4 (orbit_fit.reconstruct_r4), relative to the
#: orbit's own equations: it picks the member of a family of closed orbits nearest the pin.
PIN_WEIGHT = 1e-6

TOLERANCES = {
    "EPS": EPS, "GAMMA": GAMMA, "CLIP_REL": CLIP_REL, "DEDUPE_REL": DEDUPE_REL, "INTERIOR_MARGIN": INTERIOR_MARGIN,
    "MEMO_TOL": MEMO_TOL, "MEMO_MARGIN": MEMO_MARGIN, "ACTION_TIE": ACTION_TIE, "BUDGET_SLACK": BUDGET_SLACK,
    "MAX_DEPTH": float(MAX_DEPTH), "TRACE_TOL": TRACE_TOL, "RESID_TOL": RESID_TOL, "TIME_TOL": TIME_TOL,
    "OMEGA_SIGN_TOL": OMEGA_SIGN_TOL, "BALL_SLACK": BALL_SLACK, "TIME_RES": TIME_RES, "ESCALATE": ESCALATE,
    "IMPRECISE_BUDGET": float(IMPRECISE_BUDGET), "PIN_WEIGHT": PIN_WEIGHT,
}
