"""Issue 11 (the door): no wrong certified value from badly built or badly scaled bodies.

One test per reproducer in the issue; each failed on main before the fix (wrong certified values,
tracebacks outside the error hierarchy, a segmentation fault).  The sweep over scale, translation and
symplectic conditioning is in ``test_issue_11_sweep.py``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import viterbo as vb
from viterbo import families

pytestmark = pytest.mark.smoke

CUBE = families.cube().vertices_np


def _random_points(seed: int = 0, k: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(k, 4))


# ---------------------------------------------------------------------------------------------- construction
@pytest.mark.parametrize("seed", range(3))
def test_symplectic_stretch_builds_the_same_body(seed):
    """(q1, p1) -> (1e4 q1, 1e-4 p1) is symplectic: same volume, same certified capacity (was +17..170%)."""
    P = _random_points(seed)
    K, L = vb.Polytope.from_vertices(P), vb.Polytope.from_vertices(P * [1e4, 1, 1e-4, 1])
    assert (K.n_vertices, K.n_facets) == (L.n_vertices, L.n_facets)
    assert L.volume() == pytest.approx(K.volume(), rel=1e-12)
    c, r = vb.capacity(K), vb.capacity(P * [1e4, 1, 1e-4, 1])
    assert r.certified and r.verify()
    assert r.value == pytest.approx(c.value, rel=1e-9)


def test_vertices_are_the_callers_numbers_and_every_point_is_inside():
    P = _random_points(4, 200) * [1e4, 1, 1e-4, 1] + 1e6
    K = vb.Polytope.from_vertices(P)
    rows = {tuple(p) for p in P}
    assert all(tuple(v) in rows for v in K.vertices_np)
    # Offsets c_i ~ 1e6 hold only ~1e-10 absolute in float64, a 1e-6 of the 1e-4 width: every point is
    # checked in the normal form of K (translated and scaled, facets refitted through the vertices).
    frame, Kf = K._normal_form("similarity")
    slack = (frame.to_frame(P) @ Kf.normals_np.T - Kf.offsets_np) / Kf.widths()
    assert slack.max() <= 1e-9


def test_incidence_tolerance_is_relative_to_the_width_along_the_normal():
    """Facet i's vertices lie on it to 1e-12 of the width of K along n_i, however thin K is."""
    K = vb.Polytope.from_vertices(CUBE * [1e4, 1, 1e-4, 1])
    inc = K._incidence_np()
    dist = np.abs(K.normals_np @ K.vertices_np.T - K.offsets_np[:, None]) / K.widths()[:, None]
    assert dist[inc].max() <= 1e-12 and dist[~inc].min() >= 0.5


def test_thin_near_product_is_not_snapped():
    """a = 1e-6 thin, 100 long, facets tilted by 9e-10: not a product (split_product was 20% off)."""
    a, L, d = 1e-6, 100.0, 9e-10
    B = np.array([[1, d, 0, 0], [-1, d, 0, 0], [0, 0, 1, 0], [0, 0, -1, 0],
                  [0, 1, 0, 0], [0, -1, 0, 0], [0, 0, 0, 1], [0, 0, 0, -1]], float)
    K = vb.Polytope.from_halfspaces(B, np.array([a, a, 1, 1, L, L, L, L]))
    with pytest.raises(vb.MethodNotApplicableError, match="split_product"):
        vb.capacity(K, method="split_product")
    auto, hk = vb.capacity(K), vb.capacity(K, method="haim_kislev")
    assert auto.method == "haim_kislev" and auto.certified and auto.verify()
    assert auto.value == pytest.approx(hk.value, rel=1e-12)
    assert auto.value == pytest.approx(4.36e-6, rel=1e-3)  # the printed value (3 digits): an anchor


def test_exact_product_is_still_recognised_when_thin():
    """The relative test keeps exact products: a 1e-6 x 100 box is split_product with the exact value."""
    K = vb.Polytope.from_vertices(CUBE * [1e-6, 100, 1, 1])
    r = vb.capacity(K)
    assert r.method == "split_product" and r.value == pytest.approx(4 * 1e-6 * 1, rel=1e-12)


