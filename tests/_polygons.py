"""Seeded random convex polygons and a tiny brute-force Haim-Kislev formula, shared by billiard tests."""

from __future__ import annotations

import itertools

import numpy as np

import viterbo as vb
from viterbo.capacity._common import centred_halfspaces


def random_polygon(rng: np.random.Generator, k: int) -> np.ndarray:
    """Vertices of a convex k-gon: k random points on a random ellipse, shifted."""
    A = np.eye(2) + 0.5 * rng.normal(size=(2, 2))
    while abs(np.linalg.det(A)) < 0.2:
        A = np.eye(2) + 0.5 * rng.normal(size=(2, 2))
    while True:
        t = np.sort(rng.uniform(0, 2 * np.pi, size=k))
        if np.diff(np.concatenate([t, [t[0] + 2 * np.pi]])).min() > 0.15:
            break
    pts = np.stack([np.cos(t), np.sin(t)], axis=1) @ A.T + rng.normal(scale=0.3, size=2)
    assert vb.Polytope.from_vertices(pts).n_vertices == k
    return pts


def hk_bruteforce(K: vb.Polytope) -> float:
    """Haim-Kislev's formula by brute force over ordered facet subsets (m <= 8 facets only).

    For each ordered subset (first element the smallest) the stationary point of the quadratic
    form on {N_S^T b = 0, h_S^T b = 1} is found from the KKT system and kept if b >= 0.
    """
    N, H, _ = centred_halfspaces(K)
    m, d = N.shape
    assert m <= 8, "brute force is for tiny polytopes"
    n = d // 2
    Om = N[:, :n] @ N[:, n:].T - N[:, n:] @ N[:, :n].T  # omega(n_i, n_j)
    best = -np.inf
    for k in range(2, m + 1):
        for S in itertools.permutations(range(m), k):
            if S[0] != min(S):
                continue
            S = list(S)
            L = np.tril(Om[np.ix_(S, S)], -1)
            M = L + L.T  # the objective is b^T (M / 2) b
            C = np.vstack([N[S].T, H[S][None, :]])
            rhs = np.concatenate([np.zeros(k + d), [1.0]])
            KKT = np.block([[M, -C.T], [C, np.zeros((d + 1, d + 1))]])
            sol, *_ = np.linalg.lstsq(KKT, rhs, rcond=None)
            b = sol[:k]
            if np.abs(KKT @ sol - rhs).max() > 1e-9 or b.min() < -1e-12:
                continue
            best = max(best, 0.5 * b @ M @ b)
    return 0.5 / best
