"""Pure-Python reference of the Haim-Kislev search (parity partner of ``ext/haim_kislev.cpp``).

Everything here is plain numpy and deliberately simple: it enumerates ordered
subsets one by one and solves each stationary (KKT) problem from scratch with
an SVD.  The compiled search must agree with it on every test polytope.

Notation (docs/math/conventions.md, Haim-Kislev formula).  An *element* is a
vector g_e (a facet normal, or a signed normal in the symmetric variant) with
support number h_e > 0.  For an ordered subset S = (s_1, ..., s_k) and weights
b in R^k the objective is

    Q_S(b) = sum_{j < i} b_i b_j omega(g_{s_i}, g_{s_j}) = b^T A_S b,
    (A_S)_{ij} = 1/2 omega(g_{s_max(i,j)}, g_{s_min(i,j)}),

maximised over b >= 0 with the linear constraints G_S^T b = rhs:
general variant rows (g_s, h_s) in R^{2n+1} and rhs = (0, ..., 0, 1)
(closure sum b g = 0 and sum b h = 1); symmetric variant the single row h_s and
rhs = 1/2 (no closure).

Why the enumeration below finds the maximum
-------------------------------------------
Let (S, b) be a maximiser with b > 0 on S and |S| minimal.  b is an interior
point of the face {b >= 0, G_S^T b = rhs} of the weight polytope, so it is a
critical point of Q_S on the affine space {G_S^T b = rhs}: the KKT system
[[2A, C^T], [C, 0]] [b; -lam] = [0; rhs'] holds, with C a basis of the rows of
G_S^T (dependent rows are reduced first; keeping them makes the KKT matrix
singular, and the cross-polytope would come out wrong).  If that reduced KKT
matrix is singular, the critical points of Q_S on the affine space form an
affine family (or there are none, contradicting that b is one); Q_S is constant
on the family (its gradient is orthogonal to the family's directions), and the
family leaves the bounded set {b >= 0, h^T b = const} along a line through b, at
a point with a zero weight and the same value: a maximiser with smaller support,
contradicting minimality.  So the minimal maximiser has a non-singular reduced
KKT system, and skipping singular systems loses nothing.

Cyclic invariance.  General variant: with closure sum b g = 0, moving s_1 to the
end changes Q by omega(-b_1 g_1, b_1 g_1) - ... = 0, so the first element is
fixed as the smallest index.  Symmetric variant: the half-loop (u_1..u_k) stands
for the full loop (u_1..u_k, -u_1..-u_k), whose rotation by one is the half-loop
(u_2, ..., u_k, -u_1); with Q(-u) = Q(u) the first element is fixed as the
smallest pair index, with sign +.

Swap rule (optional, ``swap_rule=True``).  Exchanging two adjacent elements a, b
of the order (b after a becomes a after b) changes Q by
2 b_a b_b omega(g_a, g_b) and keeps b feasible.  So at a maximiser with b > 0,
omega(g_next, g_prev) >= 0 for every adjacent pair, including (by rotation) the
closing pair (last, first) -- for the symmetric variant the closing pair is
(last, -first).  The minimal maximiser above satisfies it, so orders violating it
can be dropped, and a prefix that violates it has no admissible completion.

Commutation rule (optional, ``commute_rule=True``).  If omega(g_a, g_b) = 0 (a
Lagrangian pair; common in products and symmetric bodies), swapping adjacent a, b
changes neither Q nor the constraints.  Among the orders obtained from one
another by such swaps (positions after the fixed first element) the
lexicographically smallest has no adjacent commuting pair (a, b) with b < a --
otherwise swapping them would give a smaller word -- and it is again a minimal
maximiser.  So orders containing such a pair after the first position are dropped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np


def linprog(*args, **kwargs):
    """scipy.optimize.linprog, imported on first use (scipy.optimize costs ~0.3-0.6 s at import)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)

# The same numbers as the compiled search (ext/haim_kislev.cpp; viterbo._native.haim_kislev_tolerances()
# returns them, and tests/test_haim_kislev_native.py checks that they agree).
#: Relative tolerance of rank decisions (constraint rows, KKT matrix).
RANK_TOL = 1e-10
#: Weights b_e h_e above -POS_TOL count as non-negative (rounding of exact zeros).
POS_TOL = 1e-12
#: Residual of the linear constraints a candidate must meet.
RES_TOL = 1e-9
#: omega(g_next, g_prev) below -SWAP_TOL forbids the transition (swap rule).
SWAP_TOL = 1e-12
#: Compiled only (no twin here): a singular KKT pivot is one below PIVOT_TOL times the largest entry.
PIVOT_TOL = 1e-12
#: Compiled only (the inertia rule): reduced eigenvalues above INERTIA_TOL |A_P|_F prune a prefix.
INERTIA_TOL = 1e-9


