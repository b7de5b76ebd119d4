"""The levers of the "reeb" search: every combination gives the same answer, and each one prunes."""

import itertools

import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity.reeb.method import run_search
from viterbo.capacity.reeb.search_reference import SearchConfig

pytestmark = pytest.mark.smoke

POLYTOPES = {
    "cross_polytope": families.cross_polytope,
    "cell24": families.cell24,
    "random_hull_10_1": lambda: families.random_hull(10, 4, 1),
    "random_hull_20_0": lambda: families.random_hull(20, 4, 0),
    "random_halfspaces_7_3": lambda: families.random_halfspaces(7, 4, 3),
}
COMBOS = list(itertools.product([2.0, 3.0], [True, False], [True, False]))


@pytest.mark.parametrize("name", list(POLYTOPES))
def test_all_lever_combinations_agree(name):
    K = POLYTOPES[name]()
    values = []
    for cap, budgets, memo in COMBOS:
        r = vb.capacity(K, method="reeb", rotation_cap=cap, use_cF_budgets=budgets, use_memo=memo)
        r.verify()
        values.append(r.value)
        if not budgets:
            assert r.stats["pruned_cF_budget"] == 0
        # Under facet-once the memo is never consulted (no state can dominate another).
        assert r.stats["pruned_memo"] == 0 and r.stats["memo_size"] == 0
    assert max(values) - min(values) <= 1e-12 * max(values)


@pytest.mark.parametrize("name", ["cross_polytope", "cell24", "random_halfspaces_7_3"])
def test_spectrum_is_the_same_for_every_lever_combination(name):
    K = POLYTOPES[name]()
    ref = None
    for budgets, memo in itertools.product([True, False], [True, False]):
        S = vb.spectrum(K, max_action=2.5 * vb.capacity(K, method="reeb").value, rotation_cap=3.0,
                        use_cF_budgets=budgets, use_memo=memo)
        got = [(round(o.action, 9), o.faces, o.multiplicity) for o in S]
        if ref is None:
            ref = got
        assert got == ref


def _stats(K, **kw):
    _, out = run_search(K, SearchConfig(**kw))
    return out.stats


def test_each_lever_prunes_something():
    fired = {"pruned_rotation": 0, "pruned_cF_budget": 0, "pruned_memo": 0}
    for name, make in POLYTOPES.items():
        K = make()
        s = _stats(K)
        fired["pruned_rotation"] += s["pruned_rotation"]
        fired["pruned_cF_budget"] += s["pruned_cF_budget"]
    # The dominance memo fires where an identity loop returns to a state already seen: the
    # 24-cell's 12-cycles (A_p = I) in the spectrum search.
    s = _stats(families.cell24(), spectrum=True, rotation_cap=3.0, action_cap=5.0)
    fired["pruned_memo"] += s["pruned_memo"]
    assert all(v > 0 for v in fired.values()), fired


def test_switching_a_lever_off_costs_nodes():
    K = families.random_hull(20, 4, 0)
    on = _stats(K)
    off = _stats(K, use_cF_budgets=False)
    assert off["nodes_expanded"] >= on["nodes_expanded"]
    cell = families.cell24()
    memo_on = _stats(cell, spectrum=True, rotation_cap=3.0, action_cap=5.0)
    memo_off = _stats(cell, spectrum=True, rotation_cap=3.0, action_cap=5.0, use_memo=False)
    assert memo_off["nodes_expanded"] > memo_on["nodes_expanded"]
