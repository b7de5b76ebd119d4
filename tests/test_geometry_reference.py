"""Reference facts about the built-in polytopes (design.md, issue 2)."""

import math

import numpy as np
import pytest
import torch

import viterbo as vb
from viterbo import families

pytestmark = pytest.mark.smoke

REFERENCE = [
    # name, facets, vertices, volume
    ("cube", 8, 16, 16.0),
    ("cross_polytope", 16, 8, 2.0 / 3.0),
    ("cell24", 24, 24, 2.0),
    ("simplex", 5, 5, 1.0 / 24.0),
    ("pentagon_counterexample", 10, 25, (2.5 * math.sin(math.radians(72))) ** 2),
    ("triangle_x_triangle", 6, 9, (3 * math.sqrt(3) / 4) ** 2),
]


@pytest.mark.parametrize("name, facets, vertices, volume", REFERENCE, ids=[r[0] for r in REFERENCE])
def test_family_counts_and_volume(name, facets, vertices, volume):
    K = families.by_name(name)
    assert K.dim == 4
    assert K.n_facets == facets
    assert K.n_vertices == vertices
    assert K.volume() == pytest.approx(volume, rel=1e-12)


def test_pentagon_volume_matches_closed_form():
    assert families.pentagon_counterexample().volume() == pytest.approx(5.653178, abs=5e-7)


@pytest.mark.parametrize("name", [r[0] for r in REFERENCE])
def test_normals_unit_and_outward(name):
    K = families.by_name(name)
    N = K.normals_np
    assert np.allclose(np.linalg.norm(N, axis=1), 1.0, atol=1e-14)
    centre = K.interior_point().numpy()
    assert np.all(K.offsets_np - N @ centre > 0)
    # Every vertex satisfies every inequality, with equality on its facets.
    slack = K.vertices_np @ N.T - K.offsets_np
    assert slack.max() <= 1e-12
    assert K.incidence().sum(dim=1).min() >= K.dim  # each facet has >= d vertices


def test_cube_faces():
    K = families.cube(4)
    assert len(K.two_faces()) == 24  # pairs of non-opposite facets
    assert len(K.edges()) == 32
    # A 2-face of the cube is a square: 4 vertices in cyclic order.
    for face in K.two_faces():
        pts = K.vertices_np[list(face.vertices)]
        assert len(face.vertices) == 4
        sides = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
        assert np.allclose(sides, 2.0)


def test_cell24_faces():
    K = families.cell24()
    faces = K.two_faces()
    assert len(faces) == 96 and all(len(f.vertices) == 3 for f in faces)
    assert len(K.edges()) == 96
    assert vb.is_symplectic_polytope(K)


def test_lagrangian_two_faces_of_products():
    cube = families.cube(4)
    assert len(vb.lagrangian_two_faces(cube)) == 16
    assert not vb.is_symplectic_polytope(cube)
    # Lagrangian products always have Lagrangian 2-faces ({vertex} x T).
    assert len(vb.lagrangian_two_faces(families.pentagon_counterexample())) == 15
    assert len(vb.lagrangian_two_faces(families.simplex(4))) == 4
    assert vb.is_symplectic_polytope(families.cross_polytope(4))


def test_chebyshev_centre_and_inradius():
    K = families.cube(4).translate([1.0, 2.0, 3.0, 4.0])
    assert torch.allclose(K.interior_point(), torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64), atol=1e-9)
    assert K.inradius() == pytest.approx(1.0)


