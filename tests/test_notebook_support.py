"""viterbo.notebook_support: the data behind the notebooks."""

import math

import numpy as np
import pytest

import viterbo as vb
from viterbo import notebook_support as nbs

pytestmark = pytest.mark.smoke


def test_parse_points_text_formats():
    expected = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    assert nbs.parse_points_text("1, 0\n0 1\n# note\n\n-1;-1\n").tolist() == expected
    assert nbs.parse_points_text("[[1, 0], [0, 1], [-1, -1]]").tolist() == expected
    assert nbs.parse_points_text('{"vertices": [[1, 0], [0, 1], [-1, -1]]}').tolist() == expected


@pytest.mark.parametrize("text, message", [
    ("", "no points given"),
    ("# only a comment", "every line is empty or a comment"),
    ("1, 0\n1, 2, 3", "line 2 has 3 coordinates but line 1 has 2"),
    ("1, a\n0, 1", "line 1, coordinate 2 is 'a', not a number"),
    ("[[1, 0], 3]", "JSON points must be a list of lists"),
    ('{"normals": []}', "JSON points must be a list of lists"),
    ("[[1, 0],", "not valid"),
])
def test_parse_points_text_errors(text, message):
    with pytest.raises(vb.PolytopeError, match=message):
        nbs.parse_points_text(text)


def test_polytope_from_text_is_the_hull():
    K = nbs.polytope_from_text("0,0\n2,0\n2,2\n0,2\n1,1", name="sq")
    assert K.name == "sq" and K.n_vertices == 4 and K.volume() == pytest.approx(4.0)


def test_build_polytope_families_and_symplectic_image():
    for label, name in nbs.FAMILY_CHOICES.items():
        K = nbs.build_polytope(name, n_points=12, seed=2)
        assert K.dim == 4, label
    hull = nbs.build_polytope("random_hull", n_points=12, seed=2)
    assert hull.name == "random_hull:12:2" and hull.equals(vb.families.random_hull(12, 4, 2))
    moved = nbs.build_polytope("cross_polytope", symplectic_seed=3)
    assert moved.name == "symplectic_image:cross_polytope:3" and moved.volume() == pytest.approx(2 / 3)
    assert not moved.equals(vb.families.cross_polytope())


def test_polytope_summary_cube():
    info = nbs.polytope_summary(vb.families.cube())
    assert info["facets"] == 8 and info["vertices"] == 16 and info["volume"] == pytest.approx(16.0)
    assert info["centrally symmetric"] is True and info["symplectic polytope"] is False
    assert info["Lagrangian 2-faces"] == len(vb.lagrangian_two_faces(vb.families.cube())) > 0


def test_method_table_and_levers():
    rows = nbs.method_table(vb.families.regular_polygon(5))
    area = next(r for r in rows if r["method"] == "area")
    assert area["applies"] and area["auto"] and area["why not"] == ""
    cube_area = next(r for r in nbs.method_table(vb.families.cube()) if r["method"] == "area")
    assert not cube_area["applies"] and "R^2 only" in cube_area["why not"]
    name, kept = nbs.method_levers(vb.families.regular_polygon(5), "auto", {"use_memo": True})
    assert name == "area" and kept == {}
    with pytest.raises(vb.MethodNotApplicableError, match='capacity\\(method="area"\\): "area" applies in R'):
        nbs.method_levers(vb.families.cube(), "area", {})


def test_orbit_and_vertex_frames():
    K = nbs.rotated_pentagon_product(math.pi / 2)
    assert K.equals(vb.families.pentagon_counterexample())
    verts = nbs.vertex_frame(K)
    assert list(verts.columns) == ["q1", "q2", "p1", "p2"] and len(verts) == 25
    orbit = vb.Orbit(vb.families.cube().vertices[[0, 1, 3]], (0, 1, 2))
    frame = nbs.orbit_frame(orbit)
    assert len(frame) == 4 and list(frame["step"]) == [0, 1, 2, 3]
    assert np.allclose(frame.iloc[0][["q1", "q2", "p1", "p2"]], frame.iloc[-1][["q1", "q2", "p1", "p2"]])
    assert list(frame["facet"]) == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="need R\\^4"):
        nbs.orbit_frame(vb.capacity(vb.families.regular_polygon(4)).orbit)


def test_counters_frame_kinds():
    frame = nbs.counters_frame({"nodes_expanded": 10, "pruned_memo": 3, "seconds": 0.1, "note": "x",
                                "degenerate": True})
    assert frame.to_dict("records") == [{"counter": "nodes_expanded", "count": 10, "kind": "search"},
                                        {"counter": "pruned_memo", "count": 3, "kind": "pruned"}]
    assert nbs.counters_frame({"seconds": 1.0}).empty


def test_spectrum_frame_cross_polytope():
    orbits = vb.spectrum(vb.families.cross_polytope())
    frame = nbs.spectrum_frame(orbits)
    assert len(frame) == len(orbits) > 0
    actions = list(frame["action"])
    assert all(b >= a - 1e-9 for a, b in zip(actions, actions[1:]))  # sorted by action, ties in any order
    assert frame["action"].iloc[0] == pytest.approx(1.0)


def test_systolic_ratio_curve_hits_the_counterexample():
    curve = nbs.systolic_ratio_curve([0.0, 18.0])
    assert list(curve["angle_deg"]) == [0.0, 18.0]
    assert curve["systolic_ratio"].iloc[1] == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert curve["systolic_ratio"].iloc[0] <= curve["systolic_ratio"].iloc[1]
