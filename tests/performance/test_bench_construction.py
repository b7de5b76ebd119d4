"""Benchmarks of construction, verify() and import (issue 13): what users wait for around the kernels.

Run: pytest tests/performance -m "smoke or deep" --benchmark-enable -k construction
Groups: "from_vertices scaling" (10^2..10^5 Gaussian points in R^4: near-linear growth),
"products", "from_halfspaces", "verify", "import".
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import viterbo as vb
from viterbo import families


@pytest.mark.parametrize("k", [pytest.param(k, marks=pytest.mark.smoke) for k in (100, 1000, 8000)]
                         + [pytest.param(100_000, marks=pytest.mark.deep)])
def test_bench_from_vertices_scaling(record, k):
    P = np.random.default_rng(0).normal(size=(k, 4))
    bench = record(points=k)
    bench.group = "from_vertices scaling"
    K = bench(vb.Polytope.from_vertices, P)
    assert K.n_vertices <= k and np.isin(K.vertices_np, P).all()


@pytest.mark.smoke
def test_bench_80gon_product(record):
    t = 2 * np.pi * np.arange(80) / 80
    G = np.stack([np.cos(t), np.sin(t)], axis=1)
    bench = record(polytope="80-gon x 80-gon")
    bench.group = "products"
    K = bench(families.lagrangian_product, G, G)
    assert (K.n_facets, K.n_vertices) == (160, 6400)


@pytest.mark.deep
def test_bench_from_halfspaces_2000(record):
    N = np.random.default_rng(0).normal(size=(2000, 4))
    N /= np.linalg.norm(N, axis=1, keepdims=True)
    bench = record(halfspaces=2000)
    bench.group = "from_halfspaces"
    K = bench.pedantic(vb.Polytope.from_halfspaces, args=(N, np.ones(2000)), rounds=3)
    assert K.n_facets == 2000


@pytest.mark.smoke
@pytest.mark.parametrize("segments", [4, 20])
def test_bench_verify(record, segments):
    """verify() on a witness of ``segments`` segments (the boundary of a regular polygon factor)."""
    small = families.regular_polygon(segments, radius=0.5)
    K = families.symplectic_product(small, families.regular_polygon(4, radius=2.0))
    r = vb.capacity(K, method="split_product")
    assert r.orbit.n_segments == segments
    r.verify()  # the normal form of K is computed once and cached
    bench = record(segments=segments)
    bench.group = "verify"
    assert bench(r.verify)


@pytest.mark.smoke
def test_bench_import(record):
    bench = record()
    bench.group = "import"
    code = "import viterbo"
    bench.pedantic(subprocess.run, args=([sys.executable, "-c", code],), kwargs={"check": True}, rounds=3)
