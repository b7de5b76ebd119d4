"""Issue 11: Lagrangian products of polygons perturbed slightly (near-products).

Three defects, each checked against the independent Haim-Kislev value:

* billiard's 2-bounce types took edge pairs as antiparallel when 1 + <a, b> <= 1e-12, i.e. up to a
  tilt of 1.4e-6: the 2-bounce polygon between two nearly antiparallel edges can be translated into
  K and is shorter than the capacity (a square product with a vertex moved by 1e-8: 2.0, the
  capacity 2.000000009).  Only the witness failing kept it from being certified;
* the billiard witness failed with a bare error (a VerificationError listing vectors, or a
  ValueError "need at least one array to stack" where a point lay on no edge at the tolerance) where
  the chords are within ~1e-10 of an edge normal, and "auto" did not move on: 52 of the 200
  near-products of the fuzz below raised on main;
* Polytope.from_vertices refused the 25 points of the pentagon product with one point moved by 1e-7
  ("a vertex of the hull built is 0.45 of the body's size from every input point").
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import ConvexHull

import viterbo as vb
from viterbo import families
from viterbo.capacity import billiard
from viterbo.capacity._products import lagrangian_factors

REL = 1e-9


def _random_polygon(k: int, rng: np.random.Generator) -> np.ndarray:
    t = np.sort(rng.uniform(0, 2 * np.pi, size=k))
    return np.c_[np.cos(t), np.sin(t)]


def _near_product(i: int) -> tuple[vb.Polytope, str]:
    """Factor polygons (pentagon pair, regular polygons, squares, random) with one or two vertices
    moved by 1e-10..1e-5: still an exact Lagrangian product, of nearly regular polygons."""
    rng = np.random.default_rng(i)
    kind = i % 4
    if kind == 0:
        Kq, Tp = lagrangian_factors(families.pentagon_counterexample())
        A, B = Kq.vertices.copy(), Tp.vertices.copy()
    elif kind == 1:
        A = families.regular_polygon(int(rng.integers(3, 8))).vertices_np.copy()
        angle = float(rng.choice([0, np.pi / 2, np.pi / 5]))
        B = families.regular_polygon(int(rng.integers(3, 8)), angle=angle).vertices_np.copy()
    elif kind == 2:
        A = families.regular_polygon(4).vertices_np.copy()
        B = A.copy()
    else:
        A, B = _random_polygon(int(rng.integers(3, 7)), rng), _random_polygon(int(rng.integers(3, 7)), rng)
    eps = 10 ** rng.uniform(-10, -5)
    for _ in range(int(rng.integers(1, 3))):
        X = A if rng.random() < 0.5 else B
        X[rng.integers(len(X))] += eps * rng.normal(size=2)
    return families.lagrangian_product(A, B), f"case {i} (kind {kind}, eps {eps:.2g})"


def _check_against_haim_kislev(K: vb.Polytope, label: str) -> None:
    r = vb.capacity(K, method="billiard")
    assert r.certified and r.verify(), label
    hk = vb.capacity(K, method="haim_kislev")
    assert abs(r.value - hk.value) <= REL * hk.value, f"{label}: billiard {r.value!r}, haim_kislev {hk.value!r}"


# Cases that main got wrong (all raised VerificationError from billiard and from "auto"; 18 and 70 are
# square products whose billiard value, 2.0, is 4.5e-9 and 3.8e-9 below the capacity); 49 failed on
# the way (a 2-bounce through a vertex that the LP places 1e-10 off it).
MAIN_FAILURES = [1, 6, 18, 21, 26, 49, 70]


@pytest.mark.smoke
@pytest.mark.parametrize("i", MAIN_FAILURES)
def test_near_product_billiard_is_exact(i):
    K, label = _near_product(i)
    _check_against_haim_kislev(K, label)
    auto = vb.capacity(K)
    assert auto.certified and abs(auto.value - vb.capacity(K, method="haim_kislev").value) <= REL * auto.value


@pytest.mark.smoke
def test_nearly_antiparallel_edges_are_not_a_pair():
    """A square with one vertex moved by 1e-8: the two edges through it are tilted by ~1e-8 against
    their opposite edges, so neither 2-bounce type is admissible (main kept both); the exact square's
    two pairs stay.  The value is then found by the triples, and is exact."""
    A = families.regular_polygon(4).vertices_np.copy()
    Kq, _ = lagrangian_factors(families.lagrangian_product(A, A))
    assert sum(len(t) == 2 for t in billiard.billiard_types(Kq)) == 2
    A[0] += 1e-8 * np.array([0.6, 0.8])
    K = families.lagrangian_product(A, A)
    Kq, _ = lagrangian_factors(K)
    assert sum(len(t) == 2 for t in billiard.billiard_types(Kq)) == 0
    _check_against_haim_kislev(K, "square with a vertex moved by 1e-8")


@pytest.mark.smoke
def test_a_point_on_no_edge_is_no_traceback():
    """The step decomposition with no direction at all (a point on no edge at the tolerance): None,
    hence a VerificationError in the witness, never a ValueError from numpy."""
    assert billiard._decompose(np.array([1.0, 0.0]), [], 1e-10) is None


@pytest.mark.deep
def test_near_product_fuzz():
    """200 near-products: billiard certifies each one, at the Haim-Kislev value to 1e-9 (main: 52 of 200
    raised VerificationError)."""
    failures = []
    for i in range(200):
        K, label = _near_product(i)
        try:
            _check_against_haim_kislev(K, label)
        except (AssertionError, vb.ViterboError) as exc:
            failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not failures, "\n".join(failures)


@pytest.mark.smoke
@pytest.mark.parametrize("eps, which", [(1e-7, 22), (1e-7, 16), (1e-6, 6), (1e-6, 20)])
def test_perturbed_product_points_are_built(eps, which):
    """The 25 points of the pentagon product, one moved: the hull of the points (main refused those moved
    by 1e-6: the planes refitted through nearly coplanar facets meet far from the points; so did the
    exact polar of those planes for the ones moved by 1e-7).  Volume: the facets merged at 1e-8 stay."""
    Kq, Tp = lagrangian_factors(families.pentagon_counterexample())
    V = np.array([np.r_[a, b] for a in Kq.vertices for b in Tp.vertices])
    d = np.random.default_rng(which).normal(size=2)
    V[which] += eps * np.r_[d, -d] / np.linalg.norm(d)
    K = vb.Polytope.from_vertices(V)
    assert K.volume() == pytest.approx(ConvexHull(V).volume, rel=1e-7)  # the merged facets: within 1e-8
    slack = (K.normals_np @ V.T - K.offsets_np[:, None]) / K.widths()[:, None]
    assert slack.max() <= 1e-9
