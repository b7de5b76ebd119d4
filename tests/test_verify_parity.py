"""verify_orbit: the compiled checks (viterbo._native.verify_orbit_checks) agree with the numpy reference.

On the witnesses the methods return (accepted) and on perturbed copies of them (rejected: a breakpoint moved
off its facet or out of K, the loop reversed, stretched or shifted, the facet labels rotated, the value
misreported), both paths give the same verdict, the same failed checks at the same indices and the same
numbers up to rounding; the messages built from them agree once the numbers are masked.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

import viterbo as vb
from viterbo.capacity.result import Orbit
from viterbo.errors import NativeInputError
from viterbo.geometry import families as F

result_module = importlib.import_module("viterbo.capacity.result")
native = pytest.importorskip("viterbo._native") if vb.native_available() else None
pytestmark_native = pytest.mark.skipif(native is None, reason="compiled extension not in use")

#: Float fields of the findings (the others are indices and verdicts, which must be equal).
FLOATS = ("outside_ratio", "start_ratio", "end_ratio", "against", "leaves_ratio", "action", "times_sum")
NUMBER = re.compile(r"-?\d+\.?\d*(e[-+]?\d+)?")


def _bodies(seeds: range):
    yield F.cube(), "auto"
    yield F.cross_polytope(), "auto"
    yield F.cell24(), "haim_kislev"
    yield F.pentagon_counterexample(), "auto"
    yield F.regular_polygon(7), "auto"
    yield F.symplectic_image(F.cross_polytope(), seed=3, scale=2.0), "haim_kislev"
    for seed in seeds:
        yield F.random_halfspaces(7 + seed % 3, 4, seed), "haim_kislev"
        yield F.random_hull(12, 4, seed), "reeb"
        yield F.symplectic_image(F.random_halfspaces(8, 4, seed), seed=seed, scale=1.5), "haim_kislev"


def _perturbed(orbit: Orbit, value: float, K, rng):
    """(label, orbit, value): the witness itself and copies that verify() must reject (or may accept)."""
    X = orbit.breakpoints_np
    size = float(np.abs(K.vertices_np - K.vertices_np.mean(axis=0)).max())
    yield "as returned", orbit, value
    for delta in (1e-13, 1e-6, 1e-3):
        Y = X.copy()
        Y[len(Y) // 2] += delta * size * rng.standard_normal(X.shape[1])
        yield f"one breakpoint moved {delta:g}", Orbit(Y, orbit.facets), value
        yield f"value off by {delta:g}", orbit, value * (1 + delta)
        centre = X.mean(axis=0)
        yield f"loop stretched {delta:g}", Orbit(centre + (1 + delta) * (X - centre), orbit.facets), value
    yield "shifted", Orbit(X + 0.3 * size, orbit.facets), value
    yield "reversed", Orbit(X[::-1], orbit.facets[::-1]), value
    yield "facets rotated", Orbit(X, orbit.facets[1:] + orbit.facets[:1]), value
    yield "collapsed", Orbit(np.repeat(X[:1], len(X), axis=0), orbit.facets), value


def _masked(problems: list[str]) -> list[str]:
    return [NUMBER.sub("#", p) for p in problems]


def _findings(K, orbit, value):
    """(numpy findings, C++ findings) of verify_orbit's checks on the witness, in K's normal form."""
    frame, Kf = K._normal_form("symplectic")
    X = orbit.breakpoints_np
    Xf, E = frame.to_frame(X), frame.rounding_floor(X)
    vf = frame.value_to_frame(float(value))
    N, H, w = Kf.normals_np, Kf.offsets_np, Kf.widths()
    size = float(np.abs(Kf.vertices_np).max())
    facets = np.asarray(orbit.facets)
    codes, data, abs_S = frame._program
    return (result_module._findings_python(Xf, E, N, H, w, facets, size, vf, 1e-9),
            result_module._Findings(*native.verify_orbit_checks(X, frame.centre, frame.exponent, codes, data, abs_S,
                                                                N, H, w, facets, size, vf, 1e-9)))


def _assert_same_findings(K, orbit, value, label):
    py, cc = _findings(K, orbit, value)
    if (py.outside_i, py.outside_f) != (cc.outside_i, cc.outside_f) and min(py.outside_i, cc.outside_i) >= 0:
        # The worst violation is a tie up to rounding (symmetric bodies): both name a worst one.
        assert cc.outside_ratio == pytest.approx(py.outside_ratio, rel=1e-9), label
        py = py._replace(outside_i=cc.outside_i, outside_f=cc.outside_f)
    for name in py._fields:
        a, b = getattr(py, name), getattr(cc, name)
        if name in FLOATS:
            assert b == pytest.approx(a, rel=1e-9, abs=1e-15), f"{label}: {name} {a!r} (numpy) vs {b!r} (C++)"
        else:
            assert a == b, f"{label}: {name} {a!r} (numpy) vs {b!r} (C++)"


def _check_body(K, method, seed):
    r = vb.capacity(K, method=method)
    rng = np.random.default_rng(seed)
    verdicts = []
    for label, orbit, value in _perturbed(r.orbit, r.value, K, rng):
        _assert_same_findings(K, orbit, value, f"{K.name} ({r.method}), {label}")
        py = result_module.verify_orbit(K, orbit, value, implementation="python")
        cc = result_module.verify_orbit(K, orbit, value, implementation="native")
        assert _masked(cc) == _masked(py), f"{K.name}, {label}: {cc} vs {py}"  # numbers masked (ties, rounding)
        verdicts.append((label, not cc))
    accepted = dict(verdicts)
    assert accepted["as returned"], f"{K.name}: the method's own witness fails verify()"
    assert not accepted["one breakpoint moved 0.001"] and not accepted["reversed"], K.name
    return verdicts


@pytestmark_native
@pytest.mark.smoke
def test_compiled_checks_agree_with_numpy_on_accepted_and_rejected_witnesses():
    rejected = 0
    for K, method in _bodies(range(4)):
        rejected += sum(not ok for _, ok in _check_body(K, method, seed=len(K.name or "")))
    assert rejected > 100  # the perturbations do exercise the failure branches


@pytestmark_native
@pytest.mark.deep
def test_deep_compiled_checks_agree_with_numpy():
    for K, method in _bodies(range(4, 40)):
        _check_body(K, method, seed=7)


@pytestmark_native
@pytest.mark.smoke
def test_every_failure_branch_is_compared():
    """Each check fails on some perturbed witness of one body, so each branch of the kernel is compared."""
    K = F.random_halfspaces(8, 4, 0)
    r = vb.capacity(K, method="haim_kislev")
    failed = set()
    for label, orbit, value in _perturbed(r.orbit, r.value, K, np.random.default_rng(1)):
        _assert_same_findings(K, orbit, value, label)
        cc = _findings(K, orbit, value)[1]
        failed |= {name for name in ("outside_i", "start_i", "end_i", "against_i", "leaves_i")
                   if getattr(cc, name) >= 0}
        failed |= {name for name in ("action_bad", "times_bad") if getattr(cc, name)}
    assert failed == {"outside_i", "start_i", "end_i", "against_i", "leaves_i", "action_bad", "times_bad"}


@pytestmark_native
@pytest.mark.smoke
@pytest.mark.parametrize("bad, fragment", [
    (lambda a: {**a, "X": a["X"][:1]}, "k >= 2"),
    (lambda a: {**a, "centre": np.zeros(3)}, "centre must have shape"),
    (lambda a: {**a, "abs_S": np.ones((3, 3))}, "abs_S must be"),
    (lambda a: {**a, "codes": np.array([[9, 0, 0, 0]])}, "unknown factor kind"),
    (lambda a: {**a, "codes": np.array([[0, 0, 5, 0]]), "data": np.zeros(6, np.longdouble)}, "reads outside data"),
    (lambda a: {**a, "N": a["N"][:, :3]}, "N has shape"),
    (lambda a: {**a, "w": a["w"][:-1]}, "m >= 1 rows"),
    (lambda a: {**a, "facets": np.array([0, 99, 1])}, "facet index"),
    (lambda a: {**a, "facets": np.array([0.5, 1, 2])}, "facet index"),
    (lambda a: {**a, "X": np.full((3, 4), np.nan)}, "non-finite"),
    (lambda a: {**a, "size": float("inf")}, "size is not finite"),
])
def test_malformed_arguments_are_a_native_input_error(bad, fragment):
    K = F.cube()
    args = {"X": np.zeros((3, 4)), "centre": np.zeros(4), "exponent": 0, "codes": np.zeros((0, 4), np.int64),
            "data": np.zeros(0, np.longdouble), "abs_S": np.zeros((0, 0)), "N": K.normals_np, "H": K.offsets_np,
            "w": K.widths(), "facets": np.array([0, 1, 2]), "size": 1.0, "value": 1.0, "tol": 1e-9}
    with pytest.raises(NativeInputError, match=fragment):
        native.verify_orbit_checks(**bad(args))
