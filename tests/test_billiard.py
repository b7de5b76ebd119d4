"""method="billiard" and method="split_product": recognition, exact values, witnesses, parity, Viterbo checks."""

import itertools
import math

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity._products import lagrangian_factors, symplectic_factors
from viterbo.capacity.billiard import billiard_types, minimal_billiard, polygon_length
from viterbo.cli import main
from viterbo.errors import MethodNotApplicableError, TimeBudgetExceededError
from viterbo.runtime import Budget

from _polygons import hk_bruteforce, random_polygon

PENTAGON_C = 2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5))
PENTAGON_SYS = (math.sqrt(5) + 3) / 5


def _product(seed: int, a: int, b: int) -> vb.Polytope:
    rng = np.random.default_rng(seed)
    return families.lagrangian_product(random_polygon(rng, a), random_polygon(rng, b))


def _as_sets(A: np.ndarray) -> set:
    return {tuple(np.round(x, 9) + 0.0) for x in A}


# ------------------------------------------------------------------------------------------ recognition
@pytest.mark.smoke
def test_products_recognised_from_plain_vertices():
    K = families.pentagon_counterexample()
    plain = vb.Polytope.from_vertices(K.vertices_np.copy())
    assert plain.structure is None
    Kq, Tp = lagrangian_factors(plain)
    assert _as_sets(Kq.vertices) == _as_sets(K.structure["K"])
    assert _as_sets(Tp.vertices) == _as_sets(K.structure["T"])
    assert vb.capacity(plain).method == "billiard"
    assert vb.capacity(plain).value == pytest.approx(PENTAGON_C, rel=1e-12)


@pytest.mark.smoke
def test_factors_are_counter_clockwise_with_outward_normals():
    Kq, Tp = lagrangian_factors(_product(3, 5, 4))
    for P in (Kq, Tp):
        assert P.area() > 0
        edge = np.roll(P.vertices, -1, axis=0) - P.vertices
        assert np.allclose((edge * P.normals).sum(axis=1), 0, atol=1e-12)  # normal ⊥ edge
        assert np.allclose(P.normals @ P.vertices.mean(axis=0) - P.offsets < 0, True)


@pytest.mark.smoke
def test_cube_is_both_products_and_auto_takes_split():
    cube = vb.Polytope.from_vertices(np.array(list(itertools.product([-1.0, 1.0], repeat=4))))
    assert not isinstance(lagrangian_factors(cube), str)
    assert not isinstance(symplectic_factors(cube), str)
    assert vb.capacity(cube).method == "split_product"
    assert vb.capacity(cube, method="billiard").value == pytest.approx(4.0, rel=1e-12)


@pytest.mark.smoke
@pytest.mark.parametrize("K", [families.cross_polytope(), families.simplex(),
                               families.symplectic_image(families.pentagon_counterexample(), seed=1)],
                         ids=["cross_polytope", "simplex", "symplectic_image_of_product"])
def test_non_products_are_rejected_with_reason(K):
    with pytest.raises(MethodNotApplicableError, match="Lagrangian product"):
        vb.capacity(K, method="billiard")
    with pytest.raises(MethodNotApplicableError, match="symplectic product"):
        vb.capacity(K, method="split_product")


@pytest.mark.smoke
def test_rejected_outside_r4():
    with pytest.raises(MethodNotApplicableError, match="R\\^2"):
        vb.capacity(families.regular_polygon(5), method="billiard")


# ------------------------------------------------------------------------------------------ values
@pytest.mark.smoke
def test_pentagon_counterexample_value_and_systolic_ratio():
    K = families.pentagon_counterexample()
    r = vb.capacity(K)
    assert r.method == "billiard"
    assert r.value == pytest.approx(PENTAGON_C, rel=1e-13)
    assert r.systolic_ratio() == pytest.approx(PENTAGON_SYS, rel=1e-12)
    assert r.verify()


