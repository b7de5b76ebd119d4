"""Benchmarks of method="reeb" (C++ search, Python reference, lever combinations, cold and warm).

Run: pytest tests/performance/test_bench_reeb.py -m "smoke or deep" --benchmark-enable
"Warm" reuses one Polytope object (its 2-faces and flow graph are cached on it);
"cold" builds a fresh Polytope object per round, so 2-faces and the flow graph are
recomputed (the hull itself is not).
"""

import itertools

import pytest

import viterbo as vb
from viterbo import families

pytestmark = pytest.mark.smoke

INPUTS = {
    "cross_polytope": families.cross_polytope,
    "cell24": families.cell24,
    **{f"random_hull_20_s{s}": (lambda s=s: families.random_hull(20, 4, seed=s)) for s in range(5)},
}


@pytest.mark.parametrize("name", list(INPUTS))
def test_bench_reeb_warm(record, name):
    K = INPUTS[name]()
    r = vb.capacity(K, method="reeb")
    bench = record(polytope=name, facets=K.n_facets, two_faces=r.stats["two_faces"],
                   nodes=r.stats["nodes_expanded"], mode="warm", implementation="native")
    bench.group = "reeb capacity (warm)"
    out = bench(vb.capacity, K, method="reeb")
    assert out.value == pytest.approx(r.value, rel=1e-12)


@pytest.mark.parametrize("name", list(INPUTS))
def test_bench_reeb_cold(record, name):
    K = INPUTS[name]()
    counter = itertools.count()
    bench = record(polytope=name, facets=K.n_facets, mode="cold", implementation="native")
    bench.group = "reeb capacity (cold: 2-faces + flow graph + search)"

    def setup():
        return (K.with_name(f"fresh{next(counter)}"),), {"method": "reeb"}

    out = bench.pedantic(vb.capacity, setup=setup, rounds=15, iterations=1)
    assert out.value > 0


@pytest.mark.parametrize("name", ["cross_polytope", "cell24", "random_hull_20_s0"])
@pytest.mark.parametrize("implementation", ["native", "python"])
def test_bench_reeb_cpp_vs_python(record, name, implementation):
    K = INPUTS[name]()
    r = vb.capacity(K, method="reeb", implementation=implementation)
    bench = record(polytope=name, facets=K.n_facets, nodes=r.stats["nodes_expanded"], mode="warm",
                   implementation=implementation)
    bench.group = f"reeb cpp vs python: {name}"
    out = bench.pedantic(vb.capacity, args=(K,), kwargs={"method": "reeb", "implementation": implementation},
                         rounds=3 if implementation == "python" else 20, iterations=1)
    assert out.value == pytest.approx(r.value, rel=1e-12)


LEVERS = list(itertools.product([True, False], [True, False]))


@pytest.mark.parametrize("name", ["cross_polytope", "cell24", "random_hull_20_s0", "random_hull_20_s1"])
@pytest.mark.parametrize("budgets,memo", LEVERS)
def test_bench_reeb_levers(record, name, budgets, memo):
    K = INPUTS[name]()
    r = vb.capacity(K, method="reeb", use_cF_budgets=budgets, use_memo=memo)
    bench = record(polytope=name, facets=K.n_facets, nodes=r.stats["nodes_expanded"],
                   use_cF_budgets=budgets, use_memo=memo, mode="warm")
    bench.group = f"reeb levers: {name}"
    out = bench(vb.capacity, K, method="reeb", use_cF_budgets=budgets, use_memo=memo)
    assert out.value == pytest.approx(r.value, rel=1e-12)
