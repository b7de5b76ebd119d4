"""The C++ boundary of method="reeb" (issues 11, 15): malformed arrays are refused with
vb.NativeInputError, the tolerances are defined once, the per-polytope cache is weak, non-finite
levers raise, and Ctrl-C interrupts the compiled search."""

import gc
import math
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo._native_support import native_module
from viterbo.capacity.reeb import method as reeb_method
from viterbo.capacity.reeb import orbit_fit, tolerances
from viterbo.capacity.reeb.method import flow_graph_of, skeleton_of
from viterbo.capacity.reeb.native_bridge import graph_arrays, skeleton_arrays


@pytest.fixture(scope="module")
def native():
    mod = native_module()
    if mod is None:
        pytest.skip("compiled extension not in use (VITERBO_PURE_PYTHON=1 or not built)")
    return mod


@pytest.fixture(scope="module")
def arrays():
    K = families.random_hull(10, 4, seed=1)
    G = flow_graph_of(K)
    return K, G, graph_arrays(G), skeleton_arrays(skeleton_of(K, G))


def _search(native, g, s=None):
    if s is None:
        return native.reeb_search(g, spectrum=False, rotation_cap=2.0, use_cF_budgets=True, use_memo=True,
                                  action_cap=math.inf, seconds=-1.0, max_orbits=-1, incumbent=math.inf, certify=False)
    return native.reeb_capacity_search(g, s, rotation_cap=2.0, use_cF_budgets=True, use_memo=True, seconds=-1.0)


def _graph_breakers(g):
    nF = len(g["face_diam"])
    return {
        "wrong dtype": ("edge_src", g["edge_src"].astype(np.int32), "dtype int64"),
        "float as int": ("face_facets", g["face_facets"].astype(np.float64), "dtype int64"),
        "int as float": ("H", g["H"].astype(np.int64), "dtype float64"),
        "short": ("face_c", g["face_c"][:-1], "entries"),
        "index out of range": ("edge_dst", np.where(np.arange(len(g["edge_dst"])) == 0, nF, g["edge_dst"]), "outside"),
        "negative index": ("edge_facet", -np.ones_like(g["edge_facet"]), "outside"),
        "NaN": ("edge_b", np.where(np.arange(g["edge_b"].size).reshape(g["edge_b"].shape) == 0, np.nan, g["edge_b"]),
                "non-finite"),
        "offsets": ("edge_hp_start", g["edge_hp_start"][::-1].copy(), "must run from 0"),
        "not an array": ("N", g["N"].tolist(), "numpy array"),
        "non-positive H": ("H", -g["H"], "positive"),
    }


@pytest.mark.smoke
@pytest.mark.parametrize("case", ["wrong dtype", "float as int", "int as float", "short", "index out of range",
                                  "negative index", "NaN", "offsets", "not an array", "non-positive H"])
@pytest.mark.parametrize("entry", ["reeb_search", "reeb_capacity_search"])
def test_malformed_graph_arrays_raise_native_input_error(native, arrays, case, entry):
    _, _, g, s = arrays
    key, bad, message = _graph_breakers(g)[case]
    broken = dict(g, **{key: bad})
    with pytest.raises(vb.NativeInputError, match=message):
        _search(native, broken, s if entry == "reeb_capacity_search" else None)


@pytest.mark.smoke
def test_missing_array_and_bad_skeleton_raise(native, arrays):
    _, _, g, s = arrays
    with pytest.raises(vb.NativeInputError, match="missing array face_rate"):
        _search(native, {k: v for k, v in g.items() if k != "face_rate"})
    with pytest.raises(vb.NativeInputError, match="jp_X"):
        _search(native, g, dict(s, jp_X=s["jp_X"] + 10**6))
    with pytest.raises(vb.NativeInputError, match="jf_kind"):
        _search(native, g, dict(s, jf_kind=np.full_like(s["jf_kind"], 5)))
    with pytest.raises(vb.NativeInputError, match="exit_start"):
        _search(native, g, dict(s, exit_start=s["exit_start"][:-1]))


