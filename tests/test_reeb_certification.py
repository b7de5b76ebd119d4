"""method="reeb" certification (docs/math/reeb-certification.md): closed domains, the jump search
for Type 2 orbits, exact re-evaluation, and what an uncertified result says."""

import importlib
import math

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity.reeb import type1_exact
from viterbo.capacity.reeb.exact import exact_cycle
from viterbo.capacity.reeb.jump_reference import run_jump_search
from viterbo.capacity.reeb.method import flow_graph_of, skeleton_of, why_not_reeb
from viterbo.capacity.reeb.search_reference import SearchConfig, SearchOutcome
from viterbo.capacity.reeb.tolerances import ESCALATE

from _reeb_hk_bruteforce import hk_bruteforce

reeb_method = importlib.import_module("viterbo.capacity.reeb.method")

CERT_STATS = ("certification_nodes", "jump_starts", "jump_nodes", "jump_nodes_face", "jump_nodes_edge",
              "jump_nodes_vertex", "jump_faces_edge", "jump_faces_vertex", "jumps", "orbit_type", "winner",
              "runner_up_action", "min_pruned_bound", "certification_margin", "seconds_certification",
              "min_face_symplecticity", "unresolved", "exact_resolved")


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", ["python", "native"])
def test_jump_search_alone_finds_the_cross_polytopes_type2_orbits(implementation):
    """The cross-polytope's edges lie in 4 facets; orbits of action c = 1 pass them as jumps."""
    K = families.cross_polytope()
    G = flow_graph_of(K)
    S = skeleton_of(K, G)
    assert int((S.jf_kind == 1).sum()) == 16
    out = SearchOutcome()
    run_jump_search(G, S, SearchConfig(certify=True), out)
    assert out.best is not None and out.best.kind == 2 and out.best.orbit_type == 2
    assert out.best.action == pytest.approx(vb.capacity(K, method="haim_kislev").value, rel=1e-9)
    assert not out.pending and not out.unresolved


@pytest.mark.smoke
@pytest.mark.parametrize("seed", [0, 1])
def test_jump_search_on_symplectic_images_agrees_with_haim_kislev(seed):
    K = families.symplectic_image(families.cross_polytope(), seed)
    G = flow_graph_of(K)
    out = SearchOutcome()
    run_jump_search(G, skeleton_of(K, G), SearchConfig(certify=True), out)
    assert out.best is not None
    assert out.best.action == pytest.approx(1.0, rel=1e-9)


@pytest.mark.smoke
def test_certification_stats_and_meaning():
    r = vb.capacity(families.random_hull(12, 4, seed=5), method="reeb")
    for key in CERT_STATS:
        assert key in r.stats, key
    assert r.certified and r.reason is None
    assert r.stats["winner"] in ("2-face cycle", "jump cycle") and r.stats["orbit_type"] in (1, 2)
    assert r.stats["certification_margin"] >= -1e-9


@pytest.mark.smoke
def test_exact_cycle_reproduces_the_winner():
    K = families.random_halfspaces(7, 4, 3)
    r = vb.capacity(K, method="reeb", implementation="python")
    G = flow_graph_of(K)
    _, out = __import__("viterbo.capacity.reeb.method", fromlist=["run_search"]).run_search(
        K, SearchConfig(certify=True), implementation="python")
    ex = exact_cycle(G, list(out.best.faces))
    assert ex.status == "valid"
    assert float(ex.action) == pytest.approx(r.value, rel=1e-12)
    assert ex.t.min() >= 0


@pytest.mark.smoke
def test_exact_cycle_excludes_a_cycle_without_orbit():
    K = families.random_halfspaces(7, 4, 3)
    G = flow_graph_of(K)
    # Short cycles of the flow graph (length 2 and 3) whose fixed point leaves K are excluded exactly.
    excluded = 0
    for e in range(G.n_edges):
        f1, f2 = int(G.edge_src[e]), int(G.edge_dst[e])
        for e2 in G.out_edges(f2):
            f3 = int(G.edge_dst[e2])
            cycles = [[f1, f2]] if f3 == f1 else []
            cycles += [[f1, f2, f3] for e3 in G.out_edges(f3) if int(G.edge_dst[e3]) == f1]
            for cyc in cycles:
                res = exact_cycle(G, cyc)
                assert res.status in ("valid", "excluded", "degenerate")
                excluded += res.status == "excluded"
    assert excluded > 0


@pytest.mark.smoke
def test_branches_beyond_float64_are_resolved_exactly_or_reported(monkeypatch):
    # With no budget for imprecise branches, the strongly stretched charts of a nearly Lagrangian
    # simplex leave 2-face branches beyond float64; the exact phase (type1_exact.py) settles them:
    # same value, certified, and at 1e-6 the witness itself comes from the exact phase.
    V = families.simplex().vertices_np
    L4 = vb.Polytope.from_vertices(V + 1e-4 * np.random.default_rng(0).normal(size=V.shape))
    L6 = vb.Polytope.from_vertices(V + 1e-6 * np.random.default_rng(0).normal(size=V.shape))
    ref4, ref6 = (vb.capacity(L, method="reeb", implementation="python") for L in (L4, L6))
    monkeypatch.setattr(reeb_method, "_TYPE1_LIMITS", (ESCALATE, 0))
    r4, r6 = (vb.capacity(L, method="reeb", implementation="python") for L in (L4, L6))
    for r, ref in ((r4, ref4), (r6, ref6)):
        assert r.stats["type1_exact_branches"] == r.stats["type1_exact_resolved"] > 0
        assert r.certified, r.reason
        assert r.value == pytest.approx(ref.value, rel=1e-12) and r.verify()
    assert r6.stats["winner_from_exact_type1"]
    # Without exact nodes they stay open: the value still verifies, but it is not certified ...
    monkeypatch.setattr(type1_exact, "EXACT_NODE_BUDGET", 0)
    r = vb.capacity(L4, method="reeb", implementation="python")
    assert not r.certified
    assert "beyond float64" in r.reason and "node budget" in r.reason and "haim_kislev" in r.reason
    assert r.verify()
    # ... and when every closed orbit lies in such branches there is no value: the error says why.
    with pytest.raises(vb.MethodNotApplicableError, match="beyond float64"):
        vb.capacity(L6, method="reeb", implementation="python")


