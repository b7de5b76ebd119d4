"""A differentiable capacity and systolic ratio: torch scalars with gradients w.r.t. facet data.

For K = {x : <n_i, x> <= h_i} in R^{2n}, Haim-Kislev's formula (docs/math/conventions.md)

    c(K) = 1 / (2 Q*),   Q* = max over ordered facet subsets S and weights b of
                              Q_S(b) = sum_{j<i} b_i b_j omega(n_{S_i}, n_{S_j})
                              on {b >= 0, sum b_i n_{S_i} = 0, sum b_i h_{S_i} = 1}

is a maximum of finitely many smooth branches.  The exact search (``viterbo.capacity``) picks
the maximising ordered subset S and its weights; on that branch b is the stationary point of
Q_S on the affine space of the constraints, i.e. the solution of the KKT system

    [[2 A_S, C^T], [C, 0]] [b; mu] = [0; e],   C = [n_S; h_S] (rows reduced to a basis),

and torch differentiates this linear solve.  Where S is the unique maximiser with b > 0 and a
non-singular KKT matrix, the branch *is* c near K and the gradient is exact.  Otherwise (a tie
within 1e-9: another order or subset with the same value, two adjacent omega-orthogonal facets,
a zero weight, dependent constraints) c has a kink there: the gradient returned is the gradient
of the branch found, a one-sided derivative, and :class:`NonUniqueMinimiserWarning` says so
(``details=True`` returns the flags).

The volume is differentiated by its first variation (Minkowski): moving facet i by
(dn_i, dh_i) changes the volume by the integral over the facet of the normal displacement,

    d vol = sum_i (area_i dh_i - area_i <centroid_i, dn_i>) / |n_i|,

exact for every polytope, also at non-simple vertices (random hulls are simplicial, so their
vertices lie on many facets, where the volume of a fixed triangulation would have the wrong
derivative).  Rows that are not facets (redundant halfspaces) get zero gradient.

torch is imported here only (``import viterbo`` does not load this module).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.spatial import Delaunay

from .capacity import capacity as exact_capacity
from .capacity import methods
from .capacity import _haim_kislev_reference as hk_ref  # the reference enumeration (exhaustive tie check)
from .capacity.reeb import spectrum
from .errors import DimensionError, MethodNotApplicableError, PolytopeError, VerificationError
from .geometry.polytope import Polytope

__all__ = ["capacity", "systolic_ratio", "volume", "Minimiser", "NonUniqueMinimiserWarning", "TIE_TOL"]

#: Relative gap below which two branches count as tied (the minimiser is then not unique).
TIE_TOL = 1e-9
#: Facet counts up to which ties are searched exhaustively with the reference enumeration.
EXHAUSTIVE_TIE_FACETS = 7


class NonUniqueMinimiserWarning(UserWarning):
    """The capacity's minimiser is not unique (or sits on a kink): the gradient is one-sided."""


@dataclass
class Minimiser:
    """The branch of Haim-Kislev's formula the gradient follows.

    Attributes
    ----------
    order : tuple of int
        Input row indices in Haim-Kislev order sigma (the orbit runs through them in reverse).
    b : numpy.ndarray
        The stationary weights (for the input rows as given, not normalised).
    value : float
        The exact capacity of the certified result.
    method : str
        The exact method that chose the combinatorics.
    unique : bool or None
        True when no tie was found by an exhaustive check; False when one was found; None when
        the check could not be exhaustive (reasons in ``notes``).
    notes : list of str
        Why the minimiser is not (known to be) unique, one sentence each.
    """

    order: tuple[int, ...]
    b: np.ndarray
    value: float
    method: str
    unique: bool | None
    notes: list[str] = field(default_factory=list)


def _applies(name: str, K: Polytope) -> bool:
    """Whether the registered method ``name`` applies to K (the registry's own why_not)."""
    return any(m.name == name and m.why_not(K) is None for m in methods())