# ---------------------------------------------------------------------------------------------- scale
@pytest.mark.parametrize("name, t, exact", [
    ("simplex", 1e10, 0.25), ("pentagon_counterexample", 1e10, 3.4409548011779334),
    ("cube", 1e150, 4.0), ("cross_polytope", 1e150, 1.0), ("cross_polytope", 1e60, 1.0),
    ("cross_polytope", 1e-60, 1.0), ("cube", 1e-8, 4.0), ("cube", 1e-100, 4.0), ("cell24", 1e100, 2.0),
])
def test_scaled_reference_bodies_give_the_exact_scaled_value(name, t, exact):
    V = families.by_name(name).vertices_np * t
    r = vb.capacity(V)
    assert r.certified and r.verify()
    assert r.value == pytest.approx(exact * t * t, rel=1e-9)


@pytest.mark.parametrize("t", [1e-300, 1e-200, 1e160, 1e200])
def test_capacity_outside_float64_is_refused_not_a_certified_zero(t):
    with pytest.raises(vb.PolytopeError, match="float64"):
        vb.capacity(CUBE * t)


def test_systolic_ratio_and_volume_are_scale_free():
    for t in (1e-100, 1e150):
        assert vb.systolic_ratio(CUBE * t) == pytest.approx(0.5, rel=1e-12)
    with pytest.raises(vb.PolytopeError, match="float64"):
        vb.Polytope.from_vertices(CUBE * 1e-100).volume()
    assert vb.Polytope.from_vertices(CUBE * 1e-60).volume() == pytest.approx(16e-240, rel=1e-12)