@pytest.mark.smoke
def test_pentagon_witness_is_the_two_bounce_orbit_along_a_diagonal():
    """The witness bounces between two non-adjacent vertices of K (a diagonal of the pentagon)."""
    K = families.pentagon_counterexample()
    r = vb.capacity(K, method="billiard")
    assert r.stats["bounces"] == 2
    Kq, Tp = lagrangian_factors(K)
    bounces = np.array(r.stats["bounce_points"])
    idx = [int(np.argmin(np.linalg.norm(Kq.vertices - b, axis=1))) for b in bounces]
    assert np.allclose(Kq.vertices[idx], bounces, atol=1e-12), "both bounces sit at vertices of K"
    assert (idx[0] - idx[1]) % 5 in (2, 3), "the two vertices are not adjacent: a diagonal"
    assert np.linalg.norm(bounces[0] - bounces[1]) == pytest.approx(2 * math.cos(math.pi / 10), rel=1e-12)
    # the q-part of the orbit (with its staircase corners) starts and ends on these two vertices
    q = r.orbit.breakpoints.numpy()[:, :2]
    assert all(np.min(np.linalg.norm(q - b, axis=1)) < 1e-12 for b in bounces)
    # a second minimiser: the symmetry axis from a vertex to the midpoint of the opposite edge
    v = Kq.vertices[0]
    axis = np.stack([v, -math.cos(math.pi / 5) * v / np.linalg.norm(v)])
    assert polygon_length(Tp, axis) == pytest.approx(PENTAGON_C, rel=1e-12)


def _vertex_only_minimum(K: vb.Polytope) -> float:
    """The minimum over admissible polygons whose points are vertices of K only (the known trap)."""
    Kq, Tp = lagrangian_factors(K)
    m = Kq.n_edges
    best = math.inf
    for k in (2, 3):
        for idx in itertools.permutations(range(m), k):
            # vertex i is where edges i - 1 and i meet: its normal cone is spanned by their normals
            angles = sorted(math.atan2(*Kq.normals[e][::-1]) for i in idx for e in ((i - 1) % m, i))
            gaps = np.diff(angles + [angles[0] + 2 * math.pi])
            if gaps.max() <= math.pi + 1e-12:  # 0 in the hull of the normals: not translatable inward
                best = min(best, polygon_length(Tp, Kq.vertices[list(idx)]))
    return best


@pytest.mark.smoke
def test_bounces_at_vertices_only_would_be_wrong():
    """Restricting bounce points to vertices of K overestimates: triangle x triangle gives 3, not 3/2."""
    K = families.by_name("triangle_x_triangle")
    assert _vertex_only_minimum(K) == pytest.approx(3.0, rel=1e-12)
    r = vb.capacity(K, method="billiard")
    assert r.value == pytest.approx(1.5, rel=1e-13)
    Kq, _ = lagrangian_factors(K)
    off_vertex = [b for b in r.stats["bounce_points"] if np.min(np.linalg.norm(Kq.vertices - b, axis=1)) > 1e-6]
    assert off_vertex, "the minimiser has a bounce inside an edge"


@pytest.mark.smoke
def test_triangle_product_reference_and_three_bounces():
    r = vb.capacity(families.by_name("triangle_x_triangle"), method="billiard")
    assert r.value == pytest.approx(1.5, rel=1e-13)
    assert r.verify()


@pytest.mark.smoke
def test_pentagon_type_count():
    Kq, _ = lagrangian_factors(families.pentagon_counterexample())
    assert len(billiard_types(Kq)) == 10


@pytest.mark.smoke
@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_bruteforce_haim_kislev_on_triangle_products(seed):
    K = _product(seed, 3, 3)
    assert vb.capacity(K, method="billiard").value == pytest.approx(hk_bruteforce(K), rel=1e-10)


@pytest.mark.deep
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_bruteforce_haim_kislev_on_triangle_quad_products(seed):
    K = _product(100 + seed, 3, 4)
    assert vb.capacity(K, method="billiard").value == pytest.approx(hk_bruteforce(K), rel=1e-10)


# ------------------------------------------------------------------------------------------ parity, budget
def _parity(seeds, sizes):
    worst = 0.0
    for seed in seeds:
        rng = np.random.default_rng(seed)
        a, b = rng.choice(sizes, size=2)
        Kq, Tp = lagrangian_factors(_product(seed, int(a), int(b)))
        native, _, _, s_native = minimal_billiard(Kq, Tp, implementation="native")
        python, _, _, s_python = minimal_billiard(Kq, Tp, implementation="python")
        assert s_native["implementation"] == "native" and s_python["implementation"] == "python"
        worst = max(worst, abs(native - python) / python)
    assert worst <= 1e-12, worst