# ---------------------------------------------------------------------------------------------- input
def _check(normals, offsets) -> tuple[torch.Tensor, torch.Tensor]:
    who = "viterbo.differentiable"
    if not isinstance(normals, torch.Tensor) or not isinstance(offsets, torch.Tensor):
        raise TypeError(f"{who}: normals and offsets must be torch tensors (got {type(normals).__name__}, "
                        f"{type(offsets).__name__}); use torch.tensor(..., dtype=torch.float64, requires_grad=True).")
    if normals.ndim != 2 or offsets.ndim != 1 or normals.shape[0] != offsets.shape[0]:
        raise PolytopeError(f"{who}: normals have shape {tuple(normals.shape)} and offsets {tuple(offsets.shape)}; "
                            "expected (m, d) and (m,).")
    if normals.shape[1] % 2:
        raise DimensionError(f"{who}: the normals are in R^{normals.shape[1]}; c_EHZ needs even dimension 2n.")
    if normals.dtype != torch.float64 or offsets.dtype != torch.float64:
        raise TypeError(f"{who}: normals and offsets must be float64 (got {normals.dtype}, {offsets.dtype}); "
                        "the exact search and the 1e-9 tie test need double precision.")
    if not (torch.isfinite(normals).all() and torch.isfinite(offsets).all()):
        raise PolytopeError(f"{who}: normals or offsets contain NaN or inf.")
    return normals, offsets


def _polytope_and_rows(N: np.ndarray, h: np.ndarray) -> tuple[Polytope, np.ndarray]:
    """The polytope and, for each of its facets, the input row that defines it."""
    K = Polytope.from_halfspaces(N, h)
    norms = np.linalg.norm(N, axis=1)
    rows = np.concatenate([N / norms[:, None], (h / norms)[:, None]], axis=1)
    facets = np.concatenate([K.normals_np, K.offsets_np[:, None]], axis=1)
    scale = max(1.0, float(np.abs(facets[:, -1]).max()))
    dist = np.abs(facets[:, None, :] - rows[None, :, :]).max(axis=2)
    row_of = dist.argmin(axis=1)
    if dist[np.arange(len(row_of)), row_of].max() > 1e-7 * scale:
        raise VerificationError("viterbo.differentiable: a facet of the polytope matches no input row; "
                                "this is a bug (please report the input).")
    return K, row_of


# ---------------------------------------------------------------------------------------------- volume
def _facet_area_centroid(K: Polytope, f: int) -> tuple[float, np.ndarray]:
    """3-volume (in R^4; (d-1)-volume in general) and centroid of facet f."""
    V = K.vertices_np[K.incidence().cpu().numpy()[f]]
    n = K.normals_np[f]
    basis = np.linalg.svd(np.eye(K.dim) - np.outer(n, n))[0][:, : K.dim - 1]  # orthonormal basis of n^perp
    origin = V.mean(axis=0)
    P = (V - origin) @ basis
    simplices = Delaunay(P).simplices
    total, moment = 0.0, np.zeros(K.dim)
    for s in simplices:
        E = P[s[1:]] - P[s[0]]
        vol = abs(np.linalg.det(E)) / math.factorial(K.dim - 1)
        total += vol
        moment += vol * V[s].mean(axis=0)
    return total, moment / total


class _Volume(torch.autograd.Function):
    @staticmethod
    def forward(ctx, normals, offsets):
        N = normals.detach().cpu().numpy()
        h = offsets.detach().cpu().numpy()
        K, row_of = _polytope_and_rows(N, h)
        gN = np.zeros_like(N)
        gh = np.zeros_like(h)
        for f, r in enumerate(row_of):
            area, g = _facet_area_centroid(K, f)
            norm = float(np.linalg.norm(N[r]))
            gh[r] += area / norm
            gN[r] -= area * g / norm
        ctx.save_for_backward(torch.as_tensor(gN, device=normals.device), torch.as_tensor(gh, device=offsets.device))
        return torch.tensor(K.volume(), dtype=torch.float64, device=offsets.device)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        gN, gh = ctx.saved_tensors
        return grad * gN, grad * gh