def omega_matrix(G: np.ndarray) -> np.ndarray:
    """W[a, b] = omega(g_a, g_b) = g_a^T J0 g_b for rows g of G (shape (m, 2n))."""
    n = G.shape[1] // 2
    return G[:, :n] @ G[:, n:].T - G[:, n:] @ G[:, :n].T


def quadratic_form(W: np.ndarray, order) -> np.ndarray:
    """A_S with b^T A_S b = sum_{j<i} b_i b_j W[s_i, s_j]."""
    order = list(order)
    k = len(order)
    A = np.zeros((k, k))
    for i in range(k):
        for j in range(i):
            A[i, j] = A[j, i] = 0.5 * W[order[i], order[j]]
    return A


def kkt_candidate(A: np.ndarray, rows: np.ndarray, rhs: np.ndarray, h: np.ndarray):
    """The stationary point of b^T A b on {rows^T b = rhs}, if unique, feasible and b >= 0.

    Parameters
    ----------
    A : (k, k) symmetric
    rows : (k, r0) -- row s holds the constraint coefficients of element s
    rhs : (r0,)
    h : (k,) support numbers (for the sign test on b_s h_s)

    Returns
    -------
    (value, b) or None
    """
    k = A.shape[0]
    # Orthonormal basis of the span of the element rows: reduces dependent constraints.
    _, s, vt = np.linalg.svd(rows, full_matrices=False)
    r = int((s > RANK_TOL * max(s[0], 1e-300)).sum()) if s.size else 0
    E = vt[:r]
    if np.linalg.norm(rhs - E.T @ (E @ rhs)) > RES_TOL * max(1.0, np.linalg.norm(rhs)):
        return None  # rhs not in the span: the constraints have no solution at all
    C = (rows @ E.T).T  # (r, k)
    kkt = np.zeros((k + r, k + r))
    kkt[:k, :k] = 2 * A
    kkt[:k, k:] = C.T
    kkt[k:, :k] = C
    sv = np.linalg.svd(kkt, compute_uv=False)
    if sv[-1] <= RANK_TOL * sv[0]:
        return None  # singular: skipped, see the module docstring
    sol = np.linalg.solve(kkt, np.concatenate([np.zeros(k), E @ rhs]))
    b = sol[:k]
    if np.linalg.norm(rows.T @ b - rhs) > RES_TOL * max(1.0, np.linalg.norm(rhs)):
        return None
    if (b * h).min() < -POS_TOL:
        return None
    return float(b @ A @ b), b


@dataclass
class SearchOutcome:
    value: float = -np.inf  # best Q found
    order: tuple[int, ...] = ()
    b: np.ndarray = field(default_factory=lambda: np.zeros(0))
    subsets_examined: int = 0
    kkt_solves: int = 0
    pruned_swap: int = 0
    pruned_commute: int = 0
    candidates: list = field(default_factory=list)  # (value, order, b), best first after the search


def _consider(out: SearchOutcome, W, order, rows_all, rhs, h_all, budget) -> None:
    if budget is not None and out.kkt_solves % 256 == 0:
        budget.check(f"{out.subsets_examined} ordered subsets examined")
    order = tuple(order)
    out.kkt_solves += 1
    cand = kkt_candidate(quadratic_form(W, order), rows_all[list(order)], rhs, h_all[list(order)])
    if cand is None:
        return
    value, b = cand
    out.candidates.append((value, order, b))
    if value > out.value:
        out.value, out.order, out.b = value, order, b


def search_general(N: np.ndarray, H: np.ndarray, *, swap_rule: bool = False, commute_rule: bool = False,
                   budget=None) -> SearchOutcome:
    """Max of Q over ordered subsets (first element smallest) with closure; general variant."""
    m = N.shape[0]
    W = omega_matrix(N)
    rows = np.concatenate([N, H[:, None]], axis=1)
    rhs = np.zeros(N.shape[1] + 1)
    rhs[-1] = 1.0
    out = SearchOutcome()

    def extend(prefix: list[int], used: set[int]) -> None:
        if len(prefix) >= 2:
            out.subsets_examined += 1
        if len(prefix) >= 2 and (not swap_rule or W[prefix[0], prefix[-1]] >= -SWAP_TOL):
            _consider(out, W, prefix, rows, rhs, H, budget)
        for e in range(prefix[0] + 1, m):
            if e in used:
                continue
            if swap_rule and W[e, prefix[-1]] < -SWAP_TOL:
                out.pruned_swap += 1
                continue
            if commute_rule and len(prefix) >= 2 and e < prefix[-1] and abs(W[prefix[-1], e]) <= SWAP_TOL:
                out.pruned_commute += 1
                continue
            prefix.append(e)
            used.add(e)
            extend(prefix, used)
            used.discard(e)
            prefix.pop()

    for f in range(m):
        extend([f], {f})
    out.candidates.sort(key=lambda c: -c[0])
    return out


