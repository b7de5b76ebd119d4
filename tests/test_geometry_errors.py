"""Bad input gets a clear error at the door (issue 2)."""

import numpy as np
import pytest

import viterbo as vb
from viterbo import families

pytestmark = pytest.mark.smoke


def test_nan_points():
    pts = families.cube(4).vertices_np.copy()
    pts[3, 1] = np.nan
    with pytest.raises(vb.PolytopeError, match="NaN or infinite"):
        vb.Polytope.from_vertices(pts)


def test_inf_halfspaces():
    with pytest.raises(vb.PolytopeError, match="NaN or infinite"):
        vb.Polytope.from_halfspaces(np.eye(3), [1.0, np.inf, 1.0])


def test_wrong_shape_points():
    with pytest.raises(vb.PolytopeError, match=r"shape \(k, d\)"):
        vb.Polytope.from_vertices([1.0, 2.0, 3.0])


def test_mismatched_halfspace_shapes():
    with pytest.raises(vb.PolytopeError, match=r"B has shape \(6, 4\) but c has shape \(5,\)"):
        vb.Polytope.from_halfspaces(np.ones((6, 4)), np.ones(5))


def test_not_numbers():
    with pytest.raises(vb.PolytopeError, match="array of real numbers"):
        vb.Polytope.from_vertices([["a", "b"], ["c", "d"], ["e", "f"]])


def test_too_few_points():
    with pytest.raises(vb.PolytopeError, match="at least 5 affinely independent points"):
        vb.Polytope.from_vertices(np.eye(4))


def test_points_in_a_hyperplane():
    pts = np.random.default_rng(0).normal(size=(10, 4))
    pts[:, 3] = 2.0
    with pytest.raises(vb.PolytopeError, match="lie in a hyperplane"):
        vb.Polytope.from_vertices(pts)


def test_unbounded_halfspaces():
    B = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(vb.PolytopeError, match="unbounded"):
        vb.Polytope.from_halfspaces(B, np.ones(3))


def test_infeasible_halfspaces():
    B = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    with pytest.raises(vb.PolytopeError, match="infeasible"):
        vb.Polytope.from_halfspaces(B, np.array([-1.0, -1.0, 1.0, 1.0]))


def test_flat_halfspace_system():
    B = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    with pytest.raises(vb.PolytopeError, match="without interior"):
        vb.Polytope.from_halfspaces(B, np.array([1.0, 1.0, 0.0, 0.0]))


def test_odd_dimension_for_capacity():
    K = families.cube(3)
    with pytest.raises(vb.DimensionError, match="even dimension"):
        vb.capacity(K)


def test_odd_dimension_for_symplectic_tools():
    with pytest.raises(vb.DimensionError, match="not even"):
        vb.J0(3)
    with pytest.raises(vb.DimensionError, match="R\\^4"):
        families.cube(3).two_faces()


def test_errors_are_value_errors_too():
    assert issubclass(vb.PolytopeError, ValueError)
    assert issubclass(vb.PolytopeError, vb.ViterboError)
    assert issubclass(vb.MethodNotApplicableError, vb.ViterboError)
    assert issubclass(vb.TimeBudgetExceededError, vb.ViterboError)


def test_unknown_method_lists_valid_ones():
    with pytest.raises(vb.MethodNotApplicableError, match='"auto"'):
        vb.capacity(families.regular_polygon(4), method="nonsense")


def test_constructor_is_guarded():
    with pytest.raises(TypeError, match="from_vertices"):
        vb.Polytope(np.eye(2), np.eye(2), np.ones(2))