@pytest.mark.smoke
def test_native_and_python_reference_agree():
    if not vb.native_available():
        pytest.skip("viterbo._native is not built (VITERBO_PURE_PYTHON or missing extension)")
    _parity(range(12), [3, 4, 5, 6])


@pytest.mark.deep
def test_native_and_python_reference_agree_deep():
    if not vb.native_available():
        pytest.skip("viterbo._native is not built")
    _parity(range(100, 300), [3, 4, 5, 6, 8, 12])


@pytest.mark.smoke
@pytest.mark.parametrize("implementation", ["native", "python"])
def test_tiny_budget_raises_in_both_kernels(implementation):
    Kq, Tp = lagrangian_factors(families.pentagon_counterexample())
    budget = Budget(1e-9, what="billiard")
    with pytest.raises(TimeBudgetExceededError, match="budget"):
        minimal_billiard(Kq, Tp, budget, implementation=implementation)


# ------------------------------------------------------------------------------------------ Viterbo
@pytest.mark.smoke
@pytest.mark.parametrize("k", [3, 4], ids=["triangles", "quadrilaterals"])
def test_viterbo_inequality_holds_for_triangle_and_quad_products(k):
    """sys <= 1 for Lagrangian products of triangles and of quadrilaterals: a value above is a bug."""
    worst = 0.0
    for seed in range(150):
        rng = np.random.default_rng(1000 * k + seed)
        Kq, Tp = lagrangian_factors(families.lagrangian_product(random_polygon(rng, k), random_polygon(rng, k)))
        c, _, _, _ = minimal_billiard(Kq, Tp)
        worst = max(worst, c * c / (2 * Kq.area() * Tp.area()))
    assert worst <= 1 + 1e-12, worst
    assert worst > 0.3  # the check is not vacuous


@pytest.mark.smoke
def test_random_products_verify():
    for seed in range(15):
        rng = np.random.default_rng(seed)
        K = _product(seed, *rng.integers(3, 6, size=2))
        assert vb.capacity(K, method="billiard").verify()


# ------------------------------------------------------------------------------------------ split products
@pytest.mark.smoke
def test_split_product_from_plain_vertices():
    rng = np.random.default_rng(7)
    A, B = random_polygon(rng, 5), random_polygon(rng, 4)
    K = families.symplectic_product(A, B)
    plain = vb.Polytope.from_vertices(K.vertices_np.copy())
    r = vb.capacity(plain)
    assert r.method == "split_product"
    areas = [vb.Polytope.from_vertices(P).volume() for P in (A, B)]
    assert r.value == pytest.approx(min(areas), rel=1e-12)
    assert r.verify()
    assert r.stats["factor"] == 1 + int(np.argmin(areas))


@pytest.mark.smoke
def test_split_product_witness_lies_on_the_smaller_factor_boundary():
    K = families.symplectic_product(families.regular_polygon(3), families.regular_polygon(8))
    r = vb.capacity(K, method="split_product")
    X = r.orbit.breakpoints.numpy()
    assert np.allclose(X[:, [1, 3]], X[0, [1, 3]])  # (q2, p2) constant: a point inside the octagon
    assert r.orbit.action() == pytest.approx(families.regular_polygon(3).volume(), rel=1e-12)


@pytest.mark.smoke
def test_rectangle_products_agree_between_billiard_and_split():
    rng = np.random.default_rng(11)
    for _ in range(10):
        a, b, c, d = rng.uniform(0.3, 3, size=4)
        K = families.lagrangian_product([[0, 0], [a, 0], [0, b], [a, b]], [[0, 0], [c, 0], [0, d], [c, d]])
        split = vb.capacity(K, method="split_product").value
        assert split == pytest.approx(min(a * c, b * d), rel=1e-12)
        assert vb.capacity(K, method="billiard").value == pytest.approx(split, rel=1e-12)