def search_symmetric(R: np.ndarray, h: np.ndarray, *, swap_rule: bool = False, commute_rule: bool = False,
                     budget=None) -> SearchOutcome:
    """Symmetric variant over representatives R (one normal per antipodal pair).

    Elements are signed representatives e = 2 r + (sign < 0); the order is a
    sequence of distinct pairs, the first with sign +.  Returns orders as element
    indices into the signed list [+R_0, -R_0, +R_1, -R_1, ...].
    """
    mp = R.shape[0]
    G = np.repeat(R, 2, axis=0) * np.tile([1.0, -1.0], mp)[:, None]
    hh = np.repeat(h, 2)
    W = omega_matrix(G)
    rows = hh[:, None]
    rhs = np.array([0.5])
    out = SearchOutcome()

    def extend(prefix: list[int], used: set[int]) -> None:
        first_neg = prefix[0] ^ 1
        if len(prefix) >= 2:
            out.subsets_examined += 1
        if len(prefix) >= 2 and (not swap_rule or W[first_neg, prefix[-1]] >= -SWAP_TOL):
            _consider(out, W, prefix, rows, rhs, hh, budget)
        for r in range(prefix[0] // 2 + 1, mp):
            if r in used:
                continue
            for e in (2 * r, 2 * r + 1):
                if swap_rule and W[e, prefix[-1]] < -SWAP_TOL:
                    out.pruned_swap += 1
                    continue
                if commute_rule and len(prefix) >= 2 and e < prefix[-1] and abs(W[prefix[-1], e]) <= SWAP_TOL:
                    out.pruned_commute += 1
                    continue
                prefix.append(e)
                used.add(r)
                extend(prefix, used)
                used.discard(r)
                prefix.pop()

    for r in range(mp):
        extend([2 * r], {r})
    out.candidates.sort(key=lambda c: -c[0])
    return out


def usable_for_closure(N: np.ndarray) -> np.ndarray:
    """usable[f, e]: facet e >= f carries positive weight in some closure sum b n = 0, b >= 0,
    supported on {f, ..., m-1} (reference of ``viterbo._native.haim_kislev_closure_mask``).

    All orders enumerated with first element f only use facets >= f, so a facet outside this set
    (or a first element f outside it) can never have b > 0: pruning them is exact.  One LP per f
    (HiGHS): maximise sum s_e with 0 <= s_e <= min(b_e, 1); the support of the optimum is the union
    of the supports of all closure relations (the closure cone is closed under addition), and s is
    its 0/1 indicator there.
    """
    m, d = N.shape
    usable = np.zeros((m, m), dtype=np.uint8)
    for f in range(m):
        k = m - f
        if k < 2:
            continue
        # variables: b (k), s (k)
        c = np.concatenate([np.zeros(k), -np.ones(k)])
        A_eq = np.concatenate([N[f:].T, np.zeros((d, k))], axis=1)
        A_ub = np.concatenate([-np.eye(k), np.eye(k)], axis=1)  # s - b <= 0
        lp = linprog(c, A_ub=A_ub, b_ub=np.zeros(k), A_eq=A_eq, b_eq=np.zeros(d),
                     bounds=[(0, None)] * k + [(0, 1)] * k, method="highs")
        if lp.status != 0:
            usable[f, f:] = 1  # cannot decide: prune nothing
            continue
        s = lp.x[k:]
        # generous threshold: a facet is dropped only when its weight is clearly zero
        usable[f, f:] = (s > 1e-9).astype(np.uint8)
    return usable


def brute_force_value(N: np.ndarray, H: np.ndarray) -> float:
    """c_EHZ by enumerating every ordered subset without any shortcut (tiny m only; tests)."""
    m = N.shape[0]
    W = omega_matrix(N)
    rows = np.concatenate([N, H[:, None]], axis=1)
    rhs = np.zeros(N.shape[1] + 1)
    rhs[-1] = 1.0
    best = -np.inf
    for k in range(2, m + 1):
        for subset in itertools.combinations(range(m), k):
            for order in itertools.permutations(subset):
                cand = kkt_candidate(quadratic_form(W, order), rows[list(order)], rhs, H[list(order)])
                if cand is not None:
                    best = max(best, cand[0])
    return 1.0 / (2.0 * best)
