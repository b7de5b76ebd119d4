"""Symplectic linear algebra on R^{2n} with coordinates x = (q_1..q_n, p_1..p_n).

Conventions (docs/math/conventions.md): J0 = [[0, I], [-I, 0]],
omega(x, y) = x^T J0 y, J = -J0 the complex structure, Reeb field on a facet
{<n, x> = h}: (2/h) J n.
"""

from __future__ import annotations

import numpy as np

from ..errors import DimensionError

__all__ = ["J0", "J", "omega", "is_symplectic_matrix", "random_symplectic_matrix", "random_symplectic_matrix_np"]


def _torch():
    import torch  # deferred: only the tensor-returning helpers need it

    return torch


def _half_dim(dim: int, who: str) -> int:
    if dim <= 0 or dim % 2:
        raise DimensionError(
            f"{who}: dimension {dim} is not even; symplectic structure needs R^(2n). "
            "Pass vectors or matrices of even size (e.g. 4 for R^4)."
        )
    return dim // 2


def J0(dim: int = 4, *, dtype=None, device=None):
    """The standard symplectic matrix [[0, I], [-I, 0]] on R^dim (dim even).

    Examples
    --------
    >>> J0(2).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    torch = _torch()
    dtype = torch.float64 if dtype is None else dtype
    n = _half_dim(dim, "J0")
    eye = torch.eye(n, dtype=dtype, device=device)
    zero = torch.zeros(n, n, dtype=dtype, device=device)
    return torch.cat([torch.cat([zero, eye], 1), torch.cat([-eye, zero], 1)], 0)


def J(dim: int = 4, *, dtype=None, device=None):
    """The complex structure J = -J0 (multiplication by i on z = q + i p)."""
    return -J0(dim, dtype=dtype, device=device)


def omega(x, y):
    """omega(x, y) = x^T J0 y = sum_i (q_i p'_i - p_i q'_i), batched over leading axes.

    Examples
    --------
    >>> float(omega([1.0, 0.0], [0.0, 1.0]))
    1.0
    """
    torch = _torch()
    x = torch.as_tensor(x, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64, device=x.device)
    n = _half_dim(x.shape[-1], "omega")
    return (x[..., :n] * y[..., n:] - x[..., n:] * y[..., :n]).sum(-1)


def is_symplectic_matrix(M, tol: float = 1e-9) -> bool:
    """True when M^T J0 M = J0 up to ``tol`` relative to |M|^2."""
    torch = _torch()
    M = torch.as_tensor(M, dtype=torch.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return False
    if M.shape[0] % 2:
        return False
    j0 = J0(M.shape[0], device=M.device)
    err = torch.linalg.matrix_norm(M.T @ j0 @ M - j0, ord=torch.inf)
    scale = max(1.0, float(torch.linalg.matrix_norm(M, ord=torch.inf)) ** 2)
    return bool(err <= tol * scale)


def random_symplectic_matrix(n: int = 2, seed: int = 0, *, scale: float = 0.5):
    """A seeded random symplectic matrix of size 2n, moderately conditioned.

    Built as a product of shears [[I, S], [0, I]], [[I, 0], [S, I]] (S symmetric)
    and a block-diagonal [[A, 0], [0, A^{-T}]]; each factor is symplectic.

    Parameters
    ----------
    n : int
        Half the dimension (2 for R^4).
    seed : int
        Seed of the numpy generator; the same seed gives the same matrix.
    scale : float
        Size of the random entries; larger means worse conditioning.

    Returns
    -------
    torch.Tensor
        float64, shape (2n, 2n); :func:`random_symplectic_matrix_np` gives the numpy array.
    """
    torch = _torch()
    return torch.as_tensor(random_symplectic_matrix_np(n, seed, scale=scale), dtype=torch.float64)


def random_symplectic_matrix_np(n: int = 2, seed: int = 0, *, scale: float = 0.5) -> np.ndarray:
    """The numpy array of :func:`random_symplectic_matrix` (same seed, same matrix)."""
    if n < 1:
        raise DimensionError(f"random_symplectic_matrix: n = {n}; need n >= 1 (the matrix is 2n x 2n).")
    rng = np.random.default_rng(seed)
    eye = np.eye(n)
    zero = np.zeros((n, n))

    def sym() -> np.ndarray:
        s = rng.normal(scale=scale, size=(n, n))
        return (s + s.T) / 2

    upper = np.block([[eye, sym()], [zero, eye]])
    lower = np.block([[eye, zero], [sym(), eye]])
    A = eye + rng.normal(scale=scale / 2, size=(n, n))
    while abs(np.linalg.det(A)) < 0.2:
        A = eye + rng.normal(scale=scale / 2, size=(n, n))
    block = np.block([[A, zero], [zero, np.linalg.inv(A).T]])
    return upper @ block @ lower
