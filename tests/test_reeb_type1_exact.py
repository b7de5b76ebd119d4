"""The exact phase of the 2-face search (viterbo/capacity/reeb/type1_exact.py, reeb-certification.md §3, §7)
and the exact polytopes it runs on (exact_polytope.py).

2-face branches the float search gives up as beyond float64 are recorded with their face path and
replayed in rationals.  The test hook ``method._TYPE1_LIMITS = (0.0, 0)`` makes the float search give
up every child of every start face at once, so the exact phase runs the whole 2-face search: its answer
must equal the float search's.
"""

import importlib
import itertools
from fractions import Fraction

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity.reeb import type1_exact
from viterbo.capacity.reeb.exact_polytope import (ExactHalfspaces, ExactPolytope, ExactUnavailable,
                                                   exact_polytope_of)
from viterbo.capacity.reeb.native_bridge import run_native_capacity
from viterbo.capacity.reeb.search_reference import SearchConfig
from viterbo.capacity.reeb.type1_exact import clip_exact, exact_hull_2d

method = importlib.import_module("viterbo.capacity.reeb.method")

IMPLEMENTATIONS = ["python"] + (["native"] if vb.native_available() else [])


def _random_normals(m: int, seed: int) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(m, 4))
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    return vb.Polytope.from_halfspaces(B, np.ones(m))


SMALL = {
    # simplicial: the exact polytope is K_V = conv(V)
    "cross_polytope": families.cross_polytope,
    "random_hull_8_0": lambda: families.random_hull(8, 4, 0),
    "random_hull_10_1": lambda: families.random_hull(10, 4, 1),
    # simple: the exact polytope is K_H, the float halfspaces read as rationals
    "random_normals_12_1": lambda: _random_normals(12, 1),
}


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("name", list(SMALL))
def test_exact_phase_alone_reproduces_the_float_2face_search(name, implementation, monkeypatch):
    """Every 2-face branch forced through the exact phase: same value and witness, certified."""
    K = SMALL[name]()
    ref = vb.capacity(K, method="reeb", implementation=implementation)
    monkeypatch.setattr(method, "_TYPE1_LIMITS", (0.0, 0))
    r = vb.capacity(K, method="reeb", implementation=implementation)
    st = r.stats
    assert st["unresolved_branches"] > 0
    assert st["type1_exact_branches"] == st["type1_exact_resolved"] > 0
    assert st["type1_exact_nodes"] >= st["type1_exact_branches"]
    assert st["type1_exact_unavailable"] == st["type1_exact_over_budget"] == 0
    assert r.certified, r.reason
    assert r.value == pytest.approx(ref.value, rel=1e-12)
    assert r.verify()
    if st.get("winner_from_exact_type1"):
        assert st["exact_action"] == pytest.approx(ref.value, rel=1e-12)
        assert r.stats["winner"] == "2-face cycle"


@pytest.mark.smoke
def test_exact_phase_finds_the_2face_witness_the_float_search_gave_up(monkeypatch):
    """random_hull(8, seed 0): its minimiser is a 2-face cycle (no jump cycle reaches it), so with every
    2-face branch given up only the exact phase can close it; the witness is rebuilt from the exact
    breakpoints and passes the independent re-check."""
    K = SMALL["random_hull_8_0"]()
    ref = vb.capacity(K, method="reeb")
    monkeypatch.setattr(method, "_TYPE1_LIMITS", (0.0, 0))
    r = vb.capacity(K, method="reeb")
    assert r.stats["winner_from_exact_type1"]
    assert r.stats["type1_exact_cycles_closed"] > 0
    assert r.value == pytest.approx(ref.value, rel=1e-13)
    assert r.orbit.facets == ref.orbit.facets
    assert r.verify() and r.certified


@pytest.mark.smoke
@pytest.mark.skipif(not vb.native_available(), reason="needs the compiled extension")
@pytest.mark.parametrize("limits", [(0.0, 0), (0.0, 7)])
@pytest.mark.parametrize("name", ["random_hull_10_1", "random_normals_12_1"])
def test_recorded_2face_branches_parity(name, limits):
    """C++ and Python record the same given-up 2-face branches (face paths from F_1), in the same order."""
    K = SMALL[name]()
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    cpp, _, _ = run_native_capacity(G, S, SearchConfig(escalate=limits[0], imprecise_budget=limits[1]), None)
    py, _, _ = method._run_capacity_python(K, G, SearchConfig(escalate=limits[0], imprecise_budget=limits[1]),
                                           None)
    a = [u for u in cpp.unresolved if u[0] == 1]
    b = [u for u in py.unresolved if u[0] == 1]
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        assert x[3] == y[3] and len(x[3]) >= 2
        assert x[1] == pytest.approx(y[1], rel=1e-12, abs=1e-12)


