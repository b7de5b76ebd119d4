"""method="reeb" on many facets: no depth cap under facet-once, the skeleton without an nV x nV scan,
and the domain-free action bound of branches beyond float64 (issue 10 / 11: a 2000-facet body)."""

import numpy as np
import pytest

import viterbo as vb
from viterbo.capacity.reeb import search_reference
from viterbo.capacity.reeb.method import flow_graph_of
from viterbo.capacity.reeb.skeleton import build_skeleton
from viterbo.errors import MethodNotApplicableError


def _random_normals(m: int, seed: int = 0) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(m, 4))
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    return vb.Polytope.from_halfspaces(B, np.ones(m))


@pytest.mark.smoke
def test_capacity_search_has_no_depth_cap_but_the_spectrum_has(monkeypatch):
    """Under facet-once a path has at most m faces (Lemma 2): a cap below the winner's length must not
    stop the capacity search (it did: "a search path grew beyond 600 2-faces" at m = 2000); the
    spectrum (no facet-once) keeps its cap, and its message names the lever that applies."""
    K = vb.families.random_hull(8, seed=2)
    free = vb.capacity(K, method="reeb", implementation="python")
    assert free.stats["segments"] > 3
    monkeypatch.setattr(search_reference, "MAX_DEPTH", 3)
    capped = vb.capacity(K, method="reeb", implementation="python")
    assert capped.value == free.value and capped.certified == free.certified
    assert capped.stats["nodes_expanded"] == free.stats["nodes_expanded"]
    with pytest.raises(MethodNotApplicableError, match="lower max_action") as err:
        vb.spectrum(K, implementation="python")
    assert "rotation_cap" not in str(err.value) and "haim_kislev" not in str(err.value)


@pytest.mark.smoke
@pytest.mark.parametrize("m", [40, 90])
def test_skeleton_from_common_facets_matches_reference(m):
    """Edges found from the vertices on a common facet (not an nV x nV scan): the same arrays in the
    same order from the compiled and the Python builder."""
    K = _random_normals(m, seed=m)
    G = flow_graph_of(K)
    a = build_skeleton(K, G)
    b = build_skeleton(K, G, implementation="python")
    for name in a.__dataclass_fields__:
        assert np.array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name))), name
    # Every vertex of a simple 4-polytope has 4 edges: nV * 4 / 2 edges in all.
    assert a.n_edges == 2 * a.n_vertices


@pytest.mark.deep
def test_unresolved_type1_bounds_agree_between_implementations():
    """hull:160:2 leaves Type 1 branches beyond float64; both implementations record them with the
    same action bounds (the larger of the domain bound and the domain-free path floor)."""
    K = vb.families.random_hull(160, seed=2)
    res = {impl: vb.capacity(K, method="reeb", implementation=impl, time_budget=1200)
           for impl in ("native", "python")}
    a, b = res["native"], res["python"]
    assert a.value == pytest.approx(b.value, rel=1e-12)
    for key in ("nodes_expanded", "certification_nodes", "certification_unresolved_branches",
                "unresolved_branches_below_value"):
        assert a.stats[key] == b.stats[key], key


@pytest.mark.deep
def test_2000_random_facets_are_certified():
    """The reproducer of issues 10 / 11: 2000 random unit normals.  It used to stop at "a search path
    grew beyond 600 2-faces" after 430 s, then answered uncertified with 27061 2-face branches beyond
    float64; the exact 2-face phase (type1_exact.py, on K_H) resolves them all (about 150 s, 2.6 GB)."""
    K = _random_normals(2000)
    r = vb.capacity(K, method="reeb", time_budget=3600)
    assert r.verify()
    assert r.stats["exact_status"] == "valid"
    assert r.value == pytest.approx(r.stats["exact_action"], rel=1e-12)
    # B(1) inside K inside B(R), R the largest vertex norm: pi <= c <= pi R^2 (monotonicity).
    R = float(np.linalg.norm(K.vertices_np, axis=1).max())
    assert np.pi * (1 - 1e-9) <= r.value <= np.pi * R * R
    assert r.stats["type1_exact_resolved"] == r.stats["type1_exact_branches"] > 20000
    assert r.certified, r.reason