def test_support_and_contains():
    K = families.cross_polytope(4)
    assert float(K.support([1.0, 1.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert float(K.support([0.0, 0.0, 0.0, -2.0])) == pytest.approx(2.0)
    inside = K.contains(torch.tensor([[0.2, 0.2, 0.2, 0.2], [0.3, 0.3, 0.3, 0.3]], dtype=torch.float64))
    assert inside.tolist() == [True, False]


def test_transform_maps_normals_by_inverse_transpose():
    K = families.random_hull(12, 4, seed=3)
    M = vb.random_symplectic_matrix(2, seed=1)
    L = K.transform(M)
    assert L.volume() == pytest.approx(K.volume(), rel=1e-9)  # det M = 1
    # Each image vertex lies on as many facets as before: incidence is preserved.
    assert L.n_facets == K.n_facets and L.n_vertices == K.n_vertices
    assert (L.vertices_np @ L.normals_np.T - L.offsets_np).max() <= 1e-10


def test_symplectic_tools():
    j0 = vb.J0(4)
    assert torch.equal(j0 @ j0, -torch.eye(4, dtype=torch.float64))
    assert vb.is_symplectic_matrix(j0)
    assert not vb.is_symplectic_matrix(2 * torch.eye(4, dtype=torch.float64))
    M = vb.random_symplectic_matrix(2, seed=7)
    assert vb.is_symplectic_matrix(M)
    assert torch.equal(M, vb.random_symplectic_matrix(2, seed=7))
    assert not torch.equal(M, vb.random_symplectic_matrix(2, seed=8))
    # omega(x, y) = <J x, y> with J = -J0.
    x, y = torch.randn(4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    assert float(vb.omega(x, y)) == pytest.approx(float((vb.J(4) @ x) @ y))


def test_lagrangian_and_symplectic_products():
    tri = families.regular_polygon(3)
    sq = families.regular_polygon(4)
    L = families.lagrangian_product(tri, sq)
    assert L.structure["kind"] == "lagrangian_product"
    assert L.n_vertices == 12 and L.n_facets == 7
    assert L.volume() == pytest.approx(tri.volume() * sq.volume())
    S = families.symplectic_product(tri, sq)
    assert S.structure["kind"] == "symplectic_product"
    assert S.volume() == pytest.approx(tri.volume() * sq.volume())
    # The split product's (q1, p1) projection is the first factor.
    proj = S.vertices_np[:, [0, 2]]
    assert vb.Polytope.from_vertices(proj).equals(tri)


def test_random_families_are_seeded():
    assert families.random_hull(20, 4, seed=5).equals(families.random_hull(20, 4, seed=5))
    assert not families.random_hull(20, 4, seed=5).equals(families.random_hull(20, 4, seed=6))
    for m in (5, 8, 12):
        assert families.random_halfspaces(m, 4, seed=2).n_facets == m


def test_equality_hash_pickle_and_repr():
    import pickle

    K = families.cell24()
    L = pickle.loads(pickle.dumps(K))
    assert K == L and hash(K) == hash(L)
    assert repr(K) == "<Polytope 'cell24' dim=4 facets=24 vertices=24>"
    assert vb.Polytope.from_dict(K.to_dict()) == K
    assert K != families.cross_polytope(4)


def test_polytope_is_immutable():
    K = families.cube(4)
    with pytest.raises(ValueError):
        K.vertices_np[0, 0] = 5.0
    v = K.vertices
    v[0, 0] = 5.0  # a copy: the polytope is unchanged
    assert float(K.vertices[0, 0]) != 5.0


def test_device_follows_input():
    pts = torch.tensor(families.cube(4).vertices_np)
    K = vb.Polytope.from_vertices(pts)
    assert K.vertices.device == pts.device and K.vertices.dtype == torch.float64


def test_redundant_points_and_halfspaces_removed():
    cube = families.cube(4)
    extra = np.concatenate([cube.vertices_np, np.zeros((3, 4)), cube.vertices_np[:4] * 0.5])
    assert vb.Polytope.from_vertices(extra).n_vertices == 16
    B = np.concatenate([np.eye(4), -np.eye(4), [[1.0, 1.0, 0.0, 0.0]]])
    c = np.concatenate([np.ones(8), [5.0]])  # the last halfspace is redundant
    K = vb.Polytope.from_halfspaces(B, c)
    assert K.n_facets == 8 and K == cube


def test_points_on_a_facet_interior_are_not_vertices():
    # A point in the middle of a cube's facet must not survive as a vertex.
    cube = families.cube(4)
    pts = np.concatenate([cube.vertices_np, [[1.0, 0.0, 0.0, 0.0]]])
    K = vb.Polytope.from_vertices(pts)
    assert K.n_vertices == 16 and K.n_facets == 8


@pytest.mark.parametrize("K", [families.cell24(), families.random_hull(20, 4, seed=1), families.cube(4)],
                         ids=["cell24", "random_hull", "cube"])
def test_ridge_pairs_are_the_two_faces_without_ordering(K):
    pairs, verts = K.ridge_pairs()
    faces = K.two_faces()
    assert [tuple(p) for p in pairs.tolist()] == [f.facets for f in faces]
    assert [v.tolist() for v in verts] == [sorted(f.vertices) for f in faces]


def test_ridges_in_other_dimensions():
    assert len(families.cube(3).ridges()) == 12  # the edges of the 3-cube
    assert len(families.cube(5).ridges()) == 40  # the 2-faces (squares) of the 5-cube: C(5,2) * 4