def test_huge_lagrangian_product_does_not_crash_the_interpreter():
    """Scaled by 1e120 it killed the process (segmentation fault in the billiard kernel)."""
    code = textwrap.dedent("""
        import viterbo as vb
        r = vb.capacity(vb.families.pentagon_counterexample().vertices_np * 1e120)
        print(r.method, r.value / 1e240, r.certified)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    method, value, certified = out.stdout.split()
    assert method == "billiard" and certified == "True"
    assert float(value) == pytest.approx(3.4409548011779334, rel=1e-9)


# ---------------------------------------------------------------------------------------------- certification
def test_certified_implies_verify_is_enforced_where_results_are_built(monkeypatch):
    """A method that claims a wrong value with a certificate is returned uncertified, with the reason."""
    from viterbo.capacity import _registry

    spec = _registry.get_method("split_product")

    def lying(K, *, budget):
        r = spec.func(K, budget=budget)
        return dataclasses.replace(r, value=r.value * 1.001)

    monkeypatch.setitem(_registry._METHODS, "split_product", dataclasses.replace(spec, func=lying))
    r = vb.capacity(families.cube(), method="split_product")
    assert not r.certified and "verify()" in r.reason
    with pytest.raises(vb.VerificationError):
        r.verify()


def test_verify_scales_its_tolerances_with_the_body():
    """A wrong value is caught at every scale; a right one passes at every scale."""
    for t in (1e-80, 1e-3, 1.0, 1e80):
        r = vb.capacity(families.cross_polytope().scale(t), method="haim_kislev")
        assert r.verify()
        with pytest.raises(vb.VerificationError):
            dataclasses.replace(r, value=r.value * (1 + 1e-7)).verify()


@pytest.mark.parametrize("cond", [1e6, 1e8])
def test_ill_conditioned_symplectic_image_is_exact_for_the_body_given(cond):
    """A symplectic image of condition `cond`: certified means verified, and exact for the given points.

    The points of M P are rounded to float64, which moves the body by ~1e-16 cond relative; the
    reference is therefore the capacity of the given points mapped back accurately (long double),
    a round body on which every method is exact.
    """
    from viterbo.geometry._linear import inverse_ld as _inverse_ld
    from viterbo.geometry.symplectic import random_symplectic_matrix_np

    P = _random_points(0)
    M0 = random_symplectic_matrix_np(2, 0, scale=0.3)
    M = M0 @ np.diag([np.sqrt(cond), 1, 1 / np.sqrt(cond), 1]) @ np.linalg.inv(M0)
    Q = P @ M.T
    back = np.asarray(Q.astype(np.longdouble) @ _inverse_ld(M).T, dtype=np.float64)
    r = vb.capacity(Q)
    assert r.certified and r.verify()
    assert r.value == pytest.approx(vb.capacity(back).value, rel=1e-9)


# ---------------------------------------------------------------------------------------------- errors at the door
@pytest.mark.parametrize("make, match", [
    (lambda: vb.Polytope.from_vertices([[10**400, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]),
     "too large for float64"),
    (lambda: vb.Polytope.from_vertices(CUBE + 1j), "complex"),
    (lambda: vb.Polytope.from_vertices([["a", "b"], ["c", "d"], ["e", "f"]]), "real numbers"),
    (lambda: vb.Polytope.from_dict({"vertices": "..."}), "list of points"),
    (lambda: vb.Polytope.from_dict([1, 2]), "expected a dict"),
    (lambda: vb.Polytope(CUBE), "from_vertices"),
    (lambda: vb.capacity(families.cube(), time_budget="5"), "number of seconds"),
    (lambda: vb.capacity(families.cube(), time_budget=float("nan")), "NaN"),
    (lambda: vb.capacity(families.cube(), time_budget=True), "number of seconds"),
])
def test_bad_input_is_a_viterbo_error_naming_the_problem(make, match):
    with pytest.raises(vb.ViterboError, match=match):
        make()


def test_torch_meta_and_complex_tensors_are_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(vb.PolytopeError, match="'meta' device"):
        vb.Polytope.from_vertices(torch.zeros(16, 4, device="meta"))
    with pytest.raises(vb.PolytopeError, match="complex"):
        vb.Polytope.from_vertices(torch.tensor(CUBE) + 1j)


def test_direct_constructor_error_is_also_a_type_error():
    with pytest.raises(TypeError):
        vb.Polytope(CUBE)


@pytest.mark.parametrize("budget", [float("inf"), 9.3e9, 1e300])
def test_huge_budgets_mean_no_limit(budget):
    for method in ("reeb", "haim_kislev"):
        r = vb.capacity(families.cross_polytope(), method=method, time_budget=budget)
        assert r.value == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("raw, ok", [("inf", True), ("1e300", True), ("abc", False), ("nan", False)])
def test_solver_timeout_environment_variable(monkeypatch, raw, ok):
    monkeypatch.setenv("VITERBO_SOLVER_TIMEOUT", raw)
    if ok:
        assert vb.capacity(families.cross_polytope(), method="haim_kislev").value == pytest.approx(1.0)
    else:
        with pytest.raises(vb.ViterboError, match="VITERBO_SOLVER_TIMEOUT"):
            vb.capacity(families.cross_polytope())
        with pytest.raises(ValueError):  # still a ValueError for existing except clauses
            vb.capacity(families.cross_polytope())


# ---------------------------------------------------------------------------------------------- value contract
def test_equality_is_exact_and_consistent_with_hash():
    K = families.cell24()
    L = pickle.loads(pickle.dumps(K))
    assert K == L and hash(K) == hash(L)
    assert vb.Polytope.from_dict(K.to_dict()) == K
    moved = vb.Polytope.from_vertices(K.vertices_np * (1 + 1e-12))
    assert moved != K and moved.equals(K)  # equal up to a tolerance, not equal: no hash clash
    assert len({K, L, vb.Polytope.from_vertices(K.vertices_np[::-1])}) == 1


def test_polytope_is_immutable_through_its_accessors():
    K = families.pentagon_counterexample()
    with pytest.raises(ValueError):
        K.vertices_np[0, 0] = 1.0
    s = K.structure
    s["kind"] = "changed"
    assert K.structure["kind"] == "lagrangian_product"
    with pytest.raises(ValueError):
        K.structure["K"][0, 0] = 5.0


def test_budget_counts_the_construction():
    """time_budget bounds the whole call: building the hull of the points is part of it."""
    P = np.random.default_rng(0).normal(size=(200_000, 4))
    with pytest.raises(vb.TimeBudgetExceededError):
        vb.capacity(P, time_budget=1e-4)


def test_env_default_timeout_env_inf_reaches_native_as_no_limit(monkeypatch):
    monkeypatch.setenv("VITERBO_SOLVER_TIMEOUT", "inf")
    from viterbo.runtime import Budget, default_timeout

    assert default_timeout() is None
    assert Budget(default_timeout()).remaining_or_negative() == -1.0


@pytest.mark.skipif(os.name != "posix", reason="uses a subprocess with the same interpreter")
def test_error_messages_do_not_leak_tracebacks_from_the_cli(tmp_path):
    f = tmp_path / "points.csv"
    f.write_text("\n".join(",".join(str(x * 1e-300) for x in row) for row in CUBE))
    out = subprocess.run([sys.executable, "-m", "viterbo", "capacity", str(f)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "float64" in out.stderr

