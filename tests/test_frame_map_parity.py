"""The compiled maps to and from the normal form (viterbo._native.symplectic_map) are the numpy ones, bit for bit.

Frame.to_frame / Frame.from_frame run the compiled kernel when the extension is in use; the numpy lines
(SymplecticMap.apply / apply_inverse, factor by factor in long double) are the reference.  Witnesses
returned by capacity() are mapped back through it, so any difference would change a returned orbit.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import viterbo as vb
from viterbo.errors import NativeInputError
from viterbo.geometry import families as F

frame_module = importlib.import_module("viterbo.geometry._frame")
native = pytest.importorskip("viterbo._native") if vb.native_available() else None
pytestmark = pytest.mark.skipif(native is None, reason="compiled extension not in use")
LD = np.longdouble


def _to_frame_numpy(frame, X):
    Y = np.asarray(X, dtype=np.float64).astype(LD) - frame.centre.astype(LD)
    if frame.S is not None:
        Y = frame.S.apply(Y)
    return np.asarray(np.ldexp(Y, -frame.exponent), dtype=np.float64)


def _from_frame_numpy(frame, Xf):
    Y = np.ldexp(np.asarray(Xf, dtype=LD), frame.exponent)
    if frame.S is not None:
        Y = frame.S.apply_inverse(Y)
    return np.asarray(Y + frame.centre.astype(LD), dtype=np.float64)


def _bodies(seeds):
    for seed in seeds:
        yield F.random_halfspaces(8 + seed % 5, 4, seed)
        yield F.symplectic_image(F.random_hull(10, 4, seed), seed=seed, scale=3.0)
        yield F.symplectic_image(F.random_hull(12, 6, seed), seed=seed, scale=2.0)
        yield F.symplectic_image(F.regular_polygon(5 + seed % 4), seed=seed, scale=4.0)
    yield F.symplectic_image(F.cube(), seed=1, scale=1e3)  # a far-from-round image: many factors


def _check(bodies, rng):
    kinds = set()
    for K in bodies:
        frame = K._normal_form("symplectic")[0]
        if frame.S is not None:
            kinds |= {f[0] for f in frame.S.factors}
        for X in (K.vertices_np, K.vertices_np * (1 + 1e-3 * rng.standard_normal(K.vertices_np.shape)),
                  1e6 * rng.standard_normal((3, K.dim))):
            Xf = frame.to_frame(X)
            assert np.array_equal(Xf, _to_frame_numpy(frame, X), equal_nan=True), K.name
            assert np.array_equal(frame.from_frame(Xf), _from_frame_numpy(frame, Xf), equal_nan=True), K.name
    return kinds


@pytest.mark.smoke
def test_compiled_frame_maps_equal_numpy_bit_for_bit():
    kinds = _check(list(_bodies(range(6))), np.random.default_rng(0))
    assert kinds == {"up", "low", "col", "diag", "signs", "perm", "turn"}, kinds  # every factor kind compared


@pytest.mark.deep
def test_deep_compiled_frame_maps_equal_numpy_bit_for_bit():
    _check(list(_bodies(range(6, 60))), np.random.default_rng(1))


@pytest.mark.smoke
def test_non_finite_points_take_the_numpy_path():
    frame = F.symplectic_image(F.random_hull(10, 4, 0), seed=0, scale=3.0)._normal_form("symplectic")[0]
    X = np.array([[np.nan, 0.0, 1.0, np.inf], [0.0, 0.0, 0.0, 0.0]])
    with np.errstate(invalid="ignore"):
        assert np.array_equal(frame.to_frame(X), _to_frame_numpy(frame, X), equal_nan=True)


@pytest.mark.smoke
@pytest.mark.parametrize("change, fragment", [
    ({"codes": np.array([[7, 0, 0, 0]])}, "unknown factor kind"),
    ({"codes": np.array([[2, 5, 0, 0]])}, "reads outside data"),
    ({"codes": np.array([[5, 0, 0, 2]]), "data": np.array([0, 1, 3, 0], dtype=LD)}, "permutation entry"),
    ({"direction": 2}, "direction is 0 or 1"),
    ({"centre": np.zeros(3)}, "centre must have shape"),
    ({"X": np.zeros((2, 3))}, "shape \\(k, 2n\\)"),
])
def test_malformed_programs_are_a_native_input_error(change, fragment):
    args = {"X": np.zeros((2, 4)), "centre": np.zeros(4), "exponent": 0, "codes": np.zeros((0, 4), np.int64),
            "data": np.zeros(4, dtype=LD), "direction": 0, **change}
    with pytest.raises(NativeInputError, match=fragment):
        native.symplectic_map(**args)
