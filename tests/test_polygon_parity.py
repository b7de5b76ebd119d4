"""The compiled polygon kernel agrees with the pure-Python reference (issue 2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viterbo as vb
from viterbo.geometry import polygon

pytestmark = pytest.mark.smoke

native = pytest.mark.skipif(not vb.native_available(), reason="compiled extension not in use")


def _convex_polygon(rng: np.random.Generator) -> np.ndarray:
    k = int(rng.integers(3, 12))
    angles = np.sort(rng.uniform(0, 2 * np.pi, size=k))
    radii = rng.uniform(0.5, 2.0)
    pts = radii * np.stack([np.cos(angles), np.sin(angles)], axis=1) + rng.normal(size=2)
    return pts  # points on a circle in angular order: convex, counter-clockwise


@native
@settings(max_examples=2000)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_clip_parity(seed):
    rng = np.random.default_rng(seed)
    poly = _convex_polygon(rng)
    h = int(rng.integers(1, 6))
    A = rng.normal(size=(h, 2))
    b = A @ poly.mean(axis=0) + rng.normal(scale=0.7, size=h)
    eps = 1e-12
    fast = polygon.clip_polygon(poly, A, b, eps)
    ref = polygon.clip_polygon_reference(poly, A, b, eps)
    assert fast.shape == ref.shape
    assert np.allclose(fast, ref, rtol=0, atol=1e-12)


@native
@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_affine_image_and_area_parity(seed):
    rng = np.random.default_rng(seed)
    poly = _convex_polygon(rng)
    M = rng.normal(size=(2, 2))
    t = rng.normal(size=2)
    fast = polygon.affine_image(poly, M, t)
    ref = polygon.affine_image_reference(poly, M, t)
    assert np.allclose(fast, ref, atol=1e-13)
    # Counter-clockwise after the map, and the area scales by |det M|.
    assert polygon.polygon_area(fast) == pytest.approx(abs(np.linalg.det(M)) * polygon.polygon_area(poly), rel=1e-9)
    assert polygon.polygon_area(fast) == pytest.approx(polygon.polygon_area_reference(fast), rel=1e-12)


def test_clip_semantics_reference():
    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    half = polygon.clip_polygon_reference(square, [[1.0, 0.0]], [0.5])
    assert polygon.polygon_area_reference(half) == pytest.approx(0.5)
    assert polygon.clip_polygon_reference(square, [[1.0, 0.0]], [-0.1]).shape == (0, 2)
    whole = polygon.clip_polygon_reference(square, [[1.0, 1.0]], [5.0])
    assert np.allclose(whole, square)
    # A triangle cut by two half-planes: area of the remaining quadrilateral.
    tri = polygon.clip_polygon_reference([[0, 0], [2, 0], [0, 2]], [[-1.0, 0.0], [0.0, -1.0]], [-0.5, -0.5])
    assert polygon.polygon_area_reference(tri) == pytest.approx(0.5)


def test_pure_python_switch(monkeypatch):
    monkeypatch.setenv("VITERBO_PURE_PYTHON", "1")
    assert not vb.native_available()
    out = polygon.clip_polygon([[0, 0], [1, 0], [0, 1]], [[1.0, 0.0]], [0.5])
    assert polygon.polygon_area(out) == pytest.approx(0.375)
    from viterbo._native_support import require_native

    with pytest.raises(vb.NativeExtensionError, match="VITERBO_PURE_PYTHON=1"):
        require_native("the test")


def test_missing_extension_gives_clear_message(monkeypatch):
    import viterbo._native_support as ns

    monkeypatch.setattr(ns, "_NATIVE_MODULE", None)
    monkeypatch.setattr(ns, "_IMPORT_ERROR", "No module named 'viterbo._native'")
    monkeypatch.delenv("VITERBO_PURE_PYTHON", raising=False)
    assert not vb.native_available()
    with pytest.raises(vb.NativeExtensionError, match="failed to import .*Reinstall with a C\\+\\+17 compiler"):
        ns.require_native("the test")
    # The geometry still works through the reference path.
    out = polygon.clip_polygon([[0, 0], [1, 0], [0, 1]], [[1.0, 0.0]], [0.5])
    assert out.shape[0] == 4
