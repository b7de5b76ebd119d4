"""The exact phase of the jump search (viterbo/capacity/reeb/jump_exact.py, reeb-certification.md §4, §7).

Jump branches the float search gives up as beyond float64 are recorded with their node path and
replayed in rationals on K_V = conv(V).  The test hook ``method._JUMP_LIMITS = (0.0, 0)`` makes
the float search give up every jump branch at once, so the exact phase runs the whole jump search:
its answer must equal the float search's.
"""

import importlib

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity._common import orbit_from_numpy
from viterbo.capacity.reeb import jump_exact
from viterbo.capacity.reeb.jump_exact import ExactPolytope, ExactUnavailable, resolve_jump_branches
from viterbo.capacity.reeb.jump_reference import run_jump_search
from viterbo.capacity.reeb.native_bridge import run_native_capacity
from viterbo.capacity.reeb.orbit_fit import clean_witness
from viterbo.capacity.reeb.search_reference import SearchConfig, SearchOutcome
from viterbo.capacity.result import verify_orbit
from viterbo.geometry.symplectic import random_symplectic_matrix_np

method = importlib.import_module("viterbo.capacity.reeb.method")

IMPLEMENTATIONS = ["python"] + (["native"] if vb.native_available() else [])

SMALL = {
    "cross_polytope": families.cross_polytope,
    "random_hull_8_0": lambda: families.random_hull(8, 4, 0),
    "random_hull_10_1": lambda: families.random_hull(10, 4, 1),
}


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("name", list(SMALL))
def test_exact_phase_alone_reproduces_the_float_jump_search(name, implementation, monkeypatch):
    """Every jump branch forced through the exact phase: same value and witness facets, certified."""
    K = SMALL[name]()
    ref = vb.capacity(K, method="reeb", implementation=implementation)
    monkeypatch.setattr(method, "_JUMP_LIMITS", (0.0, 0))
    r = vb.capacity(K, method="reeb", implementation=implementation)
    st = r.stats
    assert st["jump_unresolved_branches"] > 0
    assert st["jump_exact_branches"] == st["jump_exact_resolved"] > 0
    assert st["jump_exact_nodes"] >= st["jump_exact_branches"] // 8
    assert st["jump_exact_unavailable"] == st["jump_exact_over_budget"] == 0
    assert r.certified, r.reason
    assert r.value == pytest.approx(ref.value, rel=1e-12)
    assert r.orbit.facets == ref.orbit.facets
    assert r.verify()


@pytest.mark.smoke
def test_exact_phase_finds_a_jump_witness_the_float_search_gave_up():
    """The cross-polytope's jump cycles (action 1 = c_EHZ) with the 2-face passes out of the way:
    only the exact phase can close them, and it must rebuild a verified witness of action 1."""
    K = families.cross_polytope()
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    out = SearchOutcome()  # no incumbent: the float jump search alone, every branch given up
    run_jump_search(G, S, SearchConfig(certify=True, jump_escalate=0.0, jump_imprecise_budget=0), out)
    assert out.best is None and out.unresolved
    stats = {}
    left = resolve_jump_branches(K, G, S, out, stats)
    assert left == []
    assert stats["winner_from_exact_jump"] and stats["jump_exact_cycles_closed"] > 0
    assert out.best is not None and out.best.kind == 2
    assert out.best.action == pytest.approx(1.0, rel=1e-12)
    assert stats["exact_action"] == pytest.approx(1.0, rel=1e-15)
    x, t = out.best.x, out.best.t
    assert np.all(t >= 0) and t.sum() == pytest.approx(out.best.action, rel=1e-12)
    # Consecutive breakpoints are joined by t_i R_{E_i} (the polygon closes).
    steps = np.array([t[i] * G.R[out.best.flow_facets[i]] for i in range(len(t))])
    assert np.allclose(np.roll(x, -1, axis=0) - x, steps, atol=1e-12)
    # The witness the capacity call would report passes the independent re-check.
    xc, facets = clean_witness(out.best.x, out.best.t, out.best.flow_facets)
    assert verify_orbit(K, orbit_from_numpy(K, xc + G.centre, facets), out.best.action) == []


@pytest.mark.smoke
@pytest.mark.skipif(not vb.native_available(), reason="needs the compiled extension")
@pytest.mark.parametrize("limits", [(0.0, 0), (0.0, 7)])
@pytest.mark.parametrize("name", ["cross_polytope", "random_hull_10_1"])
def test_recorded_branches_parity(name, limits):
    """C++ and Python record the same given-up branches (node paths from the start), in the same order."""
    K = SMALL[name]()
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    cfg = SearchConfig(jump_escalate=limits[0], jump_imprecise_budget=limits[1])
    cpp, _, _ = run_native_capacity(G, S, cfg, None)
    cfg = SearchConfig(jump_escalate=limits[0], jump_imprecise_budget=limits[1])
    py, _, _ = method._run_capacity_python(K, G, cfg, None)
    assert len(cpp.unresolved) == len(py.unresolved) > 0
    for a, b in zip(cpp.unresolved, py.unresolved):
        assert a[0] == b[0] == 2
        assert a[3] == b[3] and a[3][0][0] == "J"
        assert a[1] == pytest.approx(b[1], rel=1e-12, abs=1e-12)


