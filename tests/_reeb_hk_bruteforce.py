"""A tiny brute-force Haim-Kislev formula, only for cross-checking "reeb" in tests (m <= 7 facets).

c = 1/2 [max over ordered facet subsets S and KKT points beta of
sum_{a<b} beta_a beta_b omega(n_a, n_b)]^{-1} (conventions.md), with
closure rows reduced by least squares.  Independent of the flow graph.
"""

import itertools

import numpy as np


def hk_bruteforce(K) -> float:
    centre = K.vertices_np.mean(axis=0)
    N = K.normals_np
    H = K.offsets_np - N @ centre
    m = len(H)
    assert m <= 7, "brute force is for small facet counts"
    Om = N[:, :2] @ N[:, 2:].T - N[:, 2:] @ N[:, :2].T
    best = 0.0
    for k in range(2, m + 1):
        for S in itertools.combinations(range(m), k):
            for rest in itertools.permutations(S[1:]):
                order = (S[0],) + rest
                W = np.zeros((k, k))
                for a in range(k):
                    for b in range(a + 1, k):
                        W[a, b] = W[b, a] = 0.5 * Om[order[a], order[b]]
                C = np.vstack([N[list(order)].T, H[list(order)][None, :]])
                target = np.zeros(5)
                target[4] = 1.0
                KKT = np.block([[2 * W, -C.T], [C, np.zeros((5, 5))]])
                rhs = np.concatenate([np.zeros(k), target])
                sol = np.linalg.lstsq(KKT, rhs, rcond=None)[0]
                beta = sol[:k]
                if np.abs(KKT @ sol - rhs).max() > 1e-8 or beta.min() < -1e-12:
                    continue
                best = max(best, float(beta @ W @ beta))
    return 0.5 / best