# ------------------------------------------------------------------------------------------ CLI
@pytest.mark.smoke
def test_cli_pentagon_counterexample(capsys):
    assert main(["capacity", "--family", "pentagon_counterexample"]) == 0
    out = capsys.readouterr().out
    assert "capacity        3.44095480118" in out
    assert "systolic ratio  1.0472135955" in out
    assert "method          billiard" in out


@pytest.mark.smoke
@pytest.mark.parametrize("t", [1e-6, 1e6])
def test_extreme_scales_and_far_translations(t):
    """Tolerances are relative: tiny, huge and far-away products give t^2 c and a verified witness."""
    for seed in range(6):
        K = _product(seed, 4 + seed % 3, 3 + seed % 4)
        base = vb.capacity(K, method="billiard").value
        scaled = vb.capacity(K.scale(t), method="billiard")
        assert scaled.value == pytest.approx(t * t * base, rel=1e-11)
        assert scaled.verify()
        far = vb.capacity(K.translate([300.0, -200.0, 150.0, 400.0]), method="billiard")
        assert far.value == pytest.approx(base, rel=1e-10)
        assert far.verify()


@pytest.mark.smoke
def test_pentagon_billiard_agrees_with_haim_kislev():
    K = families.pentagon_counterexample()
    hk = vb.capacity(K, method="haim_kislev")
    assert hk.verify()
    assert vb.capacity(K, method="billiard").value == pytest.approx(hk.value, rel=1e-10)


@pytest.mark.deep
def test_witness_verifies_on_a_wide_sweep():
    """Random 3- to 20-gons, regular polygons with parallel edges, extreme scales: every witness verifies."""
    rng = np.random.default_rng(2024)
    cases = [families.lagrangian_product(random_polygon(rng, int(a)), random_polygon(rng, int(b)))
             for a, b in rng.integers(3, 21, size=(150, 2))]
    cases += [families.lagrangian_product(families.regular_polygon(n), families.regular_polygon(m, angle=angle))
              for n in (4, 6, 8, 12, 16) for m in (3, 4, 6, 8) for angle in (0.0, 0.37)]
    cases += [K.scale(t) for K in cases[:30] for t in (1e-6, 1e6)]
    for K in cases:
        assert vb.capacity(K, method="billiard").verify()


# ------------------------------------------------------------------------------------------ kernel failures
class _FailingKernel:
    """Stands in for viterbo._native: its simplex "fails" on the third type, as it would on overflowed data."""

    @staticmethod
    def billiard_minimum(K, T, types, deadline_s):
        return {"value": float("inf"), "points": np.zeros((0, 2)), "type_index": -1, "solved": 2,
                "timed_out": False, "failed_type": 2}


@pytest.mark.smoke
def test_a_failing_kernel_is_not_applicable_and_auto_moves_on(monkeypatch):
    """issue 15: a C++ runtime failure must not abort "auto"; it is a NumericalFailureError (a
    MethodNotApplicableError), and "auto" answers with the next method."""
    import importlib

    billiard = importlib.import_module("viterbo.capacity.billiard")
    monkeypatch.setattr(billiard, "kernel_module", lambda *args: _FailingKernel)
    K = families.pentagon_counterexample()
    with pytest.raises(vb.NumericalFailureError, match=r"edge type \(.*\) did not reach an optimum"):
        vb.capacity(K, method="billiard")
    r = vb.capacity(K)
    assert r.method == "haim_kislev" and "billiard" in r.stats["auto_skipped"]
    assert r.value == pytest.approx(PENTAGON_C, rel=1e-9) and r.verify()
    assert issubclass(vb.NumericalFailureError, MethodNotApplicableError)


@pytest.mark.smoke
@pytest.mark.parametrize("method, build, t", [("split_product", families.cube, 1e-300),
                                               ("area", lambda: families.regular_polygon(5), 1e-200),
                                               ("billiard", families.pentagon_counterexample, 1e-170),
                                               ("haim_kislev", lambda: families.random_halfspaces(6, 4, 0), 1e-160)])
def test_a_capacity_outside_float64_is_refused_never_a_certified_zero(method, build, t):
    """issue 11: the cube scaled by 1e-300 has c = 4e-600; "value=0.0, certified=True" was returned."""
    with pytest.raises(vb.PolytopeError, match="underflows.*Rescale the input"):
        vb.capacity(build().scale(t), method=method)
