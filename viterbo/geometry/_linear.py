"""Linear maps of polytopes in extended precision (x87 long double)."""

from __future__ import annotations

import numpy as np

__all__ = ["inverse_ld", "linear_image"]

LD = np.longdouble


def inverse_ld(M: np.ndarray) -> np.ndarray:
    """M^{-1} in extended precision (float64 inverse and two refinement steps X += X (I - M X))."""
    X = np.linalg.inv(M).astype(LD)
    Ml = M.astype(LD)
    eye = np.eye(M.shape[0], dtype=LD)
    for _ in range(2):
        X = X + X @ (eye - Ml @ X)
    return X


def linear_image(V: np.ndarray, N: np.ndarray, H: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, ...]:
    """(M V, normals and offsets of M K), computed in extended precision: <n, x> <= h becomes
    <M^{-T} n, M x> <= h, normalised to unit normals."""
    Vl = V.astype(LD) @ M.astype(LD).T
    Nl = N.astype(LD) @ inverse_ld(M)
    norms = np.sqrt((Nl * Nl).sum(axis=1))
    return (np.asarray(Vl, dtype=np.float64), np.asarray(Nl / norms[:, None], dtype=np.float64),
            np.asarray(H.astype(LD) / norms, dtype=np.float64))
