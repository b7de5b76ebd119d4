"""Property tests (hypothesis) of the geometry core."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import viterbo as vb

pytestmark = pytest.mark.smoke

seeds = st.integers(min_value=0, max_value=2**31 - 1)


def _random_points(seed: int, n: int = 12, d: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@given(seeds)
def test_v_to_h_to_v_round_trip(seed):
    K = vb.Polytope.from_vertices(_random_points(seed))
    L = vb.Polytope.from_halfspaces(K.normals, K.offsets)
    assert K.equals(L, tol=1e-8)
    assert L.n_facets == K.n_facets


@given(seeds, st.floats(min_value=0.1, max_value=10.0))
def test_volume_scales_like_t_to_the_d(seed, t):
    K = vb.Polytope.from_vertices(_random_points(seed))
    assert K.scale(t).volume() == pytest.approx(t**4 * K.volume(), rel=1e-9)
    assert vb.Polytope.from_vertices(t * _random_points(seed)).volume() == pytest.approx(t**4 * K.volume(), rel=1e-9)


@given(seeds, st.integers(min_value=0, max_value=1000))
def test_symplectic_maps_preserve_volume(seed, mseed):
    K = vb.Polytope.from_vertices(_random_points(seed))
    M = vb.random_symplectic_matrix(2, seed=mseed)
    assert K.transform(M).volume() == pytest.approx(K.volume(), rel=1e-8)


@given(seeds, st.lists(st.floats(min_value=-5, max_value=5), min_size=4, max_size=4))
def test_translation_invariance(seed, v):
    K = vb.Polytope.from_vertices(_random_points(seed))
    L = K.translate(v)
    assert L.volume() == pytest.approx(K.volume(), rel=1e-9)
    assert L.n_facets == K.n_facets
    assert np.allclose(L.normals_np, K.normals_np)
    assert L.equals(vb.Polytope.from_vertices(_random_points(seed) + np.asarray(v)), tol=1e-8)