@pytest.mark.smoke
def test_builders_check_their_inputs(native, arrays):
    K, G, g, _ = arrays
    inc = np.ascontiguousarray(K._incidence_np())
    with pytest.raises(vb.NativeInputError, match="incidence"):
        native.reeb_build_skeleton(inc.astype(np.int64), g["N"], g["face_pairs"], g["face_facets"])
    with pytest.raises(vb.NativeInputError, match="face_pairs"):
        native.reeb_build_skeleton(np.ones((G.n_facets, 4), bool), g["N"], g["face_pairs"] + G.n_facets,
                                   g["face_facets"])
    with pytest.raises(vb.NativeInputError, match="N has"):
        native.reeb_build_skeleton(np.ones((G.n_facets, 4), bool), g["N"][:-1], g["face_pairs"], g["face_facets"])
    nF = G.n_faces
    args = [g["N"], g["H"], g["R"], g["face_facets"], g["face_c"], g["face_M"], np.zeros((nF, 8)),
            np.zeros((nF, 4)), g["face_poly"], g["face_poly_start"], g["face_diam"], g["face_rad"], g["face_rate"]]
    for i, bad, message in [(3, g["face_facets"] + 100, "outside"), (5, g["face_M"][:-1], "entries"),
                            (9, g["face_poly_start"].astype(np.int32), "dtype int64"),
                            (12, np.full(nF, np.inf), "non-finite")]:
        broken = list(args)
        broken[i] = bad
        with pytest.raises(vb.NativeInputError, match=message):
            native.reeb_build_edges(*broken)


@pytest.mark.smoke
def test_tolerances_are_defined_once(native):
    """The C++ constants are the Python reference's (viterbo/capacity/reeb/tolerances.py)."""
    cpp = dict(native.reeb_tolerances())
    assert cpp.keys() == tolerances.TOLERANCES.keys()
    for key, value in tolerances.TOLERANCES.items():
        assert cpp[key] == value, key
    assert orbit_fit.PIN_WEIGHT == tolerances.TOLERANCES.get("PIN_WEIGHT", orbit_fit.PIN_WEIGHT)


@pytest.mark.smoke
def test_per_polytope_cache_is_weak_and_by_identity():
    K = families.random_hull(9, 4, seed=2)
    L = vb.Polytope.from_vertices(K.vertices_np.copy())  # equal geometry, another object
    assert flow_graph_of(K) is flow_graph_of(K)
    g_L = flow_graph_of(L)
    assert g_L is not flow_graph_of(K)
    n = len(reeb_method._GRAPHS)
    del K
    gc.collect()
    # K's entry is gone (other polytopes collected by the same gc pass may drop theirs too); L's stays.
    assert len(reeb_method._GRAPHS) <= n - 1
    assert reeb_method._GRAPHS.get(L) is g_L


@pytest.mark.smoke
@pytest.mark.parametrize("lever", [dict(max_action=math.nan), dict(max_action=math.inf), dict(max_action=-1.0),
                                   dict(rotation_cap=math.nan), dict(rotation_cap=math.inf),
                                   dict(max_orbits=-3)])
def test_non_finite_spectrum_levers_raise(lever):
    with pytest.raises(vb.ViterboError):
        vb.spectrum(families.cross_polytope(), **lever)


@pytest.mark.smoke
@pytest.mark.parametrize("rotation_cap", [math.nan, math.inf, 0.0])
def test_non_finite_capacity_levers_raise(rotation_cap):
    with pytest.raises(vb.ViterboError):
        vb.capacity(families.cross_polytope(), method="reeb", rotation_cap=rotation_cap)


@pytest.mark.smoke
@pytest.mark.parametrize("budget", [math.inf, 1e300, 1e12])
def test_huge_time_budgets_mean_no_limit(budget):
    r = vb.capacity(families.random_hull(12, 4, seed=5), method="reeb", time_budget=budget)
    assert r.certified
    assert len(vb.spectrum(families.cross_polytope(), time_budget=budget)) > 0


_SLOW_CHILD = textwrap.dedent("""
    import sys, time
    import viterbo as vb
    K = vb.families.random_hull(60, seed=1)
    impl = sys.argv[1]
    print("started", flush=True)
    try:
        vb.spectrum(K, rotation_cap=8.0, max_action=1e9, time_budget=float("inf"), implementation=impl)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
        sys.exit(3)
    print("finished", flush=True)
""")


def _interrupt_latency(tmp_path, implementation):
    script = tmp_path / "slow.py"
    script.write_text(_SLOW_CHILD)
    proc = subprocess.Popen([sys.executable, str(script), implementation], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(1.0)  # well inside the compiled search
        assert proc.poll() is None
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err
    line = out.strip().splitlines()[-1].split()
    assert line[0] == "interrupted"
    return float(line[1]) - sent


@pytest.mark.smoke
def test_ctrl_c_interrupts_the_compiled_search(native, tmp_path):
    assert _interrupt_latency(tmp_path, "native") < 1.0


@pytest.mark.deep
@pytest.mark.parametrize("implementation", ["native", "python"])
def test_ctrl_c_latency_below_a_fifth_of_a_second(tmp_path, implementation):
    assert _interrupt_latency(tmp_path, implementation) < 0.2
