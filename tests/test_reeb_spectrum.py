"""vb.spectrum: sorted Reeb orbits, A_1 = c_EHZ, A_2 <= 2 A_1, labelled iterates."""

import dataclasses

import pytest
import torch

import viterbo as vb
from viterbo import families

pytestmark = pytest.mark.smoke

POLYTOPES = {
    "cross_polytope": families.cross_polytope,
    "cell24": families.cell24,
    "random_hull_10_1": lambda: families.random_hull(10, 4, 1),
    "random_hull_12_5": lambda: families.random_hull(12, 4, 5),
    "random_halfspaces_7_3": lambda: families.random_halfspaces(7, 4, 3),
    "random_halfspaces_8_0": lambda: families.random_halfspaces(8, 4, 0),
}


@pytest.mark.parametrize("name", list(POLYTOPES))
def test_sorted_and_first_is_capacity(name):
    K = POLYTOPES[name]()
    c = vb.capacity(K, method="reeb").value
    S = vb.spectrum(K)
    assert S, "the minimiser must be listed"
    actions = [o.action for o in S]
    assert actions == sorted(actions) or max(abs(a - b) for a, b in zip(actions, sorted(actions))) <= 1e-12 * c
    assert S[0].action == pytest.approx(c, rel=1e-9)
    assert all(o.action <= 2.5 * c * (1 + 1e-12) for o in S)
    assert all(o.rotation <= 2.0 + 1e-12 for o in S)


@pytest.mark.parametrize("name", list(POLYTOPES))
def test_second_action_at_most_twice_the_first(name):
    """A_2 (least action with CZ = 5, rho in (2, 3)) <= 2 A_1 (CH Conj 1.24, 1.28)."""
    K = POLYTOPES[name]()
    S = vb.spectrum(K, rotation_cap=3.0)
    a1 = S[0].action
    a2 = [o.action for o in S if o.cz == 5]
    if a2:
        assert min(a2) <= 2 * a1 * (1 + 1e-9), f"A_2 = {min(a2)} > 2 A_1 = {2 * a1} on {name}"


def test_iterates_are_labelled():
    K = families.random_halfspaces(7, 4, 3)
    S = vb.spectrum(K, rotation_cap=3.0)
    simple = S[0]
    assert simple.simple and simple.multiplicity == 1 and simple.rotation == pytest.approx(1.5)
    doubles = [o for o in S if o.multiplicity == 2]
    assert doubles
    d = doubles[0]
    assert d.action == pytest.approx(2 * simple.action, rel=1e-12)
    assert d.rotation == pytest.approx(3.0)
    assert d.faces == simple.faces * 2 and d.breakpoints.shape == (2 * len(simple.faces), 4)
    assert not d.simple


def test_reeb_orbit_record():
    K = families.random_hull(10, 4, 1)
    o = vb.spectrum(K, max_orbits=1)[0]
    assert isinstance(o, vb.ReebOrbit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.action = 0.0
    assert isinstance(o.breakpoints, torch.Tensor) and o.breakpoints.shape[1] == 4
    assert len(o.facets) == len(o.faces) == o.breakpoints.shape[0]
    assert all(len(f) == 2 and f[0] < f[1] for f in o.faces)
    assert o.cz == 3 and not o.degenerate and o.verified and o.orbit_type == 1
    assert not hasattr(o, "certified")  # one meaning of "certified": the capacity's (reeb-certification.md §6)
    d = o.to_dict()
    assert set(d) >= {"action", "rotation", "cz", "degenerate", "faces", "facets", "breakpoints",
                      "multiplicity", "verified", "orbit_type"}
    # The breakpoints form a witness: reuse the capacity verifier.
    orbit = vb.Orbit(o.breakpoints, o.facets)
    from viterbo.capacity.result import verify_orbit
    assert verify_orbit(K, orbit, o.action) == []


def test_max_orbits_is_a_prefix():
    K = families.random_hull(10, 4, 1)
    full = vb.spectrum(K, rotation_cap=3.0)
    some = vb.spectrum(K, rotation_cap=3.0, max_orbits=3)
    assert [o.faces for o in some] == [o.faces for o in full[:3]]


def test_degenerate_orbits_have_no_cz():
    S = vb.spectrum(families.cell24())
    assert len(S) == 8  # eight twelve-cycles, all with action 2 (CH §2.4)
    assert all(o.degenerate and o.cz is None and o.rotation == 2.0 for o in S)
    assert all(o.action == pytest.approx(2.0, rel=1e-12) for o in S)


def test_lagrangian_input_refused():
    with pytest.raises(vb.MethodNotApplicableError, match="haim_kislev"):
        vb.spectrum(families.cube())


def test_spectrum_says_whether_it_is_complete():
    S = vb.spectrum(families.cross_polytope(), max_action=1.5)
    from viterbo.capacity.reeb import Spectrum
    assert isinstance(S, Spectrum) and isinstance(S, list)
    assert S.complete and S.reason is None and S.max_action == 1.5 and S.rotation_cap == 2.0


def test_type2_orbits_on_request():
    S1 = vb.spectrum(families.cell24())
    S2 = vb.spectrum(families.cell24(), include_type2=True)
    assert all(o.orbit_type == 1 for o in S1)
    extra = [o for o in S2 if o.orbit_type == 2]
    assert extra and all(o.cz is None and o.action == pytest.approx(2.0) for o in extra)


@pytest.mark.parametrize("kwargs", [{"max_action": float("nan")}, {"max_action": float("inf")},
                                    {"max_action": -1.0}, {"rotation_cap": float("nan")},
                                    {"rotation_cap": float("inf")}, {"rotation_cap": 0.0},
                                    {"max_orbits": 0}, {"max_orbits": 2.5}, {"time_budget": float("nan")}])
def test_non_finite_levers_are_refused(kwargs):
    with pytest.raises(vb.ViterboError):
        vb.spectrum(families.cross_polytope(), **kwargs)


def test_non_finite_rotation_cap_is_refused_by_capacity():
    with pytest.raises(vb.ViterboError):
        vb.capacity(families.cross_polytope(), method="reeb", rotation_cap=float("nan"))
