"""Transition matrices, c_F constants and the 4-state lift tracker (reeb-dynamics-4d.md §3–§4)."""

import math

import numpy as np
import pytest

from viterbo import families
from viterbo.capacity.reeb.flow_graph import build_flow_graph
from viterbo.capacity.reeb.rotation import (HALF, INT, NE, PE, c_F_constant, classify, exceeds_cap,
                                            rho_from_code, step_code)

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def graph():
    return build_flow_graph(families.random_hull(20, 4, 0))


def test_edge_maps_are_psi_of_the_target(graph):
    assert graph.max_psi_error <= 1e-9
    for e in range(graph.n_edges):
        np.testing.assert_allclose(graph.edge_A[e], graph.face_psi[graph.edge_dst[e]], atol=1e-9)


def test_psi_is_positive_elliptic_with_rotation_angle_over_2pi(graph):
    N = graph.N
    for f in range(graph.n_faces):
        psi = graph.face_psi[f]
        assert np.linalg.det(psi) == pytest.approx(1.0, abs=1e-10)
        e_from, e_to = graph.face_facets[f]
        phi = math.acos(float(np.clip(N[e_from] @ N[e_to], -1, 1)))
        assert np.trace(psi) == pytest.approx(2 * math.cos(phi), abs=1e-10)
        assert psi[1, 0] > 0 and classify(psi) == PE
        assert rho_from_code(PE, psi) == pytest.approx(phi / (2 * math.pi), abs=1e-10)


def test_c_F_is_the_minimal_ray_rotation(graph):
    th = np.linspace(0.0, math.pi, 100001)
    v = np.stack([np.cos(th), np.sin(th)])
    for f in range(0, graph.n_faces, 5):
        psi = graph.face_psi[f]
        w = psi @ v
        ang = np.mod(np.arctan2(v[0] * w[1] - v[1] * w[0], (v * w).sum(0)), 2 * math.pi)
        brute = ang.min() / (2 * math.pi)
        c = graph.face_cF[f]
        assert c <= brute + 1e-12  # never larger: a larger c_F could over-prune
        assert c == pytest.approx(brute, abs=1e-6)
        phi = math.acos(0.5 * np.trace(psi))
        curv = graph.face_symplecticity[f] * phi / (2 * math.pi)
        assert curv - 1e-12 <= c <= phi / (2 * math.pi) + 1e-12


def test_c_F_of_24_cell():
    g = build_flow_graph(families.cell24())
    assert g.face_cF.min() == pytest.approx(0.1024, abs=1e-4)
    assert c_F_constant(np.array([[0.0, -1.0], [1.0, 1.0]])) == pytest.approx(0.10241638, abs=1e-7)


def test_state_machine_tracks_a_full_turn():
    # Rotation by 2 pi / 7 seven times: rho goes 1/7, 2/7, 3/7, 4/7, ... up to exactly 1.
    t = 2 * math.pi / 7
    R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    A = np.eye(2)
    code = 0
    seen = []
    for k in range(1, 8):
        A = R @ A
        code, impossible = step_code(code, A)
        assert not impossible
        seen.append(code)
        assert rho_from_code(code, A) == pytest.approx(k / 7, abs=1e-9)
    assert seen[:3] == [PE] * 3 and seen[3:6] == [NE] * 3 and seen[6] == 4 + INT


def test_half_turn_and_caps():
    A = -np.eye(2)
    code, impossible = step_code(PE, A)
    assert code == HALF and not impossible and rho_from_code(code, A) == 0.5
    assert exceeds_cap(4 * 2 + PE, 2.0) and not exceeds_cap(4 * 2 + INT, 2.0)
    assert exceeds_cap(4 * 1 + NE, 1.5) and not exceeds_cap(4 * 1 + HALF, 1.5)
