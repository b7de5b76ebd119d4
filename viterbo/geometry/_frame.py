"""Normal forms of a polytope: the well-conditioned copy every capacity computation runs on.

c_EHZ is invariant under translations and linear symplectic maps and scales as t^2 under x -> t x.
So a method may run on K' = 2^-e S (K - z) and report c(K) = 4^e c(K'), mapping its witness back by
x = z + 2^e S^{-1} x'.  Three choices make that exact rather than approximate:

* the scale is a power of two, so dividing and multiplying by it is exact;
* S is *exactly* symplectic: a product of elementary factors each symplectic in floating point as
  written (shears [[I, B], [0, I]] with B exactly symmetric, block maps diag(M, M^{-T}) whose inverse
  transpose is exact (permutations, powers of two, one off-diagonal entry), quarter turns
  (q_i, p_i) -> (-p_i, q_i)).  A whitening that is only approximately symplectic would change the
  capacity by eps * cond(S);
* the maps are applied in extended precision (x87 long double), so that a map of condition 1e8
  loses ~1e-11, not 1e-8.  ``Frame.to_frame`` / ``from_frame`` run them in the compiled
  ``viterbo._native.symplectic_map`` when the extension is in use: the same operations in the same
  order, bit for bit the numpy lines (tests/test_frame_map_parity.py), without their per-factor overhead.

The factors approximate a Williamson normal form of the vertex covariance (S C S^T diagonal), so a
symplectic image of condition 1e8 becomes round; they need only approximate it.

Kinds: ``"symplectic"`` (translation, scale and S: for methods that take any polytope) and
``"similarity"`` (translation and scale only: for methods that need the coordinate product structure).
The frame body keeps K's facet and vertex indices and its incidence; the description that holds the
caller's numbers (vertices for ``from_vertices``, halfspaces for ``from_halfspaces``) is mapped, the
other one refitted in the frame, so both describe the same body to float64 accuracy in the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._native_support import native_module
from ..errors import NativeInputError, PolytopeError

__all__ = ["Frame", "SymplecticMap", "normal_form", "williamson"]

LD = np.longdouble
_EPS = float(np.finfo(np.float64).eps)
_NO_FACTORS = (np.zeros((0, 4), dtype=np.int64), np.zeros(0, dtype=LD))


# ---------------------------------------------------------------------------------------------- the map
@dataclass(frozen=True)
class SymplecticMap:
    """An exactly symplectic linear map of R^{2n}, as a product of elementary factors.

    ``factors`` are applied to points first to last.  Each is one of
    ``("up", B)``: q += B p; ``("low", C)``: p += C q (B, C exactly symmetric);
    ``("col", k, v)``: q += v q_k and p_k -= <v, p> (the block diag(M, M^{-T}) with M = I + v e_k^T, v_k = 0);
    ``("diag", e)``: q_i *= 2^e_i, p_i *= 2^-e_i; ``("signs", s)``: q_i *= s_i, p_i *= s_i (s = +-1);
    ``("perm", P)``: q, p -> q[P], p[P];
    ``("turn", mask)``: (q_i, p_i) -> (-p_i, q_i) where mask.
    """

    n: int
    factors: tuple

    def apply(self, X) -> np.ndarray:
        """S x for the rows x of X (long double in, long double out)."""
        X = np.array(X, dtype=LD)
        for f in self.factors:
            _apply_factor(X, f, self.n, inverse=False)
        return X

    def apply_inverse(self, X) -> np.ndarray:
        """S^{-1} x for the rows of X."""
        X = np.array(X, dtype=LD)
        for f in reversed(self.factors):
            _apply_factor(X, f, self.n, inverse=True)
        return X

    def apply_covector(self, Nrows) -> np.ndarray:
        """S^{-T} n for the rows n (normals of S K): S^{-T} = J0 S J0^T since S^T J0 S = J0."""
        n = self.n
        X = np.array(Nrows, dtype=LD)
        Y = np.concatenate([-X[:, n:], X[:, :n]], axis=1)  # J0^T n
        Y = self.apply(Y)
        return np.concatenate([Y[:, n:], -Y[:, :n]], axis=1)  # J0 y

    def matrix(self) -> np.ndarray:
        """The map as a float64 matrix (rounded; for error bounds and tests)."""
        return np.asarray(self.apply(np.eye(2 * self.n)).T, dtype=np.float64)

    @cached_property
    def _program(self) -> tuple[np.ndarray, np.ndarray]:
        """(codes, data): the factors as the compiled ``viterbo._native.symplectic_map`` reads them.

        codes has one row (kind, k, offset, inverse offset) per factor; data holds the long double numbers
        (matrices row-major, 2^e then 2^-e for "diag", P then argsort(P) for "perm", the mask as 0/1).
        """
        n = self.n
        kinds = {"up": 0, "low": 1, "col": 2, "diag": 3, "signs": 4, "perm": 5, "turn": 6}
        codes, chunks, size = [], [], 0

        def put(values) -> int:
            nonlocal size
            chunk = np.asarray(values, dtype=LD).ravel()
            chunks.append(chunk)
            size += chunk.size
            return size - chunk.size

        for f in self.factors:
            kind = f[0]
            if kind in ("up", "low"):
                codes.append((kinds[kind], 0, put(f[1]), 0))
            elif kind == "col":
                codes.append((kinds[kind], int(f[1]), put(f[2]), 0))
            elif kind == "diag":
                powers = np.concatenate([np.ldexp(LD(1), f[1]), np.ldexp(LD(1), -f[1])])  # 2^e, then 2^-e
                codes.append((kinds[kind], 0, put(powers), 0))
            elif kind == "perm":
                codes.append((kinds[kind], 0, put(f[1]), put(np.argsort(f[1]))))
            else:  # "signs" (+-1), "turn" (a mask)
                codes.append((kinds[kind], 0, put(f[1]), 0))
        data = np.concatenate(chunks) if chunks else np.zeros(n, dtype=LD)
        return np.array(codes, dtype=np.int64).reshape(-1, 4), data


def _apply_factor(X: np.ndarray, f: tuple, n: int, inverse: bool) -> None:
    q, p = X[:, :n], X[:, n:]  # views: updated in place
    kind = f[0]
    if kind == "up":
        q += (-1 if inverse else 1) * (p @ f[1].T)
    elif kind == "low":
        p += (-1 if inverse else 1) * (q @ f[1].T)
    elif kind == "col":
        k, v = f[1], f[2]
        if not inverse:
            q += np.outer(q[:, k], v)
            p[:, k] -= p @ v
        else:
            q -= np.outer(q[:, k], v)
            p[:, k] += p @ v
    elif kind == "diag":
        e = -f[1] if inverse else f[1]
        q *= np.ldexp(LD(1), e)
        p *= np.ldexp(LD(1), -e)
    elif kind == "signs":  # diag(s, s) with s = +-1: M = diag(s) = M^{-T}
        q *= f[1]
        p *= f[1]
    elif kind == "perm":
        P = np.argsort(f[1]) if inverse else f[1]
        X[:, :n] = q[:, P].copy()
        X[:, n:] = p[:, P].copy()
    elif kind == "turn":
        m = f[1]
        qq, pp = q[:, m].copy(), p[:, m].copy()
        if not inverse:
            q[:, m], p[:, m] = -pp, qq
        else:
            q[:, m], p[:, m] = pp, -qq
    else:  # pragma: no cover - factors are built here only
        raise ValueError(f"unknown factor {kind!r}")


def _as_ld(M: np.ndarray) -> np.ndarray:
    return np.asarray(M, dtype=LD)


def williamson(G: np.ndarray) -> np.ndarray:
    """A symplectic S (float64, approximately) with S C S^T diagonal, for C = G^T G positive definite.

    G is given (e.g. R of a QR of the centred points), never C: forming C squares the conditioning.
    In u = G^{-T} x the covariance is I and omega becomes Omega = G J0 G^T; an
    orthogonal O brings Omega to [[0, L], [-L, 0]] and D = diag(sqrt L, sqrt L) makes it J0, so
    S = D O^T G^{-T} (covariance D^2).  O from the eigenvectors a + ib of the Hermitian i Omega.
    """
    d = G.shape[0]
    n = d // 2
    J0 = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])
    Omega = G @ J0 @ G.T
    Omega = (Omega - Omega.T) / 2
    w, V = np.linalg.eigh(1j * Omega)
    pos = np.argsort(-w)[:n]  # eigenvalues +lambda (largest first)
    lam = w[pos]
    a, b = np.sqrt(2) * V[:, pos].real, np.sqrt(2) * V[:, pos].imag
    O = np.concatenate([b, a], axis=1)
    D = np.concatenate([np.sqrt(lam), np.sqrt(lam)])
    return (D[:, None] * O.T) @ np.linalg.inv(G.T)


def factorise(S: np.ndarray) -> SymplecticMap:
    """An exactly symplectic product of elementary factors close to the (nearly symplectic) S.

    S = T [[I, 0], [C, I]] diag(A, A^{-T}) [[I, B], [0, I]] with quarter turns T chosen so that the
    block A = (T^{-1} S)_11 is well conditioned, C = S21 A^{-1}, B = A^{-1} S12 (symmetrised), and
    A = P L D U with the diagonal D rounded to powers of two.
    """
    d = S.shape[0]
    n = d // 2
    best = None
    for bits in range(2 ** n):
        mask = np.array([(bits >> i) & 1 for i in range(n)], dtype=bool)
        St = S.copy()
        # T^{-1} applied to the rows: (q_i, p_i) -> (p_i, -q_i) on the masked modes.
        qi, pi = np.flatnonzero(mask), np.flatnonzero(mask) + n
        St[qi], St[pi] = S[pi], -S[qi]
        sv = np.linalg.svd(St[:n, :n], compute_uv=False)
        score = sv[-1] / np.abs(S).max()  # scale aware: a tiny block is singular, however round
        if best is None or score > best[0] * 1.000001:
            best = (score, mask, St)
    _, mask, St = best
    A, S12, S21 = St[:n, :n], St[:n, n:], St[n:, :n]
    Ainv = np.linalg.inv(A)
    B = Ainv @ S12
    B = (B + B.T) / 2
    Cm = S21 @ Ainv
    Cm = (Cm + Cm.T) / 2
    from scipy.linalg import lu  # deferred import

    P, L, U = lu(A)  # A = P L U
    dg = np.diag(U).copy()
    U = U / dg[:, None]
    e = np.round(np.log2(np.abs(dg))).astype(int)
    sign = np.sign(dg)
    # A ~ P L diag(sign 2^e) U; the sign is a factor diag(sign) on q and p alike (exact, symplectic).
    factors: list = [("up", _as_ld(B))]
    for k in range(1, n):  # U = (I + u_{n-1} e_{n-1}^T) ... (I + u_1 e_1^T): u_1 acts first
        v = np.zeros(n)
        v[:k] = U[:k, k]
        if np.any(v):
            factors.append(("col", k, _as_ld(v)))
    factors.append(("diag", e))
    if np.any(sign < 0):
        factors.append(("signs", sign.astype(LD)))
    for k in range(n - 1, -1, -1):  # L = (I + l_0 e_0^T)(I + l_1 e_1^T) ..., l_k below the diagonal
        v = np.zeros(n)
        v[k + 1:] = L[k + 1:, k]
        if np.any(v):
            factors.append(("col", k, _as_ld(v)))
    perm = np.argmax(P, axis=0)  # P e_j = e_perm[j]: (P q)[perm[j]] = q[j]
    factors.append(("perm", np.argsort(perm)))
    factors.append(("low", _as_ld(Cm)))
    if mask.any():
        factors.append(("turn", mask))
    return SymplecticMap(n, tuple(factors))


# ---------------------------------------------------------------------------------------------- frames
@dataclass(frozen=True)
class Frame:
    """x' = 2^-e S (x - z) and back; ``S`` None for the similarity frame."""

    kind: str
    centre: np.ndarray
    exponent: int
    S: SymplecticMap | None

    def to_frame(self, X) -> np.ndarray:
        """x' = 2^-e S (x - z) for the rows x of X (float64 in and out, long double inside)."""
        X = np.asarray(X, dtype=np.float64)
        mapped = self._compiled(X, 0)
        if mapped is not None:
            return mapped
        Y = X.astype(LD) - self.centre.astype(LD)
        if self.S is not None:
            Y = self.S.apply(Y)
        return np.asarray(np.ldexp(Y, -self.exponent), dtype=np.float64)

    def from_frame(self, Xf) -> np.ndarray:
        """x = z + S^{-1} 2^e x' for the rows x' of Xf."""
        Xf = np.asarray(Xf, dtype=np.float64)
        mapped = self._compiled(Xf, 1)
        if mapped is not None:
            return mapped
        Y = np.ldexp(Xf.astype(LD), self.exponent)
        if self.S is not None:
            Y = self.S.apply_inverse(Y)
        return np.asarray(Y + self.centre.astype(LD), dtype=np.float64)

    def _compiled(self, X: np.ndarray, direction: int) -> np.ndarray | None:
        """The map by ``viterbo._native.symplectic_map`` (bit for bit the numpy lines above, without their
        per-factor overhead); None when the extension is not in use or X is not a finite (k, 2n) array."""
        native = native_module()
        if native is None or X.ndim != 2 or X.shape[1] != self.centre.shape[0] or not X.size:
            return None
        codes, data, _ = self._program
        try:
            return native.symplectic_map(X, self.centre, self.exponent, codes, data, direction)
        except NativeInputError:  # non-finite entries: the numpy lines give the same NaN/inf as always
            return None

    def value_from_frame(self, c: float) -> float:
        """c(K) = 4^e c(K'); raises PolytopeError outside the float64 range."""
        try:
            out = math.ldexp(float(c), 2 * self.exponent)
        except OverflowError:
            out = math.inf
        if not (math.isfinite(out) and out >= np.finfo(float).tiny) and c > 0:
            way = "overflows" if self.exponent > 0 else "underflows"
            raise PolytopeError(
                f"the capacity of K is {c:.6g} * 2^{2 * self.exponent}, which {way} float64 (outside the float64 "
                f"range: K has size ~2^{self.exponent}, and capacity scales as t^2 under x -> t x). "
                "Rescale the input to size about 1 and scale the value back by t^2."
            )
        return out

    def value_to_frame(self, c: float) -> float:
        return math.ldexp(float(c), -2 * self.exponent)

    def rounding_floor(self, X: np.ndarray) -> np.ndarray:
        """A bound on the frame coordinates' error from rounding the rows of X to float64 (per entry)."""
        E = _EPS * np.abs(np.asarray(X, dtype=np.float64))
        if self.S is not None:
            E = E @ self._abs_S.T
        return np.ldexp(E, -self.exponent)

    @cached_property
    def _abs_S(self) -> np.ndarray:
        return np.abs(self.S.matrix()) * (1 + 1e-6)

    @cached_property
    def _program(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, data, |S| with its margin) as the compiled kernels read the map (empty without S)."""
        if self.S is None:
            return (*_NO_FACTORS, np.zeros((0, 0)))
        return (*self.S._program, self._abs_S)


#: A vertex cloud whose singular values are within this ratio is left as it is.
ROUND_ENOUGH = 8.0


def _covariance_map(Y: np.ndarray) -> SymplecticMap | None:
    k, d = Y.shape
    R = np.linalg.qr(Y, mode="r") if k > d else Y
    sv = np.linalg.svd(R, compute_uv=False)
    if sv[0] <= ROUND_ENOUGH * sv[-1]:
        return None  # round already: no map (and no rounding in applying one)
    try:
        S = williamson(R / np.sqrt(k))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(S)):
        return None
    return factorise(S)


def normal_form(K, kind: str):
    """(Frame, frame body) of K; the body keeps K's indices and incidence.  See the module docstring."""
    from .polytope import Polytope  # circular at import time

    V = K.vertices_np
    z = V.mean(axis=0)
    Y = V.astype(LD) - z.astype(LD)
    e0 = int(np.frexp(float(np.abs(Y).max()))[1])
    S = None
    if kind == "symplectic" and K.dim % 2 == 0:
        S = _covariance_map(np.asarray(np.ldexp(Y, -e0), dtype=np.float64))
        if S is not None:
            Y = S.apply(Y)
    elif kind not in ("symplectic", "similarity"):
        raise ValueError(f"unknown frame kind {kind!r}")
    e = int(np.frexp(float(np.abs(Y).max()))[1])
    frame = Frame(kind, z, e, S)
    Vf = np.asarray(np.ldexp(Y, -e), dtype=np.float64)
    inc = K._incidence_sparse()
    if K._primary == "H":
        N = K.normals_np.astype(LD)
        H = K.offsets_np.astype(LD) - N @ z.astype(LD)
        if S is not None:
            N = S.apply_covector(N)
        norms = np.sqrt((N * N).sum(axis=1))
        Nf = np.asarray(N / norms[:, None], dtype=np.float64)
        Hf = np.asarray(np.ldexp(H / norms, -e), dtype=np.float64)
        from ._hull import refine_vertices

        Vf = refine_vertices(Vf, Nf, Hf, inc)
    else:
        Nf, Hf = _refit_planes(Vf, inc)
    return frame, Polytope._build(Vf, Nf, Hf, inc, device=K._device, name=K.name, primary=K._primary,
                                  reorder=False, deviation=K.hull_deviation)


def _refit_planes(V: np.ndarray, inc) -> tuple[np.ndarray, np.ndarray]:
    """The plane through each facet's vertices (least squares, outward), in the round frame.

    ``inc`` is the sparse (CSR, sorted) incidence; facets are batched by their number of vertices.
    """
    m = inc.shape[0]
    d = V.shape[1]
    N = np.empty((m, d))
    counts = np.diff(inc.indptr)
    centre = V.mean(axis=0)
    for k in np.unique(counts):
        rows = np.flatnonzero(counts == k)
        idx = inc.indices[inc.indptr[rows][:, None] + np.arange(k)[None, :]]  # (p, k)
        P = V[idx]  # (p, k, d)
        Pc = P - P.mean(axis=1, keepdims=True)
        n = np.linalg.svd(Pc)[2][:, -1, :]  # (p, d)
        out = ((P.mean(axis=1) - centre) * n).sum(axis=1) < 0
        n[out] *= -1
        N[rows] = n
    H = np.asarray((N.astype(LD) @ V.astype(LD).T).max(axis=1), dtype=np.float64)
    return N, H