@pytest.mark.smoke
@pytest.mark.skipif(not vb.native_available(), reason="needs the compiled extension")
def test_exact_phase_counts_agree_between_implementations(monkeypatch):
    K = SMALL["random_hull_10_1"]()
    monkeypatch.setattr(method, "_TYPE1_LIMITS", (0.0, 7))
    py = vb.capacity(K, method="reeb", implementation="python")
    cpp = vb.capacity(K, method="reeb", implementation="native")
    for key in ("unresolved_branches", "imprecise_children", "type1_exact_branches", "type1_exact_resolved",
                "type1_exact_nodes", "type1_exact_cycles_closed", "nodes_expanded"):
        assert cpp.stats[key] == py.stats[key], key
    assert cpp.stats["type1_exact_nodes"] > 0
    assert cpp.value == pytest.approx(py.value, rel=1e-12) and cpp.certified and py.certified


@pytest.mark.smoke
def test_exact_phase_over_budget_is_reported(monkeypatch):
    """Out of exact nodes: the branches stay open, the result (the jump search's value 1) is not certified
    and says why."""
    K = SMALL["cross_polytope"]()
    monkeypatch.setattr(method, "_TYPE1_LIMITS", (0.0, 0))
    monkeypatch.setattr(type1_exact, "EXACT_NODE_BUDGET", 5)
    r = vb.capacity(K, method="reeb")
    st = r.stats
    assert st["type1_exact_over_budget"] > 0
    assert st["type1_exact_resolved"] + st["type1_exact_over_budget"] == st["type1_exact_branches"]
    assert not r.certified and "2-face branches beyond the node budget" in r.reason
    assert r.value == pytest.approx(1.0, rel=1e-12) and r.verify()


# ---------------------------------------------------------------------- exact geometry


def _frac_clip(poly, c0, c1, c):
    """Reference: the same clip on Fraction points."""
    pts = [(Fraction(x, w), Fraction(y, w)) for x, y, w in poly]
    vals = [c0 * p[0] + c1 * p[1] - c for p in pts]
    out = []
    n = len(pts)
    for i in range(n):
        P, Q, vP, vQ = pts[i], pts[(i + 1) % n], vals[i], vals[(i + 1) % n]
        if vP <= 0:
            out.append(P)
        if (vP < 0 < vQ) or (vQ < 0 < vP):
            t = vP / (vP - vQ)
            out.append((P[0] + t * (Q[0] - P[0]), P[1] + t * (Q[1] - P[1])))
    return set(out)


@pytest.mark.smoke
def test_clip_exact_matches_rational_clipping_and_keeps_degenerate_domains():
    rng = np.random.default_rng(5)
    square = [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]
    for _ in range(200):
        c0, c1, c = (int(v) for v in rng.integers(-7, 8, size=3))
        got = clip_exact(square, c0, c1, c)
        ref = _frac_clip(square, c0, c1, c)
        assert {(Fraction(x, w), Fraction(y, w)) for x, y, w in got} == ref
        assert all(w > 0 for _x, _y, w in got)
    # Closed domains: a half-plane touching the square along an edge or at a corner keeps it.
    edge = clip_exact(square, 1, 0, 0)  # s_0 <= 0
    assert sorted(edge) == [(0, 0, 1), (0, 1, 1)]
    corner = clip_exact(square, 1, 1, 0)  # s_0 + s_1 <= 0
    assert corner == [(0, 0, 1)]
    assert clip_exact(corner, -1, 0, 0) == [(0, 0, 1)]  # a point stays a point
    assert clip_exact(corner, 1, 0, -1) == []
    # A segment cut in its interior: the exact midpoint.
    seg = clip_exact(edge, 0, 2, 1)  # s_1 <= 1/2
    assert sorted(seg) == [(0, 0, 1), (0, 1, 2)]


@pytest.mark.smoke
def test_exact_hull_2d():
    pts = [(Fraction(a), Fraction(b)) for a, b in itertools.product(range(3), repeat=2)]
    hull = exact_hull_2d(pts)
    assert hull == [(0, 0), (2, 0), (2, 2), (0, 2)]
    assert exact_hull_2d([(Fraction(0), Fraction(0)), (Fraction(1), Fraction(1)), (Fraction(2), Fraction(2))]) \
        == [(0, 0), (2, 2)]


