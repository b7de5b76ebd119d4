"""Benchmarks of the geometry core: H/V conversion and the polygon kernel.

Run: pytest tests/performance -m "smoke or deep" --benchmark-enable --benchmark-autosave
"""

import numpy as np
import pytest

import viterbo as vb
from viterbo import families
from viterbo.geometry import polygon

pytestmark = pytest.mark.smoke

INPUTS = {
    "cell24": lambda: families.cell24(),
    "random_hull_20": lambda: families.random_hull(20, 4, seed=0),
    "random_hull_200": lambda: families.random_hull(200, 4, seed=0),
}


@pytest.mark.parametrize("name", list(INPUTS))
def test_bench_vertices_to_halfspaces(record, name):
    K = INPUTS[name]()
    pts = K.vertices_np.copy()
    bench = record(polytope=name, facets=K.n_facets, vertices=K.n_vertices)
    bench.group = "vertices->halfspaces"
    L = bench(vb.Polytope.from_vertices, pts)
    assert L.n_facets == K.n_facets


@pytest.mark.parametrize("name", list(INPUTS))
def test_bench_halfspaces_to_vertices(record, name):
    K = INPUTS[name]()
    N, H = K.normals_np.copy(), K.offsets_np.copy()
    bench = record(polytope=name, facets=K.n_facets, vertices=K.n_vertices)
    bench.group = "halfspaces->vertices"
    L = bench(vb.Polytope.from_halfspaces, N, H)
    assert L.n_vertices == K.n_vertices


def _clip_workload(n: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        k = int(rng.integers(3, 10))
        ang = np.sort(rng.uniform(0, 2 * np.pi, size=k))
        poly = np.stack([np.cos(ang), np.sin(ang)], axis=1)
        A = rng.normal(size=(4, 2))
        b = rng.uniform(0.0, 0.8, size=4)
        cases.append((poly, A, b))
    return cases


@pytest.mark.parametrize("path", ["native", "python"])
def test_bench_polygon_clip(record, path):
    if path == "native" and not vb.native_available():
        pytest.skip("compiled extension not in use")
    cases = _clip_workload()
    func = polygon.clip_polygon if path == "native" else polygon.clip_polygon_reference

    def run():
        return sum(func(p, A, b, 1e-12).shape[0] for p, A, b in cases)

    bench = record(kernel="clip_polygon", path=path, cases=len(cases))
    bench.group = "polygon clip (2000 polygons x 4 half-planes)"
    assert bench(run) > 0
