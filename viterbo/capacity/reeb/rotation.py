"""Rotation numbers of paths in Sp(2): transition matrices psi_F, the 4-state lift tracker, c_F.

reeb-dynamics-4d.md §3 and §4.3.  A lift is tracked by an integer code
``q = 4 n + kind`` with kind INT = 0 (rho = n), PE = 1 (rho in (n, n + 1/2)),
HALF = 2 (rho = n + 1/2), NE = 3 (rho in (n + 1/2, n + 1)).  Multiplying on
the left by a positive elliptic matrix of rotation in (0, 1/2) moves the code
forward by 0, 1 or 2 (CH Prop A.9); a move by 3 is impossible and can only be
a classification error in floating point.
"""

from __future__ import annotations

import math

import numpy as np

# Quaternion matrices in (q1, q2, p1, p2) (reeb-dynamics-4d.md §1.1); QI = J0^T = J.
QI = np.array([[0, 0, -1, 0], [0, 0, 0, -1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float64)
QJ = np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, -1, 0]], dtype=np.float64)
QK = np.array([[0, 0, 0, -1], [0, 0, 1, 0], [0, -1, 0, 0], [1, 0, 0, 0]], dtype=np.float64)

__all__ = ["QI", "QJ", "QK", "psi_matrix", "psi_matrices", "c_F_constant", "c_F_constants", "classify", "step_code", "code_lower_bound", "rho_from_code",
           "cz_from_code", "INT", "PE", "HALF", "NE", "trace_tolerance"]

INT, PE, HALF, NE = 0, 1, 2, 3


def psi_matrix(nu_p: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """psi_F = tau_F o tau'_F^{-1} for nu = n_{E_to(F)}, nu' = n_{E_from(F)} (CH Lemma 2.21).

    References
    ----------
    Chaidez–Hutchings (2021), Def 2.20, Lemma 2.21; reeb-dynamics-4d.md §3.2.
    """
    a1 = float(nu_p @ nu)
    a2 = float((QI @ nu_p) @ nu)
    a3 = float((QJ @ nu_p) @ nu)
    a4 = float((QK @ nu_p) @ nu)
    return np.array([[a1 * a2 - a3 * a4, -(a2 * a2 + a4 * a4)],
                     [a2 * a2 + a3 * a3, a1 * a2 + a3 * a4]]) / a2


def psi_matrices(nu_p: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """:func:`psi_matrix` for stacks of normals, shape (n, 4) each -> (n, 2, 2)."""
    a1 = (nu_p * nu).sum(1)
    a2 = ((nu_p @ QI.T) * nu).sum(1)
    a3 = ((nu_p @ QJ.T) * nu).sum(1)
    a4 = ((nu_p @ QK.T) * nu).sum(1)
    out = np.empty((nu.shape[0], 2, 2))
    out[:, 0, 0] = a1 * a2 - a3 * a4
    out[:, 0, 1] = -(a2 * a2 + a4 * a4)
    out[:, 1, 0] = a2 * a2 + a3 * a3
    out[:, 1, 1] = a1 * a2 + a3 * a4
    return out / a2[:, None, None]


def c_F_constants(psis: np.ndarray) -> np.ndarray:
    """:func:`c_F_constant` for a stack of matrices (n, 2, 2)."""
    return np.array([c_F_constant(p) for p in psis])


def c_F_constant(psi: np.ndarray) -> float:
    """The minimal ray rotation r(psi~) of a positive elliptic psi_F (reeb-dynamics-4d.md §4.3).

    c_F = atan2(1, mu) / (2 pi) with mu the largest eigenvalue of Q2^{-1} Q1,
    Q1 = sym(psi), Q2 = sym(E2 psi), E2 = [[0, 1], [-1, 0]]: the smallest angle
    by which psi turns a ray maximises cot = <v, psi v> / det[v, psi v].
    A relative 1e-12 is subtracted so that rounding can never over-prune.
    """
    p00, p01, p10, p11 = (float(v) for v in psi.reshape(4))
    # Q1 = sym(psi); Q2 = sym(E2 psi) with E2 psi = [[p10, p11], [-p00, -p01]].
    x00, x01, x11 = p00, 0.5 * (p01 + p10), p11
    y00, y01, y11 = p10, 0.5 * (p11 - p00), -p01
    # det(Q1 - mu Q2) = 0:  det(Q2) mu^2 - (x00 y11 + x11 y00 - 2 x01 y01) mu + det(Q1) = 0.
    qa = y00 * y11 - y01 * y01
    qb = -(x00 * y11 + x11 * y00 - 2.0 * x01 * y01)
    qc = x00 * x11 - x01 * x01
    disc = math.sqrt(max(qb * qb - 4.0 * qa * qc, 0.0))
    mu = max((-qb + disc) / (2.0 * qa), (-qb - disc) / (2.0 * qa))
    return math.atan2(1.0, mu) / (2.0 * math.pi) * (1.0 - 1e-12)


def trace_tolerance(A: np.ndarray) -> float:
    """Tolerance for comparing Tr A with +-2, relative to the size of A (§6 item 11)."""
    return 1e-9 * max(1.0, float(np.sqrt((A * A).sum())))


def classify(A: np.ndarray) -> int:
    """Class of A in Sp(2) as the kind it maps to: INT (Tr ~ >= 2), HALF (Tr ~ <= -2), PE, NE."""
    tr = float(A[0, 0] + A[1, 1])
    tol = trace_tolerance(A)
    if tr >= 2.0 - tol:
        return INT
    if tr <= -2.0 + tol:
        return HALF
    return PE if A[1, 0] > 0 else NE


def step_code(code: int, A_new: np.ndarray) -> tuple[int, bool]:
    """Next lift code after multiplying by psi on the left; (code, impossible_flag).

    On an impossible transition (a move by 3/4 turn) the conservative lower
    reading (code - 1) is returned and the flag is set; the caller marks the
    result uncertified.
    """
    kind = classify(A_new)
    diff = (kind - code) % 4
    if diff == 3:
        return code - 1, True
    return code + diff, False


def code_lower_bound(code: int) -> tuple[float, bool]:
    """(lower bound on rho, strict) for a lift code."""
    n, kind = divmod(code, 4)
    return {INT: (float(n), False), PE: (float(n), True), HALF: (n + 0.5, False), NE: (n + 0.5, True)}[kind]


def exceeds_cap(code: int, cap: float) -> bool:
    """Whether every lift in this class has rho > cap."""
    lb, strict = code_lower_bound(code)
    return lb > cap or (strict and lb >= cap)


def rho_from_code(code: int, A: np.ndarray) -> float:
    """The exact rotation number of the lift with this code and end matrix A (§3.4)."""
    n, kind = divmod(code, 4)
    if kind == INT:
        return float(n)
    if kind == HALF:
        return n + 0.5
    theta = math.acos(max(-1.0, min(1.0, 0.5 * float(A[0, 0] + A[1, 1])))) / (2 * math.pi)
    return n + theta if kind == PE else n + 1 - theta


def cz_from_code(code: int) -> int:
    """CZ = floor(rho) + ceil(rho): 2n for INT(n), 2n + 1 otherwise (nondegenerate orbits)."""
    n, kind = divmod(code, 4)
    return 2 * n if kind == INT else 2 * n + 1
