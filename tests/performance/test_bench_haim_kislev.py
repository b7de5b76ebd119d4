"""Benchmarks of method="haim_kislev" (compiled search vs the Python reference).

Run with ``pytest tests/performance/test_bench_haim_kislev.py -m "smoke or deep" --benchmark-enable``.
Each benchmark also asserts the value (against the other path or a reference value).
"""

from __future__ import annotations

import math
import statistics
import time

import pytest

import viterbo as vb
from viterbo._native_support import native_available
from viterbo.geometry import families as F

needs_native = pytest.mark.skipif(not native_available(), reason="compiled extension not available")
PENTAGON = 2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5))


def _info(benchmark, K, result, path):
    benchmark.extra_info.update({"dtype": "float64", "device": "cpu", "facets": K.n_facets, "path": path,
                                 "method": "haim_kislev", "polytope": K.name,
                                 "variant": result.stats["variant"],
                                 "subsets_examined": result.stats["subsets_examined"],
                                 "kkt_solves": result.stats["kkt_solves"],
                                 "pruned_inertia": result.stats["pruned_inertia"],
                                 "pruned_swap": result.stats["pruned_swap"]})


def _capacity(K, **kw):
    return vb.capacity(K, method="haim_kislev", time_budget=600, **kw)


# Benchmarks report speed; they assert values, never wall-clock times (timings are noise on a shared
# machine: compare ratios from one run, e.g. with scripts/kernel_table.py).
@pytest.mark.deep
@needs_native
def test_bench_pentagon_native(benchmark):
    benchmark.group = "haim_kislev: pentagon counterexample (10 facets)"
    K = F.pentagon_counterexample()
    r = benchmark(_capacity, K)
    assert r.value == pytest.approx(PENTAGON, rel=1e-9)
    _info(benchmark, K, r, "native")


@pytest.mark.deep
@needs_native
@pytest.mark.parametrize("seed", [0, 1])
def test_bench_random_12_native(benchmark, seed):
    benchmark.group = "haim_kislev: random_halfspaces(12, 4, seed)"
    K = F.random_halfspaces(12, 4, seed)
    r = benchmark(_capacity, K)
    r.verify()
    _info(benchmark, K, r, "native")


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", [None, "python"], ids=["native", "python"])
def test_bench_random_8(benchmark, implementation):
    if implementation is None and not native_available():
        pytest.skip("compiled extension not available")
    benchmark.group = "haim_kislev: random_halfspaces(8, 4, 0), native vs python"
    K = F.random_halfspaces(8, 4, 0)
    r = benchmark(_capacity, K, implementation=implementation)
    assert r.value == pytest.approx(_capacity(K, implementation="python", swap_rule=False, commute_rule=False).value,
                                    rel=1e-9)
    _info(benchmark, K, r, "native" if implementation is None else "python")


@pytest.mark.deep
@pytest.mark.parametrize("m", range(6, 17))
@pytest.mark.parametrize("path", ["native", "native_same_rules", "python"])
def test_bench_scaling(benchmark, m, path):
    """m = 6..16 facets; python only up to m = 11 (about a minute there)."""
    if path != "python" and not native_available():
        pytest.skip("compiled extension not available")
    if path == "python" and m > 11:
        pytest.skip("the Python reference takes minutes beyond m = 11")
    benchmark.group = f"haim_kislev scaling: random_halfspaces({m}, 4, 0)"
    K = F.random_halfspaces(m, 4, 0)
    kw = {"native": {}, "native_same_rules": {"inertia_rule": False}, "python": {"implementation": "python"}}[path]
    r = benchmark.pedantic(_capacity, args=(K,), kwargs=kw, rounds=1, iterations=1)
    r.verify()
    _info(benchmark, K, r, path)


@pytest.mark.deep
@needs_native
def test_bench_cell24_symmetric(benchmark):
    benchmark.group = "haim_kislev: 24-cell"
    K = F.cell24()
    r = benchmark(_capacity, K)
    assert r.value == pytest.approx(2.0, rel=1e-9)
    _info(benchmark, K, r, "native")


@pytest.mark.deep
@needs_native
@pytest.mark.parametrize("m", [8, 9, 10, 11, 12])
def test_bench_end_to_end_vs_search(benchmark, m):
    """issue 13: the whole call against the compiled search inside it (target: at most 2x at m = 8..12).

    The search time of every round is recorded; the note gives its median and the ratio of the medians.
    """
    benchmark.group = "haim_kislev: end to end vs search, random_halfspaces(m, 4, 0)"
    K = F.random_halfspaces(m, 4, 0)
    searches = []

    def call():
        r = _capacity(K)
        searches.append(r.stats["search_seconds"])
        return r

    r = benchmark(call)
    assert r.certified and r.verify()
    _info(benchmark, K, r, "native")
    search = statistics.median(searches)
    benchmark.extra_info["search_median_s"] = search
    if benchmark.stats is not None:  # None with --benchmark-disable (the default run)
        ratio = benchmark.stats.stats.median / search
        benchmark.extra_info["call_over_search"] = ratio
        benchmark.extra_info["note"] = f"search {search * 1e3:.3g} ms: call / search {ratio:.2f}"


#: Polytopes per m of the ratio benchmark below (random_halfspaces(m, 4, seed), seed = 0..19).
RATIO_SEEDS = 20


@pytest.mark.deep
@needs_native
@pytest.mark.parametrize("m", [8, 9, 10, 11, 12])
def test_bench_call_over_search_ratio(benchmark, m):
    """issue 13: call / search over 20 polytopes per m (target: at most 2x at m = 8..12).

    One round calls capacity() once on each polytope (the same K objects every round: a notebook re-running a
    cell); per polytope the ratio of the median call time to the median ``stats["search_seconds"]``.
    ``extra_info`` reports the median ratio over the polytopes and the smallest and largest
    (scripts/haim_kislev_call_ratio.py makes the before/after table from CPU times).
    """
    benchmark.group = "haim_kislev: call / search over 20 random polytopes per m"
    bodies = [F.random_halfspaces(m, 4, seed) for seed in range(RATIO_SEEDS)]
    calls: list[list[float]] = [[] for _ in bodies]
    searches: list[list[float]] = [[] for _ in bodies]
    results = []

    def sweep():
        results.clear()
        for i, K in enumerate(bodies):
            t0 = time.perf_counter()
            r = _capacity(K)
            calls[i].append(time.perf_counter() - t0)
            searches[i].append(r.stats["search_seconds"])
            results.append(r)

    benchmark.pedantic(sweep, rounds=5 if m < 12 else 3, warmup_rounds=1)
    assert all(r.certified and r.verify() for r in results)
    ratios = [statistics.median(c) / statistics.median(s) for c, s in zip(calls, searches)]
    benchmark.extra_info.update({"method": "haim_kislev", "facets": m, "polytopes": len(bodies), "path": "native",
                                 "call_over_search_median": statistics.median(ratios),
                                 "call_over_search_min": min(ratios), "call_over_search_max": max(ratios),
                                 "search_median_s": statistics.median(statistics.median(s) for s in searches)})
    benchmark.extra_info["note"] = (f"call / search over {len(bodies)} polytopes: median "
                                    f"{statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}")
