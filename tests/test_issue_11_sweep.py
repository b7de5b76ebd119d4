"""Issue 11: sweep scale, translation and symplectic conditioning over the reference families; time budgets.

For every input and every method that accepts it: a certified result verifies and is exact to
1e-9 relative; anything else is an uncertified result or a ViterboError (never another exception).

"Exact" means exact for the body the caller gave.  The input points are floats: translating by
1e8 or mapping by a symplectic matrix of condition 1e8 rounds them, which moves the body by
~1e-16 |v| / width, resp. ~1e-16 cond, relative.  So the reference is the capacity of the given
points mapped back in long double (exact to ~1e-19 cond), i.e. of a round body at the origin, on
which all methods agree; pure scalings by 10^k are compared with t^2 c directly.
"""

from __future__ import annotations

import collections
import itertools
import time

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity import method_names
from viterbo.geometry._linear import inverse_ld as _inverse_ld
from viterbo.geometry.symplectic import random_symplectic_matrix_np

LD = np.longdouble
REL = 1e-9

FAMILIES = {
    "cube": lambda: families.cube(),
    "cross_polytope": lambda: families.cross_polytope(),
    "simplex": lambda: families.simplex(),
    "cell24": lambda: families.cell24(),
    "pentagon_counterexample": lambda: families.pentagon_counterexample(),
    "triangle_x_triangle": lambda: families.by_name("triangle_x_triangle"),
    "random_hull_9": lambda: families.random_hull(9, 4, seed=3),
    "random_hull_12": lambda: families.random_hull(12, 4, seed=5),
}
EXACT = {"cube": 4.0, "cross_polytope": 1.0, "simplex": 0.25, "cell24": 2.0,
         "pentagon_counterexample": 2 * np.cos(np.pi / 10) * (1 + np.cos(np.pi / 5))}


def _symplectic(cond: float, seed: int) -> np.ndarray:
    M0 = random_symplectic_matrix_np(2, seed, scale=0.3)
    return M0 @ np.diag([np.sqrt(cond), 1.0, 1.0 / np.sqrt(cond), 1.0]) @ np.linalg.inv(M0)


def _transform(V: np.ndarray, scale: float, shift: float, cond: float, seed: int):
    """(points given to viterbo, the same points mapped back exactly enough, the scale)."""
    M = _symplectic(cond, seed) if cond > 1 else np.eye(4)
    v = shift * np.random.default_rng(seed).normal(size=4) / 2
    Q = (V @ M.T) * scale + v * scale
    back = (Q.astype(LD) / LD(scale) - v.astype(LD)) @ _inverse_ld(M).T
    return Q, np.asarray(back, dtype=np.float64)


def _reference(name: str, back: np.ndarray) -> float | None:
    """c of the given points mapped back, or None when even that round body is its input only to more
    than 1e-11 (the rounded points are nearly but not exactly coplanar): then no value can be
    certified to 1e-9, and none may be."""
    K = vb.Polytope.from_vertices(back)
    if K.hull_deviation > 1e-11:
        return None
    r = vb.capacity(K)
    if not r.certified:  # e.g. reeb unable to exclude a Type 2 orbit: ask the general method
        r = vb.capacity(K, method="haim_kislev")
    assert r.certified and r.verify(), f"reference body of {name} not certified: {r.reason}"
    return r.value


def _check(name, scale, shift, cond, seed, methods, tally) -> None:
    V = FAMILIES[name]().vertices_np
    Q, back = _transform(V, scale, shift, cond, seed)
    exact_input = shift == 0 and cond == 1
    ref_unit = EXACT.get(name) if exact_input and name in EXACT else _reference(name, back)
    if name in EXACT and ref_unit is not None:  # for the record: the reference is near the true value
        assert abs(ref_unit - EXACT[name]) <= 1e-6 * EXACT[name]
    for method in methods:
        label = f"{name} scale={scale:g} shift={shift:g} cond={cond:g} seed={seed} method={method}"
        try:
            r = vb.capacity(Q, method=method, time_budget=120)
        except vb.ViterboError as exc:
            tally[f"error:{type(exc).__name__}"] += 1
            assert str(exc), label
            continue
        if not r.certified:
            tally["uncertified"] += 1
            assert r.reason, label
            continue
        assert ref_unit is not None, f"{label}: certified {r.value!r} for points that define the body only to >1e-11"
        assert r.verify(), label
        ref = ref_unit * scale * scale
        assert abs(r.value - ref) <= REL * ref, f"{label}: certified {r.value!r}, exact {ref!r}"
        tally["certified exact"] += 1


SMOKE_CASES = [(name, scale, shift, cond, 0) for name, (scale, shift, cond) in itertools.product(
    ["cube", "cross_polytope", "pentagon_counterexample", "random_hull_9"],
    [(1e-100, 0, 1), (1e100, 0, 1), (1.0, 1e8, 1), (1.0, 0, 1e8), (1e-30, 1e4, 1e4)])]

DEEP_SCALES = [1e-100, 1e-30, 1e-8, 1.0, 1e8, 1e30, 1e100]
DEEP_CASES = ([(n, s, 0, 1, 0) for n in FAMILIES for s in DEEP_SCALES]
              + [(n, 1.0, sh, 1, seed) for n in FAMILIES for sh in (1e2, 1e5, 1e8) for seed in (0, 1)]
              + [(n, 1.0, 0, c, seed) for n in FAMILIES for c in (1e2, 1e4, 1e6, 1e8) for seed in (0, 1)]
              # all three at once, where the rounding of the input (1e-16 |v| sqrt(cond) / width) stays
              # below 1e-11: beyond it the given points are degenerate at the 1e-9 tolerance itself
              + [(n, s, sh, c, 2) for n in FAMILIES for s, sh, c in ((1e-60, 1e3, 1e4), (1e60, 1e2, 1e6))])


@pytest.mark.smoke
@pytest.mark.parametrize("name, scale, shift, cond, seed", SMOKE_CASES)
def test_sweep_smoke(name, scale, shift, cond, seed):
    _check(name, scale, shift, cond, seed, ["auto"], collections.Counter())


@pytest.mark.deep
@pytest.mark.parametrize("name, scale, shift, cond, seed", DEEP_CASES)
def test_sweep_every_method(name, scale, shift, cond, seed):
    tally = collections.Counter()
    _check(name, scale, shift, cond, seed, method_names(), tally)
    # Where the rounding of the input points stays ~1e-11 of the width, some method must certify;
    # beyond, the points may be coplanar only to ~1e-8 and an uncertified answer is the honest one.
    if max(shift, 1.0) * cond <= 1e4:  # 1e-16 |v| cond: the relative rounding of the points
        assert tally["certified exact"] >= 1, f"no method certified {name} ({dict(tally)})"


@pytest.mark.deep
@pytest.mark.parametrize("budget", [0.3, 1.0, 3.0])
def test_budget_overshoot_is_small(budget):
    """The whole call (building K from points, normal form, LPs, the search) stops within 10% or
    0.1 s of the budget on a slow input (a Haim-Kislev search over 22 facets takes ~30 s)."""
    N = np.random.default_rng(7).normal(size=(22, 4))
    N /= np.linalg.norm(N, axis=1, keepdims=True)
    V = vb.Polytope.from_halfspaces(N, np.ones(22)).vertices_np.copy()
    start = time.perf_counter()
    with pytest.raises(vb.TimeBudgetExceededError):
        vb.capacity(V, method="haim_kislev", time_budget=budget)
    elapsed = time.perf_counter() - start
    assert elapsed <= budget + max(0.1, 0.1 * budget), f"budget {budget} s, took {elapsed:.3f} s"
