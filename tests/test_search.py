"""viterbo.search: local ascent of the systolic ratio; every kept point exact and certified."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

import viterbo as vb
from viterbo.atlas import load
from viterbo.cli import main
from viterbo.geometry import families
from viterbo.search import SearchSpecError, exact_sys, family, maximize_systolic_ratio, recheck
from viterbo.search.ascent import _polish, _Tracker, run_start
from viterbo.search.objective import hull_or_none, polygon_product_sys, polytope_sys, symplectic_normal_map
from viterbo.search.parametrisations import FAIL_VALUE
from viterbo.search.results import best_per_size, load_bests, write_bests

PENTAGON_SYS = (math.sqrt(5) + 3) / 5


def _check_best(best, upper):
    assert best.result.certified and best.result.verify()
    K = best.polytope
    assert best.systolic_ratio == pytest.approx(best.result.value**2 / (2 * K.volume()), rel=1e-12)
    # an independent recomputation from the vertices alone
    again = vb.capacity(vb.Polytope.from_vertices(K.vertices_np))
    assert again.value == pytest.approx(best.result.value, rel=1e-9)
    assert best.systolic_ratio <= upper + 1e-9


@pytest.mark.smoke
def test_cma_on_simplices_stays_below_three_quarters():
    best = maximize_systolic_ratio("vertices", 5, starts=1, seed=0, budget=40)
    _check_best(best, 0.75)  # Zediker: sys <= 3/4 for every simplex in R^4
    assert best.systolic_ratio > 0.3 and best.polytope.n_vertices == 5


@pytest.mark.smoke
def test_gradient_steps_only_accept_exact_improvements():
    fam = family("halfspaces", 7)
    rng = np.random.default_rng(np.random.SeedSequence([3, 0]))
    s0, _, _ = exact_sys(fam, fam.normalise(fam.random_start(rng)))
    best = maximize_systolic_ratio("halfspaces", 7, starts=1, seed=3, budget=6, strategy="gradient")
    assert best.starts[0].evaluations <= 6
    assert best.systolic_ratio >= s0  # never worse than the start
    assert best.systolic_ratio > s0 + 1e-6  # and the gradient does move it uphill
    _check_best(best, 1.0472136)


@pytest.mark.smoke
def test_product_family_and_errors():
    fam = family("lagrangian_product", 5)
    x = fam.normalise(fam.random_start(np.random.default_rng(0)))
    s, K, result = exact_sys(fam, x)
    assert 0 < s <= PENTAGON_SYS + 1e-9 and K.n_facets == 10 and result.method == "billiard"
    with pytest.raises(SearchSpecError, match="unknown search family 'cubes'"):
        family("cubes", 5)
    with pytest.raises(SearchSpecError, match="need n >= 5"):
        family("vertices", 4)
    with pytest.raises(SearchSpecError, match="unknown strategy"):
        maximize_systolic_ratio("vertices", 5, starts=1, strategy="newton")


@pytest.mark.smoke
def test_search_cli_streams_rows_to_parquet(tmp_path, capsys):
    out = tmp_path / "search.parquet"
    args = ["search", "--vertices", "5..6", "--starts", "1", "--budget", "12", "--workers", "1", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "n =  5: best sys" in text and "n =  6: best sys" in text
    df = load(out)
    assert len(df) == 2 and set(df.family) == {"search:vertices:cma"}
    assert [json.loads(p)["n"] for p in df.params] == [5, 6]
    assert df.certified.all() and (df.systolic_ratio <= 0.75 + 1e-9).iloc[0]
    assert main(args) == 0  # finished: nothing recomputed
    assert "2 start(s)" in capsys.readouterr().out


@pytest.mark.smoke
def test_best_per_size_rechecks_and_bests_file_round_trips(tmp_path):
    run = tmp_path / "run.parquet"
    assert main(["search", "--vertices", "5..5", "--starts", "2", "--budget", "30", "--workers", "1", "--quiet",
                 "--seed", "3", "--out", str(run)]) == 0
    (record,) = best_per_size(run)
    df = load(run)
    assert record["systolic_ratio"] == pytest.approx(df.systolic_ratio.max(), rel=1e-15) and record["certified"]
    assert record["starts"] == 2 and record["evaluations"] == sum(json.loads(p)["evaluations"] for p in df.params)
    assert record["agree"] == (sum(v is not None for v in record["recheck"].values()) >= 2)
    for value in record["recheck"].values():
        assert value is None or value == pytest.approx(record["systolic_ratio"], rel=1e-9)
    assert "--vertices 5..5 --starts 2 --budget 30 --seed 3" in record["command"] and not record["timed_out"]
    bests = tmp_path / "bests.json"
    write_bests([record], bests)
    worse = dict(record, systolic_ratio=record["systolic_ratio"] - 0.1, polytope=None)
    write_bests([worse], bests)  # a worse value never replaces a better one
    (back,) = load_bests(bests)
    assert back["systolic_ratio"] == record["systolic_ratio"]
    K = back["K"]
    assert K.n_vertices == record["n_vertices"]
    assert vb.capacity(K).value**2 / (2 * K.volume()) == pytest.approx(record["systolic_ratio"], rel=1e-9)
    with pytest.raises(SearchSpecError, match="not a search run"):
        best_per_size(Path(__file__).resolve().parents[1] / "artefacts" / "atlas" / "small.parquet")


# ----------------------------------------------------------------- pieces of the round-2 search
J0 = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])


def _random_symplectic(rng):
    """exp-free random symplectic matrix: a product of shears [[I, S], [0, I]] and [[I, 0], [S, I]]."""
    M = np.eye(4)
    for _ in range(3):
        S = rng.normal(size=(2, 2))
        S = S + S.T
        up, low = np.eye(4), np.eye(4)
        up[:2, 2:], low[2:, :2] = S, -0.5 * S
        M = up @ low @ M
    return M


@pytest.mark.smoke
def test_symplectic_normal_map_is_symplectic_and_keeps_sys():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(9, 4)) @ _random_symplectic(rng).T * 3.0 + 5.0  # stretched along a flat direction
    c, scale, M = symplectic_normal_map(X)
    assert np.allclose(M.T @ J0 @ M, J0, atol=1e-9)
    Y = scale * (X - c) @ M.T
    C = Y.T @ Y / len(Y)
    assert np.allclose(C, np.diag(np.diag(C)), atol=1e-9) and np.diag(C)[:2] == pytest.approx(np.diag(C)[2:])
    (s_y, cert_y), (s_x, cert_x) = polytope_sys(hull_or_none(Y)), polytope_sys(hull_or_none(X))
    assert cert_x and cert_y and s_y == pytest.approx(s_x, rel=1e-9)


@pytest.mark.smoke
@pytest.mark.parametrize("name, n, orbit_dim", [("vertices", 7, 15), ("halfspaces", 8, 8 + 15),
                                                ("lagrangian_product", 5, 9)])
def test_slice_basis_is_the_complement_of_the_invariance_orbit(name, n, orbit_dim):
    fam = family(name, n)
    x = fam.normalise(fam.random_start(np.random.default_rng(2)))
    D, B = fam.invariance_directions(x), fam.slice_basis(x)
    assert np.linalg.matrix_rank(D) == orbit_dim and B.shape == (x.size, x.size - orbit_dim)
    assert np.allclose(B.T @ B, np.eye(B.shape[1]), atol=1e-12)
    assert np.abs(D @ B).max() < 1e-9 * np.abs(D).max()
    # sys is constant along the orbit (to second order in the step) and moves along the slice
    s0 = fam.objective(x)[1]
    d = D.T @ np.random.default_rng(3).normal(size=len(D))
    d /= np.linalg.norm(d)
    assert fam.objective(x + 1e-4 * d)[1] == pytest.approx(s0, abs=1e-6)
    assert any(abs(fam.objective(x + 1e-2 * b)[1] - s0) > 1e-6 for b in B.T)


@pytest.mark.smoke
def test_product_invariances_leave_the_fast_objective_unchanged():
    rng = np.random.default_rng(5)
    fam = family("lagrangian_product", 6)
    P, Q = fam.split(fam.random_start(rng))
    s, kP, kQ = polygon_product_sys(P, Q)
    A = rng.normal(size=(2, 2)) + 2 * np.eye(2)
    moved = polygon_product_sys(P @ A.T + [3, -1], 0.2 * Q @ np.linalg.inv(A) + [0.5, 2])
    assert (kP, kQ) == (6, 6) and moved[0] == pytest.approx(s, rel=1e-10)


@pytest.mark.smoke
def test_fast_product_objective_equals_the_certified_capacity():
    fam = family("lagrangian_product", 5)
    for seed in range(3):
        x = fam.normalise(fam.random_start(np.random.default_rng(seed)))
        s_fast, _, _ = polygon_product_sys(*fam.split(x))
        s, K, result = exact_sys(fam, x)  # the 4D product through capacity(), witness verified
        assert result.certified and s_fast == pytest.approx(s, rel=1e-10)


@pytest.mark.smoke
def test_points_outside_the_family_rank_below_members():
    fam = family("lagrangian_product", 5)
    x = fam.normalise(fam.random_start(np.random.default_rng(0)))
    P, Q = fam.split(x.copy())
    value, s = fam.objective(x)
    assert s is not None and value == -s
    P[0] = P[1:].mean(axis=0)  # a point inside: P is a quadrilateral, outside the 5-gon family
    value_out, s_out = fam.objective(np.concatenate([P.ravel(), Q.ravel()]))
    assert s_out is None and -0.1 < value_out < 1.0 and value_out > value
    hull = family("vertices", 6)
    flat = np.c_[np.random.default_rng(1).normal(size=(6, 3)), np.zeros(6)].ravel()  # in a hyperplane
    assert hull.objective(flat) == (FAIL_VALUE, None)


@pytest.mark.smoke
def test_time_cap_ends_a_start_with_its_best_point(tmp_path, capsys):
    sr = run_start("vertices", 6, 0, 5, 10**6, "cma", max_seconds=1.5)
    assert sr.timed_out and 0 < sr.evaluations < 10**6 and sr.result.certified
    assert main(["search", "--vertices", "5..5", "--max-seconds", "-1", "--out", str(tmp_path / "x.parquet")]) != 0
    assert "--max-seconds -1.0: need a positive number of seconds" in capsys.readouterr().err


@pytest.mark.smoke
def test_polish_converges_to_a_kink_maximum():
    # The polish alone (not the search: it starts next to the answer): from the regular pentagon
    # product with every coordinate moved by ~0.02, small-step runs in the slice reach the
    # maximum to 1e-9, although sys is a minimum over billiard orbits with a kink there.
    fam = family("lagrangian_product", 5)
    P = families.regular_polygon(5).vertices_np
    x = np.concatenate([P.ravel(), (P @ [[0, 1], [-1, 0]]).ravel()])
    x = x + 0.02 * np.random.default_rng(0).normal(size=x.size)
    track = _Tracker(fam, 5000)
    track(x)
    assert track.best_s < PENTAGON_SYS - 1e-3
    _polish(track, fam, seed=1)
    assert PENTAGON_SYS - 1e-9 < track.best_s <= PENTAGON_SYS + 1e-12


# ------------------------------------------------------------------------------------------ deep
# Thresholds: one start each (no hint of the answer: random starts from SeedSequence([seed, 0])), with a
# margin over the worst gap measured over several seeds with the same budget (round 2, this machine):
#   5 vertices, budget 10000, seeds 1-3: gaps to 3/4 of 2.9e-14, 4.6e-14, 4.9e-11     -> threshold 1e-9
#   6 vertices, budget 12000, seeds 1-3: gaps to 1 of 1.2e-9, 1.6e-9, 2.8e-10         -> threshold 1e-7
#   7 vertices, budget 12000, seeds 1-3: gaps to 1 of 4.7e-6, 1.9e-7, 7.3e-8             -> threshold 1e-4
#   pentagon products, budget 60000, seeds 1-6: gaps to (sqrt 5 + 3)/5 of 1e-12..3.0e-11 -> threshold 1e-6
# (round 1: 3/4 - 1e-4, 1 - 2e-3 and (sqrt 5 + 3)/5 - 2e-3 with 4-8 starts).
@pytest.mark.deep
def test_reproduces_three_quarters_over_simplices():
    best = maximize_systolic_ratio("vertices", 5, starts=1, seed=1, budget=10000)
    _check_best(best, 0.75)
    print(f"\nbest sys over 5-vertex polytopes: {best.systolic_ratio:.14f}")
    assert best.systolic_ratio >= 0.75 - 1e-9


@pytest.mark.deep
def test_reproduces_the_pentagon_product_maximum():
    best = maximize_systolic_ratio("lagrangian_product", 5, starts=1, seed=2, budget=60000)
    _check_best(best, PENTAGON_SYS)  # a value above would be a finding: this test would then fail loudly
    print(f"\nbest sys over products of two pentagons: {best.systolic_ratio:.14f}")
    assert best.systolic_ratio >= PENTAGON_SYS - 1e-6


@pytest.mark.deep
@pytest.mark.parametrize("n, seed, gap", [(6, 1, 1e-7), (7, 2, 1e-4)])
def test_six_and_seven_vertices_reach_one(n, seed, gap):
    best = maximize_systolic_ratio("vertices", n, starts=1, seed=seed, budget=12000)
    _check_best(best, PENTAGON_SYS)
    print(f"\nbest sys over {n}-vertex polytopes: {best.systolic_ratio:.14f}")
    assert best.systolic_ratio >= 1.0 - gap


@pytest.mark.smoke
def test_recheck_uses_every_applicable_method():
    values = recheck(vb.families.pentagon_counterexample())
    assert {"billiard", "haim_kislev", "billiard[python]", "haim_kislev[python]"} <= set(values)
    assert all(v == pytest.approx(PENTAGON_SYS, rel=1e-9) for v in values.values())
