"""Every exact method that applies to a seeded random input gives the same value (1e-9 relative).

Written generically: for each input, all registered exact methods whose ``why_not`` accepts it are
run and compared pairwise; an input that fewer than two methods accept is skipped (so the coverage
grows by itself as methods land: billiard vs haim_kislev on products, reeb vs haim_kislev on
symplectic polytopes, split_product vs billiard on rectangle products).

Cases per tier: smoke 12 Lagrangian products of 3- and 4-gons, 6 rectangle products,
4 split products, 4 random polytopes (6-7 facets) and 4 symplectic images of random polytopes
(7-8 facets); deep adds 60 products of 3- to 5-gons, 20 split products, 40 random polytopes
(6-10 facets) and 20 symplectic images of random polytopes (6-10 facets): 60 reeb-vs-haim_kislev
comparisons.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity._registry import methods

from _polygons import random_polygon

REL_TOL = 1e-9
#: Per-method time budget (seconds): an exact method that cannot finish a small input is a finding.
BUDGET = 120.0


def _lagrangian(seed: int, sizes) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    a, b = rng.choice(sizes, size=2)
    return families.lagrangian_product(random_polygon(rng, int(a)), random_polygon(rng, int(b)),
                                       name=f"lagrangian_product({a}x{b},seed={seed})")


def _rectangles(seed: int) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    a, b, c, d = rng.uniform(0.3, 3, size=4)
    return families.lagrangian_product([[0, 0], [a, 0], [0, b], [a, b]], [[0, 0], [c, 0], [0, d], [c, d]],
                                       name=f"rectangles(seed={seed})")


def _split(seed: int, sizes) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    a, b = rng.choice(sizes, size=2)
    return families.symplectic_product(random_polygon(rng, int(a)), random_polygon(rng, int(b)),
                                       name=f"symplectic_product({a}x{b},seed={seed})")


def _generic(seed: int, facets) -> vb.Polytope:
    m = int(np.random.default_rng(seed).choice(facets))
    return families.random_halfspaces(m, 4, seed=seed)


def _symplectic_image(seed: int, facets) -> vb.Polytope:
    return families.symplectic_image(_generic(seed, facets), seed=seed)


SMOKE = ([("lagrangian_3-4gons", s, lambda s: _lagrangian(s, [3, 4])) for s in range(12)]
         + [("rectangles", s, _rectangles) for s in range(6)]
         + [("split_3-4gons", s, lambda s: _split(s, [3, 4])) for s in range(4)]
         + [("random_halfspaces_6-7", s, lambda s: _generic(s, [6, 7])) for s in range(4)]
         + [("symplectic_image_7-8", s, lambda s: _symplectic_image(s, [7, 8])) for s in range(4)])
DEEP = ([("lagrangian_3-5gons", 1000 + s, lambda s: _lagrangian(s, [3, 4, 5])) for s in range(60)]
        + [("split_3-5gons", 1000 + s, lambda s: _split(s, [3, 4, 5])) for s in range(20)]
        + [("random_halfspaces_6-10", 1000 + s, lambda s: _generic(s, [6, 7, 8, 9, 10])) for s in range(40)]
        + [("symplectic_image_6-10", 1000 + s, lambda s: _symplectic_image(s, [6, 7, 8, 9, 10])) for s in range(20)])


def _params():
    for tier, cases in (("smoke", SMOKE), ("deep", DEEP)):
        for family, seed, build in cases:
            yield pytest.param(build, seed, marks=getattr(pytest.mark, tier), id=f"{family}-{seed}")


@pytest.mark.parametrize("build, seed", list(_params()))
def test_exact_methods_agree(build, seed):
    K = build(seed)
    applicable = [s.name for s in methods() if s.exact and s.why_not(K) is None]
    if len(applicable) < 2:
        pytest.skip(f"only {applicable} appl{'ies' if len(applicable) == 1 else 'y'} to {K.name}")
    results = {name: vb.capacity(K, method=name, time_budget=BUDGET) for name in applicable}
    for r in results.values():
        r.verify()
    for a, b in itertools.combinations(applicable, 2):
        va, vb_ = results[a].value, results[b].value
        assert abs(va - vb_) <= REL_TOL * max(abs(va), abs(vb_)), (
            f"{K.name}: {a} gives {va!r}, {b} gives {vb_!r} (relative gap {abs(va - vb_) / abs(vb_):.3g})")
