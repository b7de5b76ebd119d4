"""C++ kernel vs pure-Python reference of the "reeb" search: same values, same node counts."""

import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity.reeb.method import run_search, why_not_reeb
from viterbo.capacity.reeb.search_reference import SearchConfig

pytestmark = pytest.mark.skipif(not vb.native_available(), reason="needs the compiled extension")

PRUNES = ("nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
          "pruned_memo", "pruned_facet_repeat", "cycles_closed", "pruned_zero_time", "deferred")
# Certification pass and jump search: node counts must agree too (docs/math/reeb-certification.md §5).
CERT_COUNTS = ("certification_nodes", "certification_pruned_action", "certification_cycles_closed",
               "jump_starts", "jump_nodes", "jump_nodes_face", "jump_nodes_edge", "jump_nodes_vertex",
               "jump_pruned_action", "jump_pruned_empty", "jump_pruned_canonical", "jump_pruned_facet_repeat",
               "jump_pruned_zero_time", "jump_cycles_closed", "jump_faces_edge", "jump_faces_vertex", "jumps",
               "orbit_type", "unresolved_branches", "unresolved")

SMALL = {
    "cross_polytope": families.cross_polytope,
    "cell24": families.cell24,
    "random_hull_8_0": lambda: families.random_hull(8, 4, 0),
    "random_hull_10_1": lambda: families.random_hull(10, 4, 1),
    "random_halfspaces_7_3": lambda: families.random_halfspaces(7, 4, 3),
}


@pytest.mark.smoke
@pytest.mark.parametrize("name", list(SMALL))
def test_capacity_parity(name):
    K = SMALL[name]()
    py = vb.capacity(K, method="reeb", implementation="python")
    cpp = vb.capacity(K, method="reeb", implementation="native")
    assert cpp.value == pytest.approx(py.value, rel=1e-12)
    assert cpp.certified == py.certified
    assert cpp.orbit.facets == py.orbit.facets
    for key in PRUNES + CERT_COUNTS:
        assert cpp.stats[key] == py.stats[key], key
    assert cpp.stats["winner"] == py.stats["winner"]
    assert cpp.verify() and py.verify()


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["cross_polytope", "random_hull_10_1", "random_halfspaces_7_3"])
def test_spectrum_parity(name):
    K = SMALL[name]()
    a = vb.spectrum(K, rotation_cap=3.0, implementation="python")
    b = vb.spectrum(K, rotation_cap=3.0, implementation="native")
    assert [o.faces for o in a] == [o.faces for o in b]
    assert [o.action for o in a] == pytest.approx([o.action for o in b], rel=1e-12)
    assert [o.multiplicity for o in a] == [o.multiplicity for o in b]


@pytest.mark.deep
@pytest.mark.parametrize("seed", range(8))
def test_capacity_parity_random_hull_20(seed):
    K = families.random_hull(20, 4, seed)
    if why_not_reeb(K):
        pytest.skip("near-Lagrangian draw")
    _, py = run_search(K, SearchConfig(), implementation="python")
    _, cpp = run_search(K, SearchConfig(), implementation="native")
    assert cpp.best.action == pytest.approx(py.best.action, rel=1e-12)
    for key in PRUNES:
        assert cpp.stats[key] == py.stats[key], key