@pytest.mark.smoke
def test_refused_hull_40_3_is_certified():
    """random_hull(40, seed=3) has a 2-face with |omega|/sin = 7.7e-5 and used to be refused."""
    K = families.random_hull(40, seed=3)
    assert why_not_reeb(K) is None
    r = vb.capacity(K, method="reeb")
    assert r.stats["min_face_symplecticity"] < 1e-4
    assert r.certified, r.reason
    assert r.stats["exact_status"] == "valid" and r.stats["exact_action"] == pytest.approx(r.value, rel=1e-12)
    assert r.verify()


# ----------------------------------------------------------------------------- deep tier
def _nudged_product(k, l, eps, seed, angle=0.3):
    K = families.lagrangian_product(families.regular_polygon(k), families.regular_polygon(l, angle=angle))
    return K.transform(np.eye(4) + eps * np.random.default_rng(seed).normal(size=(4, 4)))


def _linear(K, eps, seed):
    return K.transform(np.eye(4) + eps * np.random.default_rng(seed).normal(size=(4, 4)))


def _symmetric_vertices(K, eps, seed):
    V = K.vertices_np.copy()
    rng = np.random.default_rng(seed)
    done = set()
    for i in range(len(V)):
        if i in done:
            continue
        j = int(np.argmin(np.abs(V + V[i]).sum(1)))
        d = eps * rng.normal(size=4)
        V[i] += d
        V[j] -= d
        done |= {i, j}
    return vb.Polytope.from_vertices(V)


TYPE2_FAMILY = {
    **{f"symplectic_image(cell24,{s})": (lambda s=s: families.symplectic_image(families.cell24(), s)) for s in range(3)},
    **{f"symplectic_image(cross,{s})": (lambda s=s: families.symplectic_image(families.cross_polytope(), s))
       for s in range(3)},
    **{f"cell24_nudged({e},{s})": (lambda e=e, s=s: _linear(families.cell24(), e, s)) for e in (1e-3, 1e-2)
       for s in range(2)},
    **{f"cross_nudged({e},{s})": (lambda e=e, s=s: _linear(families.cross_polytope(), e, s)) for e in (1e-3, 1e-2)
       for s in range(2)},
    **{f"cross_symmetric_vertices({e},{s})": (lambda e=e, s=s: _symmetric_vertices(families.cross_polytope(), e, s))
       for e in (1e-3, 1e-2) for s in range(2)},
    **{f"product_{k}x{l}_nudged({e})": (lambda k=k, l=l, e=e: _nudged_product(k, l, e, 0))
       for k, l in ((3, 3), (3, 4), (4, 4), (5, 5)) for e in (1e-3, 3e-2)},
}


@pytest.mark.deep
@pytest.mark.parametrize("name", list(TYPE2_FAMILY))
def test_type2_family_agrees_with_haim_kislev(name):
    """Bodies built to have Type 2 minimisers (Zoll families touching the 1-skeleton, jump edges of
    the cross-polytope, products nudged off Lagrangian position): reeb = haim_kislev to 1e-9, and
    the result says which type won."""
    K = TYPE2_FAMILY[name]()
    assert why_not_reeb(K) is None
    r = vb.capacity(K, method="reeb")
    hk = vb.capacity(K, method="haim_kislev", time_budget=600)
    assert r.value == pytest.approx(hk.value, rel=1e-9)
    assert r.certified, r.reason
    assert r.stats["orbit_type"] in (1, 2) and r.stats["winner"] in ("2-face cycle", "jump cycle")
    assert r.verify()


@pytest.mark.deep
@pytest.mark.parametrize("seed", range(20))
def test_small_random_polytopes_agree_with_bruteforce(seed):
    K = families.random_halfspaces(6 + seed % 2, 4, 300 + seed)
    if why_not_reeb(K) is not None:
        pytest.skip(why_not_reeb(K))
    for implementation in ("native", "python"):
        r = vb.capacity(K, method="reeb", implementation=implementation)
        assert r.certified, r.reason
        assert r.value == pytest.approx(hk_bruteforce(K), rel=1e-9)


@pytest.mark.deep
@pytest.mark.parametrize("n,seed", [(40, 0), (40, 3), (80, 1), (160, 1), (160, 2), (320, 1), (320, 2), (320, 3),
                                    (640, 2), (640, 4)])
def test_random_hulls_are_certified(n, seed):
    """Sizes and seeds, including the last ones that stayed uncertified before the exact phases
    (160/2: 2-face branches beyond float64; 320/3, 640/4: jump branches beyond float64)."""
    K = families.random_hull(n, seed=seed)
    r = vb.capacity(K, method="reeb")
    assert r.certified, r.reason
    assert r.verify()
    assert r.value >= math.pi * K.inradius() ** 2


@pytest.mark.deep
def test_type2_family_has_type2_winners():
    """The family does what it is built for: several winners pass through the 1-skeleton."""
    types = [vb.capacity(make(), method="reeb").stats["orbit_type"] for make in TYPE2_FAMILY.values()]
    assert types.count(2) >= 5, types