@pytest.mark.smoke
def test_exact_halfspaces_for_simple_polytopes():
    """K_H: every float vertex of a simple polytope is the exact solution of its four facet equations
    (within rounding of the float vertex), strictly inside the others; simplicial ones get K_V."""
    K = _random_normals(40, seed=40)
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    P = exact_polytope_of(K._incidence_np(), G.N, G.H, S.V, G.scale)
    assert isinstance(P, ExactHalfspaces)
    for g in range(G.n_facets):
        n, h = P.facet(g)
        assert h > 0
        nf = np.array([float(c) for c in n])
        assert np.allclose(nf / np.linalg.norm(nf), G.N[g], atol=1e-15)
    for i in range(S.V.shape[0]):
        X, d = P.vertex_h(i)
        assert np.allclose([c / d for c in X], S.V[i], atol=1e-12 * G.scale)
    H = families.random_hull(20, seed=3)
    GH = method.flow_graph_of(H)
    assert isinstance(exact_polytope_of(H._incidence_np(), GH.N, GH.H, method.skeleton_of(H, GH).V, GH.scale),
                      ExactPolytope)


@pytest.mark.smoke
def test_exact_halfspaces_refuse_an_inconsistent_lattice():
    """A vertex whose incidences claim a facet it is not exactly on is refused, not guessed."""
    K = _random_normals(16, seed=2)
    G = method.flow_graph_of(K)
    S = method.skeleton_of(K, G)
    inc = K._incidence_np().copy()
    i = 0
    g_on = int(np.flatnonzero(inc[:, i])[0])
    g_off = int(np.argmax(G.H - G.N @ S.V[i]))  # the facet farthest from vertex 0
    inc[g_on, i], inc[g_off, i] = False, True
    P = ExactHalfspaces(inc, G.N, G.H, S.V, G.scale)
    with pytest.raises(ExactUnavailable):
        P.facet(g_off)


@pytest.mark.deep
def test_hull_160_2_is_certified_by_the_exact_2face_phase():
    """38 2-face branches beyond float64 (|A_p| up to 4e11) used to leave this hull uncertified."""
    K = families.random_hull(160, seed=2)
    r = vb.capacity(K, method="reeb")
    assert r.stats["certification_unresolved_branches"] > 0
    assert r.stats["type1_exact_resolved"] == r.stats["type1_exact_branches"] > 0
    assert r.certified, r.reason
    assert r.verify()


@pytest.mark.deep
def test_500_random_facets_are_certified():
    """1208 2-face branches beyond float64 (|A_p| up to 5e52), resolved on K_H."""
    K = _random_normals(500, seed=0)
    r = vb.capacity(K, method="reeb")
    assert r.stats["type1_exact_resolved"] == r.stats["type1_exact_branches"] > 1000
    assert r.certified, r.reason
    assert r.verify()


def _nudged_product(k: int, l: int, eps: float, seed: int) -> vb.Polytope:
    P = families.lagrangian_product(families.regular_polygon(k), families.regular_polygon(l, angle=0.3))
    W = P.vertices_np.copy()
    W += eps * np.random.default_rng(seed).normal(size=W.shape)
    return vb.Polytope.from_vertices(W)


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_cycles_the_float_checks_reject_are_decided_exactly(implementation):
    """A triangle x square nudged 1e-4 off Lagrangian position (38 facets, beyond haim_kislev): the float
    checks reject a jump cycle and several 2-face cycles below the value.  The jump cycle is replayed as
    a recorded branch (jump_exact.py), the 2-face cycles through the integer replay (type1_exact.py):
    certified.  (Before, "a jump cycle ... rejected by the float checks and not decidable exactly".)"""
    K = _nudged_product(3, 4, 1e-4, seed=1)
    r = vb.capacity(K, method="reeb", implementation=implementation)
    st = r.stats
    assert st["jump_rejected_numerical"] > 0
    assert st["jump_exact_resolved"] == st["jump_exact_branches"] > 0
    assert st["exact_resolved"] > 0 and st["pending_exact_nodes"] > 0 and st["unresolved"] == 0
    assert r.certified, r.reason
    assert r.verify()
    # Independent: the unperturbed product by the billiard method; the nudge moves c by O(1e-4).
    P = families.lagrangian_product(families.regular_polygon(3), families.regular_polygon(4, angle=0.3))
    assert r.value == pytest.approx(vb.capacity(P, method="billiard").value, rel=1e-3)
    if implementation == "python" and vb.native_available():
        assert r.value == pytest.approx(vb.capacity(K, method="reeb", implementation="native").value, rel=1e-12)