def volume(normals: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """vol {x : <n_i, x> <= h_i} as a torch scalar, differentiable (once) in normals and offsets.

    Examples
    --------
    >>> import torch
    >>> N = torch.cat([torch.eye(4), -torch.eye(4)]).double()
    >>> h = torch.ones(8, dtype=torch.float64, requires_grad=True)
    >>> v = volume(N, h); v.backward()
    >>> round(v.item(), 12), [round(float(x), 12) for x in h.grad[:2]]
    (16.0, [8.0, 8.0])
    """
    normals, offsets = _check(normals, offsets)
    return _Volume.apply(normals, offsets)


# ---------------------------------------------------------------------------------------------- capacity
def _omega(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    n = x.shape[-1] // 2
    return (x[..., :n] * y[..., n:] - x[..., n:] * y[..., :n]).sum(-1)


def _exact_result(K: Polytope):
    """A certified exact result whose witness is a chain of single-facet segments.

    "reeb" first on symplectic 4D polytopes (fast on many facets), "haim_kislev" otherwise or when
    reeb cannot certify; not "billiard", whose witness on products is a refined staircase.
    """
    tried = []
    if _applies("reeb", K):
        result = exact_capacity(K, method="reeb")
        if result.certified:
            return result
        tried.append(f"reeb: {result.reason}")
    if _applies("haim_kislev", K):
        return exact_capacity(K, method="haim_kislev")
    raise MethodNotApplicableError(
        f"viterbo.differentiable: K has {K.n_facets} facets; no exact method gives its minimising facet sequence "
        f"(haim_kislev does not apply to so many facets, nor reeb, or reeb could not certify"
        + (f"; {tried[0]}" if tried else "") + ").")


def _order_and_weights(K: Polytope, result) -> tuple[list[int], np.ndarray]:
    """(sigma, b) of the witness: segment d_l = b_l J n_l / Q runs through sigma reversed."""
    X = np.array(result.orbit.breakpoints_np)
    facets = list(result.orbit.facets)
    n = K.dim // 2
    Q = 1.0 / (2.0 * result.value)
    D = np.roll(X, -1, axis=0) - X
    Nf = K.normals_np[facets]
    Jn = np.concatenate([-Nf[:, n:], Nf[:, :n]], axis=1)
    b = Q * np.einsum("ij,ij->i", D, Jn)
    return facets[::-1], b[::-1]


def _branch_value(normals: torch.Tensor, offsets: torch.Tensor, order: list[int]):
    """(Q, b, kkt_condition, rank) of the stationary point of Q_S on the constraint space, in torch."""
    idx = torch.as_tensor(order, device=normals.device)
    G = normals[idx]
    h = offsets[idx]
    k = len(order)
    W = _omega(G[:, None, :], G[None, :, :])  # W[i, j] = omega(g_i, g_j)
    A = 0.5 * torch.tril(W, diagonal=-1)
    A = A + A.T
    rows = torch.cat([G, h[:, None]], dim=1)  # (k, d+1)
    rhs = torch.zeros(G.shape[1] + 1, dtype=G.dtype, device=G.device)
    rhs[-1] = 1.0
    with torch.no_grad():
        _, s, vt = torch.linalg.svd(rows, full_matrices=False)
        r = int((s > hk_ref.RANK_TOL * s[0]).sum())
        E = vt[:r].clone()
    C = (rows @ E.T).T  # (r, k): constraints in a basis of their span (E held fixed: a chart)
    top = torch.cat([2 * A, C.T], dim=1)
    bottom = torch.cat([C, torch.zeros(r, r, dtype=G.dtype, device=G.device)], dim=1)
    kkt = torch.cat([top, bottom], dim=0)
    sol = torch.linalg.solve(kkt, torch.cat([torch.zeros(k, dtype=G.dtype, device=G.device), E @ rhs]))
    b = sol[:k]
    Q = b @ A @ b
    with torch.no_grad():
        cond = float(torch.linalg.cond(kkt))
    return Q, b, cond, r


def _tie_notes(K: Polytope, row_of: np.ndarray, order_facets: list[int], b_rel: np.ndarray, value: float,
               cond: float, rank: int, d: int) -> tuple[bool | None, list[str]]:
    notes = []
    N = K.normals_np
    if b_rel.min() <= 1e-9:
        notes.append(f"a weight of the maximiser is zero within 1e-9 (facet {order_facets[int(b_rel.argmin())]}): "
                     "the maximiser sits on the boundary of its face, where another subset takes over")
    if cond > 1e12:
        notes.append(f"the KKT matrix is nearly singular (condition {cond:.2g}): a family of maximisers")
    if rank < min(d + 1, len(order_facets)):
        notes.append(f"the constraint rows of the maximising subset are dependent (rank {rank}): a non-generic "
                     "position, where the branch need not persist")
    k = len(order_facets)
    for i in range(k):
        a, c = order_facets[i], order_facets[(i + 1) % k]
        w = float(N[a, : d // 2] @ N[c, d // 2:] - N[a, d // 2:] @ N[c, : d // 2])
        if abs(w) <= TIE_TOL:
            notes.append(f"adjacent facets {a}, {c} of the maximising order are omega-orthogonal: swapping them "
                         "gives another maximiser with the same value (a tie)")
            break
    if len(set(order_facets)) < k:
        notes.append("the minimising orbit visits a facet twice")
    exhaustive = None
    if _applies("reeb", K):
        orbits = [o for o in spectrum(K, max_action=value * (1 + TIE_TOL), rotation_cap=2.0) if o.multiplicity == 1]
        exhaustive = len(orbits) <= 1
        if not exhaustive:
            notes.append(f"{len(orbits)} distinct Type 1 orbits have action within {TIE_TOL:g} of c (spectrum)")
    elif K.n_facets <= EXHAUSTIVE_TIE_FACETS:
        centre = K.interior_point().detach().cpu().numpy()
        Hc = K.offsets_np - N @ centre
        out = hk_ref.search_general(N, Hc)
        found = set()
        for q, order, bb in out.candidates:
            if q < out.value * (1 - TIE_TOL):
                break
            support = tuple(e for e, w in zip(order, bb) if w * Hc[e] > 1e-9)
            i0 = support.index(min(support))
            found.add(support[i0:] + support[:i0])
        exhaustive = len(found) <= 1
        if not exhaustive:
            notes.append(f"{len(found)} distinct ordered subsets attain the maximum within {TIE_TOL:g} "
                         "(exhaustive enumeration)")
    if notes:
        return False, notes
    return exhaustive, ([] if exhaustive else ["ties were not searched exhaustively (more than "
                                               f"{EXHAUSTIVE_TIE_FACETS} facets and not a symplectic 4D polytope)"])


def capacity(normals: torch.Tensor, offsets: torch.Tensor, *, details: bool = False, check_ties: bool = True):
    """c_EHZ of K = {x : <n_i, x> <= h_i} as a torch scalar with gradients w.r.t. normals and offsets.

    Parameters
    ----------
    normals : torch.Tensor, shape (m, 2n), float64
        Outward normals (any positive length: row scaling does not change K).
    offsets : torch.Tensor, shape (m,), float64
    details : bool
        Also return the :class:`Minimiser` (order, weights, uniqueness flags).
    check_ties : bool
        Look for other maximisers within :data:`TIE_TOL` (by the spectrum's Type 1 orbits on symplectic 4D
        polytopes, by exhaustive enumeration on other polytopes with <= 7 facets); off: only the local flags (zero weights, omega-
        orthogonal neighbours, singular KKT).

    Returns
    -------
    torch.Tensor (scalar), or (torch.Tensor, Minimiser) with ``details=True``

    Raises
    ------
    PolytopeError, DimensionError, TypeError
        Bad input (shapes, NaN, odd dimension, not float64, unbounded or empty set).
    MethodNotApplicableError
        No exact method gives the minimiser's combinatorics.
    VerificationError
        The exact result is not certified, or the branch does not reproduce its value.

    Warns
    -----
    NonUniqueMinimiserWarning
        The minimiser is not unique (or sits on a kink): the gradient is one-sided.

    References
    ----------
    P. Haim-Kislev, "On the symplectic size of convex polytopes", GAFA 29 (2019), Thm 1.1, 1.5.

    Examples
    --------
    >>> import torch, viterbo as vb
    >>> K = vb.families.random_halfspaces(7, seed=1)
    >>> N = K.normals.clone().requires_grad_(); h = K.offsets.clone().requires_grad_()
    >>> c = capacity(N, h); c.backward()
    >>> abs(c.item() - vb.capacity(K).value) < 1e-12 * c.item(), h.grad.shape
    (True, torch.Size([7]))
    """
    c, info = _capacity(normals, offsets, check_ties)
    if info.unique is False or info.notes:
        warnings.warn(NonUniqueMinimiserWarning("viterbo.differentiable.capacity: the gradient is one-sided: "
                                                + "; ".join(info.notes)), stacklevel=2)
    return (c, info) if details else c


def _capacity(normals, offsets, check_ties: bool):
    normals, offsets = _check(normals, offsets)
    N = normals.detach().cpu().numpy()
    h = offsets.detach().cpu().numpy()
    K, row_of = _polytope_and_rows(N, h)
    result = _exact_result(K)
    method = result.method
    if not result.certified:
        raise VerificationError(f"viterbo.differentiable: the exact capacity is not certified ({result.reason}); "
                                "a gradient would rest on an unproved value.")
    result.verify()
    order_facets, b_witness = _order_and_weights(K, result)
    order_rows = [int(row_of[f]) for f in order_facets]
    Q, b, cond, rank = _branch_value(normals, offsets, order_rows)
    c = 1.0 / (2.0 * Q)
    if abs(float(c.detach()) - result.value) > 1e-9 * result.value:
        raise VerificationError(
            f"viterbo.differentiable: the KKT branch of the minimising order gives {float(c.detach())!r}, the exact "
            f"capacity is {result.value!r} ({method}); the gradient would be wrong, so none is returned.")
    b_np = b.detach().cpu().numpy()
    centre = K.interior_point().detach().cpu().numpy()
    h_c = h[order_rows] - N[order_rows] @ centre
    b_rel = b_np * h_c / max(float((b_np * h_c).sum()), 1e-300)
    if check_ties:
        unique, notes = _tie_notes(K, row_of, order_facets, b_rel, result.value, cond, rank, K.dim)
    else:
        unique, notes = None, []
        if b_rel.min() <= 1e-9 or cond > 1e12:
            unique, notes = False, ["the maximiser is degenerate (zero weight or singular KKT matrix)"]
    info = Minimiser(tuple(order_rows), b_np, result.value, method, unique, notes)
    return c, info


def systolic_ratio(normals: torch.Tensor, offsets: torch.Tensor, *, details: bool = False, check_ties: bool = True):
    """sys = c^n / (n! vol) as a torch scalar with gradients w.r.t. normals and offsets.

    Invariant under translations, scaling and symplectic maps, so its gradient is orthogonal to
    those directions (tests check it).  Parameters, returns and warnings as :func:`capacity`.

    Examples
    --------
    >>> import viterbo as vb
    >>> K = vb.families.random_halfspaces(7, seed=1)
    >>> s = systolic_ratio(K.normals.clone().requires_grad_(), K.offsets.clone().requires_grad_())
    >>> abs(s.item() - vb.systolic_ratio(K)) < 1e-12
    True
    """
    c, info = _capacity(normals, offsets, check_ties)
    if info.unique is False or info.notes:
        warnings.warn(NonUniqueMinimiserWarning("viterbo.differentiable.systolic_ratio: the gradient is one-sided: "
                                                + "; ".join(info.notes)), stacklevel=2)
    n = normals.shape[1] // 2
    s = c**n / (math.factorial(n) * _Volume.apply(normals, offsets))
    return (s, info) if details else s
