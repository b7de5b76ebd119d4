"""Combinatorics of a polytope from its facet-vertex incidence (scipy.sparse CSR, facets x vertices).

No tolerance is needed here: the incidence was decided once, in the round frame, when the polytope
was built (viterbo.geometry._hull).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ridge_pairs", "edges", "product"]


def ridge_pairs(inc, d: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Facet pairs (i < j, lexicographic) meeting in a codimension-2 face, with their common vertices.

    Two facets meet in a ridge iff their common vertices lie on no third facet (a face of lower
    dimension lies on at least three).  In R^4 three common vertices already span a 2-face.
    """
    S = inc.astype(np.int32)
    shared = (S @ S.T).tocoo()
    keep = (shared.row < shared.col) & (shared.data >= d - 1)
    cand = np.stack([shared.row[keep], shared.col[keep]], axis=1)
    cand = cand[np.lexsort((cand[:, 1], cand[:, 0]))]
    rows = [S.indices[S.indptr[i]:S.indptr[i + 1]] for i in range(S.shape[0])]
    verts = [np.intersect1d(rows[i], rows[j], assume_unique=True) for i, j in cand]
    if d != 4 and len(cand):  # in R^4, three common vertices already span a 2-face
        holders = [np.count_nonzero(np.asarray(S[:, v].sum(axis=1)).ravel() == len(v)) for v in verts]
        ok = np.array(holders) == 2
        cand, verts = cand[ok], [v for v, o in zip(verts, ok) if o]
    return cand.astype(np.int64).reshape(-1, 2), verts


def edges(inc, d: int) -> list[tuple[int, int]]:
    """Vertex pairs (u < v) spanning an edge: the facets through both meet in exactly {u, v}."""
    S = inc.astype(np.int32)  # (m, k)
    shared = (S.T @ S).tocoo()
    keep = (shared.row < shared.col) & (shared.data >= d - 1)
    cand = np.stack([shared.row[keep], shared.col[keep]], axis=1)
    cand = cand[np.lexsort((cand[:, 1], cand[:, 0]))]
    cols = S.tocsc()
    out: list[tuple[int, int]] = []
    for u, v in cand:
        through = np.intersect1d(cols.indices[cols.indptr[u]:cols.indptr[u + 1]],
                                 cols.indices[cols.indptr[v]:cols.indptr[v + 1]], assume_unique=True)
        # the smallest face containing u and v: vertices on every facet through both
        on_all = np.count_nonzero(np.asarray(S[through].sum(axis=0)).ravel() == len(through))
        if on_all == 2:
            out.append((int(u), int(v)))
    return out


def product(VP, NP, HP, incP, VQ, NQ, HQ, incQ):
    """(V, N, H, incidence) of P x Q: vertices (v, w), facets F x Q and P x G."""
    from scipy.sparse import csr_matrix, kron, vstack

    a, b = VP.shape[1], VQ.shape[1]
    kP, kQ = len(VP), len(VQ)
    V = np.concatenate([np.repeat(VP, kQ, axis=0), np.tile(VQ, (kP, 1))], axis=1)
    N = np.zeros((len(NP) + len(NQ), a + b))
    N[:len(NP), :a] = NP
    N[len(NP):, a:] = NQ
    H = np.concatenate([HP, HQ])
    ones_q = csr_matrix(np.ones((1, kQ), dtype=bool))
    ones_p = csr_matrix(np.ones((1, kP), dtype=bool))
    inc = vstack([kron(incP, ones_q), kron(ones_p, incQ)]).tocsr().astype(bool)
    return V, N, H, inc