@pytest.mark.smoke
@pytest.mark.skipif(not vb.native_available(), reason="needs the compiled extension")
def test_exact_phase_counts_agree_between_implementations(monkeypatch):
    """Forced through the exact phase, C++ and Python hand it the same branches: same exact counts."""
    K = SMALL["random_hull_10_1"]()
    monkeypatch.setattr(method, "_JUMP_LIMITS", (0.0, 7))
    py = vb.capacity(K, method="reeb", implementation="python")
    cpp = vb.capacity(K, method="reeb", implementation="native")
    for key in ("jump_unresolved_branches", "jump_imprecise_children", "jump_exact_branches", "jump_exact_resolved",
                "jump_exact_nodes", "jump_exact_cycles_closed", "jump_nodes"):
        assert cpp.stats[key] == py.stats[key], key
    assert cpp.stats["jump_exact_nodes"] > 0
    assert cpp.value == pytest.approx(py.value, rel=1e-12) and cpp.certified and py.certified


@pytest.mark.smoke
def test_exact_polytope_hyperplanes():
    """K_V's exact facets match the float normals; facets whose float vertices are not exactly
    coplanar (a symplectic image of the 24-cell) are refused, not guessed."""
    K = families.random_hull(40, seed=101)
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    P = ExactPolytope(K._incidence_np(), S.V, G.scale)
    for g in range(G.n_facets):
        n, h = P.facet(g)
        assert h > 0
        nf = np.array([float(c) for c in n])
        assert np.allclose(nf / np.linalg.norm(nf), G.N[g], atol=1e-12)
        for i in np.flatnonzero(K._incidence_np()[g]):
            v = P.vertex(int(i))
            assert sum(n[c] * v[c] for c in range(4)) == h
    M = random_symplectic_matrix_np(2, seed=1)
    K2 = vb.Polytope.from_vertices(families.cell24().vertices_np @ M.T)
    G2 = method.flow_graph_of(K2)
    P2 = ExactPolytope(K2._incidence_np(), method.skeleton_of(K2, G2).V, G2.scale)
    with pytest.raises(ExactUnavailable, match="not exactly coplanar"):
        for g in range(G2.n_facets):
            P2.facet(g)


@pytest.mark.deep
def test_hull_160_103_is_certified_by_the_exact_phase():
    """63 jump branches beyond float64 (|u| up to 1e9); resolved exactly, the value unchanged."""
    K = families.random_hull(160, seed=103)
    r = vb.capacity(K, method="reeb")
    assert r.stats["jump_unresolved_branches"] > 0
    assert r.stats["jump_exact_resolved"] == r.stats["jump_exact_branches"] > 0
    assert r.certified, r.reason
    assert r.value == pytest.approx(14.86440381606004, rel=1e-12)
    assert r.verify()


@pytest.mark.deep
@pytest.mark.parametrize("seed", [101, 103])
def test_hull_640_is_certified_by_the_exact_phase(seed):
    K = families.random_hull(640, seed=seed)
    r = vb.capacity(K, method="reeb")
    assert r.stats["jump_exact_branches"] > 0
    assert r.certified, r.reason
    assert r.verify()


@pytest.mark.smoke
def test_branches_the_exact_phase_cannot_take_stay_unresolved(monkeypatch):
    """A symplectic image of the 24-cell: its octahedral facets' float vertices are not exactly coplanar,
    so K_V cannot be built; forced through the exact phase, the branches stay open and the result says so."""
    K = vb.Polytope.from_vertices(families.cell24().vertices_np @ random_symplectic_matrix_np(2, seed=1).T)
    monkeypatch.setattr(method, "_JUMP_LIMITS", (0.0, 0))
    r = vb.capacity(K, method="reeb")
    assert r.stats["jump_exact_unavailable"] == r.stats["jump_exact_branches"] > 0
    assert not r.certified
    assert "not exactly coplanar" in r.reason and "haim_kislev" in r.reason
    assert r.value == pytest.approx(2.0, rel=1e-12)
    assert r.verify()


@pytest.mark.smoke
def test_exact_phase_over_budget_is_reported(monkeypatch):
    """Out of exact nodes: the branches stay open, the result is not certified and says why."""
    K = families.cross_polytope()
    monkeypatch.setattr(method, "_JUMP_LIMITS", (0.0, 0))
    monkeypatch.setattr(jump_exact, "EXACT_NODE_BUDGET", 10)
    r = vb.capacity(K, method="reeb")
    assert r.stats["jump_exact_over_budget"] > 0
    assert r.stats["jump_exact_resolved"] + r.stats["jump_exact_over_budget"] == r.stats["jump_exact_branches"]
    assert not r.certified and "node budget" in r.reason
    assert r.value == pytest.approx(1.0, rel=1e-12) and r.verify()
