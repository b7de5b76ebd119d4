"""viterbo.differentiable: gradients against central differences of the exact capacity, invariances, ties."""

import math
import warnings

import numpy as np
import pytest
import torch
from scipy.spatial import ConvexHull, HalfspaceIntersection

import viterbo as vb
from viterbo import differentiable as D
from viterbo.errors import PolytopeError


def _exact(N, h, what):
    K = vb.Polytope.from_halfspaces(N, h)
    r = D._exact_result(K)
    assert r.certified
    return r.value if what == "capacity" else r.value**2 / (2 * K.volume())


def _grad(K, what):
    N = K.normals.clone().requires_grad_()
    h = K.offsets.clone().requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", D.NonUniqueMinimiserWarning)
        f, info = (D.capacity if what == "capacity" else D.systolic_ratio)(N, h, details=True)
    f.backward()
    return float(f.detach()), N.grad.numpy(), h.grad.numpy(), info


def _check_fd(seed: int):
    m = 6 + seed % 5
    K = vb.families.random_halfspaces(m, seed=100 + seed)
    rng = np.random.default_rng(seed)
    dN, dh = rng.normal(size=(m, 4)), rng.normal(size=m)
    eps = 1e-5
    for what in ("capacity", "systolic_ratio"):
        f, gN, gh, info = _grad(K, what)
        assert f == pytest.approx(_exact(K.normals_np, K.offsets_np, what), rel=1e-12)
        if info.unique is not True:  # a kink: the test below would compare against the wrong side
            pytest.skip(f"minimiser not unique for seed {seed}: {info.notes}")
        fd = (_exact(K.normals_np + eps * dN, K.offsets_np + eps * dh, what)
              - _exact(K.normals_np - eps * dN, K.offsets_np - eps * dh, what)) / (2 * eps)
        analytic = float((gN * dN).sum() + (gh * dh).sum())
        assert analytic == pytest.approx(fd, rel=1e-6), (what, seed)


@pytest.mark.smoke
@pytest.mark.parametrize("seed", range(4))
def test_gradient_matches_central_differences(seed):
    _check_fd(seed)


@pytest.mark.deep
@pytest.mark.parametrize("seed", range(4, 24))
def test_gradient_matches_central_differences_20_more(seed):
    _check_fd(seed)


@pytest.mark.smoke
def test_volume_gradient_on_a_simplicial_hull():
    """Random hulls have non-simple vertices: the first-variation formula must still be exact."""
    K = vb.families.random_hull(12, 4, seed=3)
    N, h = K.normals.clone().requires_grad_(), K.offsets.clone().requires_grad_()
    v = D.volume(N, h)
    v.backward()
    assert float(v.detach()) == pytest.approx(K.volume(), rel=1e-12)
    rng = np.random.default_rng(0)
    dN, dh = rng.normal(size=N.shape), rng.normal(size=h.shape)
    eps = 1e-6
    centre = K.interior_point().numpy()

    def vol(t):  # scipy directly: an independent route to the perturbed volume
        A, b = K.normals_np + t * dN, K.offsets_np + t * dh
        return ConvexHull(HalfspaceIntersection(np.concatenate([A, -b[:, None]], 1), centre).intersections).volume

    fd = (vol(eps) - vol(-eps)) / (2 * eps)
    assert float((N.grad.numpy() * dN).sum() + (h.grad.numpy() * dh).sum()) == pytest.approx(fd, rel=1e-6)


def _sp4_generators():
    """A basis-like set of Hamiltonian matrices X (J0 X symmetric): exp(tX) is symplectic."""
    J0 = vb.J0(4).numpy()
    rng = np.random.default_rng(1)
    out = []
    for _ in range(3):
        S = rng.normal(size=(4, 4))
        out.append(-J0 @ (S + S.T) / 2)  # X = J0^{-1} S, J0^{-1} = -J0
    return out


@pytest.mark.smoke
@pytest.mark.parametrize("seed", [0, 1])
def test_sys_gradient_vanishes_along_symplectic_translation_scaling(seed):
    K = vb.families.random_halfspaces(8, seed=200 + seed)
    s, gN, gh, info = _grad(K, "systolic_ratio")
    N, h = K.normals_np, K.offsets_np
    scale = np.sqrt((gN**2).sum() + (gh**2).sum()) * np.sqrt((N**2).sum() + (h**2).sum())
    rng = np.random.default_rng(seed)
    directions = {"translation": (np.zeros_like(N), N @ rng.normal(size=4)), "scaling": (np.zeros_like(N), h)}
    for i, X in enumerate(_sp4_generators()):
        directions[f"symplectic {i}"] = (-N @ X, np.zeros_like(h))  # normals of exp(tX) K: n^T exp(-tX)
    for name, (dN, dh) in directions.items():
        assert abs(float((gN * dN).sum() + (gh * dh).sum())) <= 1e-9 * scale, name
    # and a generic direction does change sys (the test can fail)
    assert abs(float((gN * rng.normal(size=N.shape)).sum())) > 1e-6 * scale


@pytest.mark.smoke
def test_symplectic_generators_are_hamiltonian():
    J0 = vb.J0(4).numpy()
    for X in _sp4_generators():
        M = torch.linalg.matrix_exp(torch.as_tensor(0.3 * X))
        assert vb.is_symplectic_matrix(M)
        assert np.allclose(X.T @ J0 + J0 @ X, 0)


@pytest.mark.smoke
def test_ties_are_reported_not_hidden():
    # The pentagon product: omega-orthogonal neighbours in the maximising order (a kink).
    K = vb.families.pentagon_counterexample()
    N, h = K.normals.clone().requires_grad_(), K.offsets.clone().requires_grad_()
    with pytest.warns(D.NonUniqueMinimiserWarning, match="one-sided"):
        s, info = D.systolic_ratio(N, h, details=True)
    assert float(s.detach()) == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert info.unique is False and info.notes
    s.backward()
    assert torch.isfinite(N.grad).all() and torch.isfinite(h.grad).all()
    # The standard simplex is symmetric: several orders tie (an exhaustive check finds them).
    S = vb.families.simplex()
    with pytest.warns(D.NonUniqueMinimiserWarning, match="distinct ordered subsets attain the maximum"):
        c, info = D.capacity(S.normals.clone(), S.offsets.clone(), details=True)
    assert float(c.detach()) == pytest.approx(0.25, rel=1e-12) and info.unique is False
    # A generic simplex: a unique maximiser, no warning.
    S = vb.families.random_hull(5, 4, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", D.NonUniqueMinimiserWarning)
        c, info = D.capacity(S.normals.clone(), S.offsets.clone(), details=True)
    assert float(c.detach()) == pytest.approx(vb.capacity(S).value, rel=1e-12) and info.unique is True


@pytest.mark.smoke
def test_bad_input_is_refused_at_the_door():
    with pytest.raises(TypeError, match="torch tensors"):
        D.capacity(np.eye(4), np.ones(4))
    with pytest.raises(TypeError, match="float64"):
        D.capacity(torch.eye(4, dtype=torch.float32), torch.ones(4, dtype=torch.float32))
    with pytest.raises(PolytopeError, match=r"expected \(m, d\) and \(m,\)"):
        D.capacity(torch.eye(4, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    with pytest.raises(vb.DimensionError, match="even dimension"):
        D.capacity(torch.ones(5, 3, dtype=torch.float64), torch.ones(5, dtype=torch.float64))
