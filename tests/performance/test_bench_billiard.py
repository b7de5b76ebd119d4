"""Benchmarks of method="billiard" on Lagrangian products of n-gons (and haim_kislev on the same inputs).

Run: pytest tests/performance/test_bench_billiard.py -m "smoke or deep" --benchmark-enable
Targets (docs): pentagon counterexample < 10 ms, 20-gon x 20-gon < 1 s (whole capacity() call,
witness included).  haim_kislev runs on the inputs with at most 10 facets when it is registered.
"""

import math

import numpy as np
import pytest

import viterbo as vb
from viterbo import families


def _random_gon(seed: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 2 * math.pi, size=k))
    t = (t + 2 * math.pi * np.arange(k) / k) / 2  # keep the angles spread: exactly k vertices
    return np.stack([np.cos(t), 0.6 * np.sin(t)], axis=1) + rng.normal(scale=0.1, size=2)


INPUTS = {
    "triangle_x_triangle": lambda: families.by_name("triangle_x_triangle"),
    "pentagon_counterexample": families.pentagon_counterexample,
    "random_5x5": lambda: families.lagrangian_product(_random_gon(1, 5), _random_gon(2, 5)),
    "regular_10x10": lambda: families.lagrangian_product(families.regular_polygon(10),
                                                         families.regular_polygon(10, angle=0.2)),
    "regular_20x20": lambda: families.lagrangian_product(families.regular_polygon(20),
                                                         families.regular_polygon(20, angle=0.1)),
    "random_20x20": lambda: families.lagrangian_product(_random_gon(3, 20), _random_gon(4, 20)),
}
SMOKE = {"triangle_x_triangle", "pentagon_counterexample", "random_5x5"}
HK_MAX_FACETS = 10


def _param(name):
    return pytest.param(name, marks=pytest.mark.smoke if name in SMOKE else pytest.mark.deep, id=name)


@pytest.mark.parametrize("name", [_param(n) for n in INPUTS])
def test_bench_billiard(record, name):
    K = INPUTS[name]()
    bench = record(polytope=name, facets=K.n_facets, vertices=K.n_vertices, method="billiard")
    bench.group = f"capacity {name}"
    result = bench(vb.capacity, K, method="billiard")
    assert result.method == "billiard" and result.verify()
    bench.extra_info["value"] = result.value
    bench.extra_info["types"] = result.stats["types"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.deep, id=n) for n in INPUTS])
def test_bench_haim_kislev_same_inputs(record, name):
    K = INPUTS[name]()
    if K.n_facets > HK_MAX_FACETS:
        pytest.skip(f"{K.n_facets} facets: beyond what haim_kislev does in benchmark time")
    bench = record(polytope=name, facets=K.n_facets, vertices=K.n_vertices, method="haim_kislev")
    bench.group = f"capacity {name}"
    result = bench.pedantic(vb.capacity, args=(K,), kwargs={"method": "haim_kislev"}, rounds=3, iterations=1)
    reference = vb.capacity(K, method="billiard").value
    assert result.value == pytest.approx(reference, rel=1e-9)
