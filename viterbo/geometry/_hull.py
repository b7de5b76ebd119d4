"""Conversions between the vertex (V) and halfspace (H) descriptions, decided in a whitened frame.

All arrays here are numpy float64 on the CPU.  Halfspaces are {x : B x <= c} with unit outward
normals, the opposite sign to qhull's ``A x + b <= 0``; the sign change happens only here.

Why a whitened frame: a tolerance in the caller's coordinates is not affine invariant.  A body
stretched by 1e4 along q1 and squeezed by 1e-4 along p1 (a symplectic map, the capacity does
not change) has a diameter of 1e4 and a width of 1e-4; a tolerance of 1e-9 of the diameter is
1e-1 of the width, and the hull built with it is a different body.  So every decision (duplicate
points, coplanar pieces of one facet, which point is a vertex, which vertex lies on which facet)
is taken after an affine map that makes the point cloud round (centre and whiten by the SVD of
the centred points), where all widths are about 1 and one tolerance fits every direction.  The
map is applied in extended precision (x87 long double, 64-bit mantissa), so that rounding in the
map itself stays ~1e-19 * cond, far below the tolerance even at cond = 1e9 (beyond which input
counts as flat).  The caller's own numbers are kept for the vertices; normals are mapped back.

Relative statements (distance of a point from a facet plane divided by the body's width along
the normal) are affine invariant, so "within 1e-9 in the round frame" means "within ~1e-9 of
the body's own width" in the caller's coordinates, whatever the conditioning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PolytopeError

__all__ = ["REL_TOL", "FLAT_TOL", "HullData", "hull_from_points", "hull_from_halfspaces", "group_rows", "widths",
           "check_halfspaces"]

#: Geometric decisions in the round frame (size ~1): duplicate points, coplanar facet pieces,
#: point on a facet.  Relative to the body's own width in the caller's coordinates.
REL_TOL = 1e-9

#: A facet's points lie on its fitted plane to this (round frame) when they are coplanar up to rounding.
EXACT_TOL = 1e-12

#: qhull's simplicial pieces of one facet: planes (unit normal, offset) within this in the round frame.
MERGE_TOL = 1e-8

#: Points whose centred cloud has singular values s_min / s_max below this are flat: in the round
#: frame the rounding of the input itself (1e-16 * cond) would reach REL_TOL.
FLAT_TOL = 1e-9

LD = np.longdouble


def _spatial():
    from scipy import spatial  # deferred: scipy.spatial costs ~0.4 s to import

    return spatial


# ---------------------------------------------------------------------------------------------- frame
@dataclass(frozen=True)
class Whitening:
    """z = (2^-e x - centre) @ A: the point cloud's affine normal form (radius 1, covariance ~ I).

    ``e`` is a power-of-two prescale (exact), so that clouds of size 1e-300 or 1e300 are whitened
    without underflow or overflow.
    """

    exponent: int
    centre: np.ndarray  # float64 (d,), prescaled units
    A: np.ndarray  # longdouble (d, d)
    cond: float  # s_max / s_min of the centred cloud

    def forward(self, P: np.ndarray) -> np.ndarray:
        X = np.ldexp(P, -self.exponent).astype(LD) - self.centre.astype(LD)
        return np.asarray(X @ self.A, dtype=np.float64)

    def backward(self, Z: np.ndarray) -> np.ndarray:
        """The caller's coordinates of round-frame points (inverse of :meth:`forward`, long double)."""
        Ainv = np.linalg.inv(np.asarray(self.A, dtype=np.float64)).astype(LD)
        eye = np.eye(len(Ainv), dtype=LD)
        for _ in range(2):  # refine the inverse in long double
            Ainv = Ainv + Ainv @ (eye - self.A @ Ainv)
        X = np.asarray(Z, dtype=LD) @ Ainv + self.centre.astype(LD)
        return np.asarray(np.ldexp(X, self.exponent), dtype=np.float64)


def whitening(P: np.ndarray, who: str, *, centred: bool = True) -> Whitening:
    """The whitening of the rows of P; raises PolytopeError when they lie (nearly) in a hyperplane.

    ``centred=False`` gives a linear whitening (no translation), used for the dual points of
    a halfspace description, whose origin is meaningful.
    """
    k, d = P.shape
    amax = float(np.abs(P).max())
    if amax == 0.0:
        raise PolytopeError(f"{who}: all {k} points are the origin; the hull has no interior.")
    exponent = int(np.frexp(amax)[1])
    P1 = np.ldexp(P, -exponent)
    centre = P1.mean(axis=0) if centred else np.zeros(d)
    X = P1 - centre
    R = np.linalg.qr(X, mode="r") if k > d else X
    _, s, vt = np.linalg.svd(R)
    if s[-1] <= FLAT_TOL * s[0]:
        rank = int((s > FLAT_TOL * s[0]).sum())
        raise PolytopeError(
            f"{who}: the {k} points span only an affine subspace of dimension {rank} in R^{d} "
            f"(they lie in a hyperplane, up to a relative thickness {s[-1] / s[0]:.2g} < {FLAT_TOL:g}), so their "
            f"hull has no interior. Pass points that span R^{d}, or drop the redundant coordinates."
        )
    A = vt.T.astype(LD) / s.astype(LD)
    # Radius 1 after the map (the covariance is I / k up to this scalar).
    Z = np.asarray((X.astype(LD)) @ A, dtype=np.float64)
    A = A / LD(np.sqrt((Z * Z).sum(axis=1)).max())
    return Whitening(exponent, centre, A, float(s[0] / s[-1]))


# ---------------------------------------------------------------------------------------------- grouping
def group_rows(rows: np.ndarray, tol: float) -> np.ndarray:
    """Label rows that are within ``tol`` (max-norm) of each other, transitively: labels (k,), int.

    Each group is labelled by its smallest row index, so ``labels == arange`` marks the first row of
    each group.  Identical rows are collapsed first (qhull repeats a facet's plane for each of its
    simplicial pieces), then a KD-tree finds the close pairs and connected components the groups:
    near-linear in k.
    """
    k = rows.shape[0]
    if k < 2:
        return np.arange(k)
    _, first_of, which = np.unique(rows + 0.0, axis=0, return_index=True, return_inverse=True)
    which = which.reshape(-1)
    reps = rows[first_of]
    pairs = _spatial().cKDTree(reps).query_pairs(tol, p=np.inf, output_type="ndarray")
    if pairs.size:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(reps)
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
    else:
        comp = np.arange(len(reps))
    label = comp[which]
    first = np.full(label.max() + 1, k)
    np.minimum.at(first, label, np.arange(k))
    return first[label]


# ---------------------------------------------------------------------------------------------- core
@dataclass(frozen=True)
class _Core:
    """The hull of round points Z (radius ~1): irredundant facets and which points are vertices."""

    points: np.ndarray  # indices into Z of the points kept (after merging duplicates)
    normals: np.ndarray  # (m, d) unit, round frame
    offsets: np.ndarray  # (m,)
    on: object  # scipy.sparse csr (m, len(points)), bool: point on facet
    vertex: np.ndarray  # (len(points),) bool: a true vertex (on facets whose normals span R^d)
    refit: np.ndarray  # facets whose plane was refitted through nearly coplanar points
    loose: np.ndarray  # points that may lie outside by up to the merge radius: qhull's coplanar points
    # and the near-duplicates dropped


#: qhull options in the round frame ("Qbb" and "Qz" are Delaunay options: "Qbb" rescales the last
#: coordinate of the input array in place), plus a pre-merge "C-1e-8": facets whose centrum is
#: within 1e-8 of a neighbour's plane are merged, so points within 1e-8 of a facet (nearly coplanar
#: input) are coplanar points of one facet instead of vertices of slivers of width 1e-10 that qhull
#: would otherwise report.
QHULL_OPTIONS = "Qc Q12 C-1e-8"

#: The polar of {B x <= c} (its points are the halfspaces): qhull's own rounding-level merging only.
#: Nearly coplanar dual points are distinct vertices of K ~1e-9 apart (a nearly non-simple vertex of
#: K split by the input's digits), not rounding: merging them at 1e-8, as for points, put a
#: least-squares point in their place that violated the halfspaces by up to 1e-7, or by more than
#: the width where chains of merges met (issue 11).  The vertices are then each intersection of its
#: d planes, placed in extended precision (refine_vertices) and checked against every row.  (Where
#: the input's rounding itself makes such clusters, the merged polar is tried too: hull_from_halfspaces.)
DUAL_QHULL_OPTIONS = "Qc Q12"

#: In the polar, a halfspace is irredundant if the normals of the dual facets through its point span
#: R^d.  A facet of K of diameter t (relative) gives an eigenvalue ~t^2: rounding level is ~1e-14^2.
DUAL_SPAN_TOL = 1e-28


def _qhull(Z: np.ndarray, who: str, options: str = QHULL_OPTIONS):
    spatial = _spatial()
    try:
        return spatial.ConvexHull(Z, qhull_options=options + (" Qx" if Z.shape[1] > 4 else ""))
    except spatial.QhullError as exc:  # flat input is refused before; this is a real qhull failure
        raise PolytopeError(f"{who}: convex hull computation failed: {str(exc).splitlines()[0]}") from exc


def _hull_core(Z: np.ndarray, who: str, *, exact: bool = False) -> _Core:
    """The hull of round points.  ``exact=True`` (the polar of halfspaces, see DUAL_QHULL_OPTIONS, and
    points whose merged hull is not a body near them): no merging beyond rounding, and no facet
    dropped as a sliver (a dual facet whose d points are nearly affinely dependent is a vertex of K
    where d nearly coaxial facets meet: a real vertex)."""
    from scipy.sparse import csr_matrix

    d = Z.shape[1]
    options, merge_tol = (DUAL_QHULL_OPTIONS, 0.0) if exact else (QHULL_OPTIONS, MERGE_TOL)
    hull = _qhull(Z, who, options)
    pts = np.asarray(hull.vertices)
    loose = np.unique(np.asarray(hull.coplanar)[:, 0]) if len(hull.coplanar) else np.zeros(0, dtype=int)
    # Near-duplicate extreme points would let qhull report sliver facets between them: keep one of
    # each group (interior points never matter) and redo the hull on the extreme points only.
    labels = group_rows(Z[pts], REL_TOL)
    first = labels == np.arange(len(pts))
    if not first.all():
        loose = np.union1d(loose, pts[~first])
        pts = pts[first]
        hull = _qhull(Z[pts], who, options)  # on the extreme points only: its simplices index into pts
        simp = np.asarray(hull.simplices)
    else:
        local = np.full(len(Z), -1)
        local[pts] = np.arange(len(pts))
        simp = local[np.asarray(hull.simplices)]  # simplices use extreme points only
    eq = hull.equations
    normals, offsets = eq[:, :-1], -eq[:, -1]
    # The simplicial pieces qhull reports for one facet have (nearly) the same plane: one group each.
    labels = group_rows(np.concatenate([normals, offsets[:, None]], axis=1), merge_tol)
    firsts = np.flatnonzero(labels == np.arange(len(labels)))
    fid = np.searchsorted(firsts, labels)
    Zp = Z[pts]
    kp, m = len(pts), len(firsts)
    N, H = normals[firsts].copy(), offsets[firsts].copy()
    # Incidence from the triangulation: a vertex of K on a facet is a vertex of one of its pieces.
    on = csr_matrix((np.ones(simp.size, dtype=bool), (np.repeat(fid, d), simp.ravel())), shape=(m, kp))
    on.sum_duplicates()
    # Pieces of a facet through points that are only nearly coplanar: refit the plane through them,
    # and take every point within the tolerance of the new plane.
    spread = np.zeros(len(labels))
    np.maximum.at(spread, labels, np.abs(normals - normals[labels]).max(axis=1))
    refit = np.flatnonzero(spread[firsts] > 0)
    if refit.size:
        on = on.tolil()
        for f in refit:
            P = Zp[on.rows[f]]
            n = np.linalg.svd(P - P.mean(axis=0))[2][-1]
            n = n if n @ N[f] > 0 else -n
            N[f], H[f] = n, float((Zp @ n).max())
            on[f, :] = np.abs(Zp @ n - H[f]) <= 10 * REL_TOL
        on = on.tocsr()
    # A facet carries d affinely independent points.  A plane through fewer is a sliver: nearly
    # coincident points (within the tolerance, but not merged) or a bent 2-face of nearly coplanar
    # points make qhull add a facet of width ~1e-13 there.  At this tolerance it is not a facet:
    # drop it, and let its points join the facets whose planes they lie on.
    on.sort_indices()
    N0, H0 = N, H
    N, H, spans = _fit_planes(Zp, on, N, H)
    if exact:
        N, H = np.where(spans[:, None], N, N0), np.where(spans, H, H0)
    elif not spans.all():
        keep = np.flatnonzero(spans)
        affected = np.unique(on[np.flatnonzero(~spans)].indices)
        N, H = N[keep], H[keep]
        on = on[keep].tolil()
        near = np.abs(Zp[affected] @ N.T - H) <= 10 * REL_TOL  # (a, m)
        for a, j in enumerate(affected):
            for f in np.flatnonzero(near[a]):
                on[f, j] = True
        on = on.tocsr()
        refit = np.searchsorted(keep, refit[np.isin(refit, keep)])
    on.eliminate_zeros()
    # Every point on a facet lies on its plane: exactly (to rounding) for coplanar input; pieces
    # qhull merged at its 1e-8 pre-merge radius (nearly coplanar input) only to that, and those
    # facets are marked, so that the vertices are recomputed from the planes (see hull_from_points).
    rows, cols = on.nonzero()
    resid = np.zeros(len(N))
    np.maximum.at(resid, rows, np.abs(np.einsum("ij,ij->i", Zp[cols], N[rows]) - H[rows]))
    if resid.max(initial=0.0) > 100 * REL_TOL:
        raise PolytopeError(f"{who}: internal check failed: a vertex is {resid.max():.3g} (of the body's size) off "
                            "the plane of a facet through it; the input is too degenerate for float64 at the "
                            f"relative tolerance {REL_TOL:g}. Round the input, or remove near-duplicate points.")
    refit = np.union1d(refit, np.flatnonzero(resid > EXACT_TOL))
    vertex = _normals_span(N, on, DUAL_SPAN_TOL if exact else 1e-12)
    return _Core(pts, N, H, on, vertex, refit, loose)


def _check_inside(Z: np.ndarray, core: _Core, who: str) -> float:
    """How far (round frame, i.e. relative to the body's widths) an input point lies outside the
    hull built: ~1e-16 for exact input, up to the 1e-8 merge radius for nearly coplanar input;
    an error beyond 1e-7.

    qhull's hull of the extreme points contains every input point to its own rounding except the
    points it calls coplanar (within its pre-merge radius); the post-processing fits planes through
    each facet's own vertices (which moves an exact plane by rounding only) and drops near-duplicates.
    So the coplanar and the dropped points are checked against every plane, and all points against
    the planes refitted through nearly coplanar pieces.
    """
    worst = 0.0
    for start in range(0, len(core.loose), 2048):
        rows = core.loose[start:start + 2048]
        worst = max(worst, float((Z[rows] @ core.normals.T - core.offsets).max()))
    if core.refit.size:
        Nr, Hr = core.normals[core.refit], core.offsets[core.refit]
        for start in range(0, Z.shape[0], 8192):
            worst = max(worst, float((Z[start:start + 8192] @ Nr.T - Hr).max()))
    if worst > 100 * REL_TOL:
        raise PolytopeError(f"{who}: internal check failed: an input point lies outside the hull built, by "
                            f"{worst:.3g} of the body's width. The input is too degenerate for float64; "
                            "please report it.")
    return max(worst, 0.0)


def _fit_planes(P: np.ndarray, on, N: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each facet's plane through its own points, and whether they span a hyperplane.

    For each row of the sparse incidence ``on`` (points of P on the facet): the least-squares
    plane through them (exact for a simplicial facet; qhull's merged facets carry an averaged
    plane that can miss its vertices by ~1e-9), oriented like the given normal N, with the offset
    of the outermost point; and whether the points span an affine hyperplane (rank d - 1 at
    the relative tolerance).  One batched SVD per number of points on a facet.
    """
    m, d = N.shape
    N, H = N.copy(), H.copy()
    spans = np.zeros(m, dtype=bool)
    counts = np.diff(on.indptr)
    for c in np.unique(counts):
        if c < d:
            continue
        rows = np.flatnonzero(counts == c)
        idx = on.indices[on.indptr[rows][:, None] + np.arange(c)[None, :]]  # (p, c)
        Q = P[idx]
        if c == d:  # a simplex: the normal by cofactors of its edge vectors (cheaper than an SVD)
            E = Q[:, 1:] - Q[:, :1]  # (p, d - 1, d)
            n = np.stack([(-1) ** i * np.linalg.det(np.delete(E, i, axis=2)) for i in range(d)], axis=1)
            size = np.prod(np.sqrt((E * E).sum(axis=2)), axis=1)
            norm = np.sqrt((n * n).sum(axis=1))
            spans[rows] = norm > 10 * REL_TOL * np.maximum(size, 1e-300)
            n = n / np.where(norm > 0, norm, 1.0)[:, None]
        else:
            centre = Q.mean(axis=1)
            _, s, vt = np.linalg.svd(Q - centre[:, None, :])  # vt: (p, d, d)
            spans[rows] = s[:, d - 2] > 10 * REL_TOL * np.maximum(s[:, 0], 1e-300)
            n = vt[:, -1, :]
        n[(n * N[rows]).sum(axis=1) < 0] *= -1
        N[rows] = n
        H[rows] = np.einsum("pcd,pd->pc", Q, n).max(axis=1)
    return N, H, spans


def _normals_span(N: np.ndarray, on, tol: float) -> np.ndarray:
    """Per point (columns of the sparse ``on``, shape (m, k)): whether the normals of its facets span R^d."""
    d = N.shape[1]
    outer = (N[:, :, None] * N[:, None, :]).reshape(len(N), d * d)
    gram = np.asarray(on.T.astype(np.float64) @ outer).reshape(-1, d, d)  # sum of n n^T over the facets
    ev = np.linalg.eigvalsh(gram)
    counts = np.asarray(on.sum(axis=0)).reshape(-1)
    return (counts >= d) & (ev[:, 0] > tol)


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class HullData:
    """An irredundant description with its incidence, as built by the constructors.

    ``incidence[i, j]`` says vertex j lies on facet i (decided in the round frame; scipy.sparse).
    ``cond`` is the conditioning of the input cloud (s_max / s_min of the whitening).
    ``refit``: some facets are planes fitted through nearly (not exactly) coplanar points; the
    vertices were then recomputed from the planes (they are not the caller's numbers).
    """

    vertices: np.ndarray
    normals: np.ndarray
    offsets: np.ndarray
    incidence: object
    cond: float
    refit: bool = False  # some facet planes are fits through nearly coplanar points
    deviation: float = 0.0  # how far the body is from the input (relative to its widths)


def _unit_rows_ld(M: np.ndarray) -> np.ndarray:
    norms = np.sqrt((M * M).sum(axis=1))
    return M / norms[:, None]


def hull_from_points(P: np.ndarray, who: str = "Polytope.from_vertices") -> HullData:
    """Irredundant V- and H-description of conv(P), with incidence.

    Vertices are rows of P (the caller's own numbers); normals are the round frame's normals
    mapped back (in extended precision) and normalised; offsets make every vertex inside.
    """
    W = whitening(P, who)
    Z = W.forward(P)
    core = _hull_core(Z, who)
    deviation = _check_inside(Z, core, who)
    if core.refit.size:
        try:
            return _refitted(P, Z, W, core, who, deviation)
        except PolytopeError:
            # The planes fitted through nearly coplanar points meet away from the points (nearly
            # coaxial facets: a vertex of a product moved by 1e-7 did this): that body is not the
            # input's.  Keep the exact hull of the points instead, with its thin facets.
            core = _hull_core(Z, who, exact=True)
            deviation = _check_inside(Z, core, who)
    vidx = core.points[core.vertex]
    V = P[vidx]
    on = core.on[:, np.flatnonzero(core.vertex)]
    # z = A^T (2^-e x - c): the covector n_Z becomes A n_Z on x (up to a positive factor).
    N = _unit_rows_ld(core.normals.astype(LD) @ W.A.T)
    # Offsets from the facet's own vertices (caller's numbers, extended precision); the largest, so
    # that every vertex is inside.
    rows, cols = on.nonzero()
    H = np.full(len(N), -np.inf, dtype=LD)
    np.maximum.at(H, rows, np.einsum("ij,ij->i", N[rows], V[cols].astype(LD)))
    return HullData(V, np.asarray(N, dtype=np.float64), np.asarray(H, dtype=np.float64), on, W.cond,
                    deviation=deviation)


def _refitted(P: np.ndarray, Z: np.ndarray, W: Whitening, core: _Core, who: str, deviation: float) -> HullData:
    """Nearly coplanar input: some facet planes are fits through points that are only within 1e-8
    of them.  The halfspaces are then the description to keep; the vertices are their intersection
    points, computed in the round frame (where every width is ~1) and mapped back, and each must lie
    within 1e-7 of the body's size of an input point."""
    from ._halfspaces import analytic_centre

    Bz, cz = core.normals, core.offsets
    centre = analytic_centre(Bz, cz, np.zeros(Z.shape[1]))
    hz = hull_from_halfspaces(Bz, cz, centre, who)
    dist, _ = _spatial().cKDTree(Z).query(hz.vertices, p=np.inf)
    if dist.max() > 100 * REL_TOL:
        raise PolytopeError(f"{who}: internal check failed: a vertex of the hull built is {dist.max():.3g} (of the "
                            "body's size) from every input point; the input is too degenerate for float64.")
    V = W.backward(hz.vertices)
    N = _unit_rows_ld(hz.normals.astype(LD) @ W.A.T)
    rows, cols = hz.incidence.nonzero()
    H = np.full(len(N), -np.inf, dtype=LD)
    np.maximum.at(H, rows, np.einsum("ij,ij->i", N[rows], V[cols].astype(LD)))
    return HullData(V, np.asarray(N, dtype=np.float64), np.asarray(H, dtype=np.float64), hz.incidence, W.cond,
                    refit=True, deviation=max(deviation, hz.deviation, float(dist.max())))


def hull_from_halfspaces(B: np.ndarray, c: np.ndarray, centre: np.ndarray, who: str) -> HullData:
    """Vertices of {B x <= c} (unit rows, ``centre`` strictly inside) by the polar hull.

    The polar of K - centre is conv(b_i / h_i) with h_i = c_i - <b_i, centre> > 0: its vertices
    are the irredundant halfspaces, its facets {a . y = s} the vertices x = centre + a / s of K.
    The dual points are whitened linearly (the origin stays the origin, so polarity is kept).

    First the exact intersection (the polar merged at rounding only; each vertex on its planes to
    REL_TOL), kept when its vertices satisfy every row to the rounding of their coordinates.  Where
    the input's own rounding is amplified by its conditioning (a symplectic image of condition
    1e4..1e8 of a body with non-simple vertices: the digits of the rows split each such vertex into
    a cluster 1e-12..1e-8 wide, whose vertices float64 cannot place on their planes), the polar
    merged at 1e-8 is tried as well, and the description that is nearer the set is kept: K is then
    the set to that accuracy, and says so (``deviation``).
    """
    h = np.asarray(c.astype(LD) - B.astype(LD) @ centre.astype(LD), dtype=np.float64)
    Y = B / h[:, None]
    W = whitening(Y, who, centred=False)
    Yw = W.forward(Y)
    try:
        exact = _polar(B, c, centre, W, Yw, who, exact=True)
    except PolytopeError:
        exact = None
    if exact is not None and exact.deviation == 0.0:
        return exact
    try:
        merged = _polar(B, c, centre, W, Yw, who, exact=False)
    except PolytopeError:
        if exact is None:
            raise
        return exact
    return merged if exact is None or merged.deviation < exact.deviation else exact


def _polar(B: np.ndarray, c: np.ndarray, centre: np.ndarray, W: Whitening, Yw: np.ndarray, who: str, *,
           exact: bool) -> HullData:
    """The vertices of K from the hull of the whitened dual points Yw (see hull_from_halfspaces)."""
    core = _hull_core(Yw, who, exact=exact)
    # A dual point outside the dual hull is a vertex of K outside a halfspace; a refitted dual facet,
    # nearly coincident vertices of K merged.  Either way K is the set only to that (relative) distance.
    deviation = _check_inside(Yw, core, who)
    if core.refit.size and not exact:
        deviation = max(deviation, 100 * REL_TOL)
    # Facet a . y_w <= s of the whitened polar: a . (A^T 2^-e y) <= s, i.e. (2^-e A a) . y <= s;
    # the vertex of K - centre is 2^-e A a / s.
    a = core.normals.astype(LD) @ W.A.T
    X = centre.astype(LD) + np.ldexp(a, -W.exponent) / core.offsets.astype(LD)[:, None]
    rows = core.points[core.vertex]  # irredundant halfspaces: vertices of the polar
    incidence = core.on[:, np.flatnonzero(core.vertex)].T.tocsr()  # facet (dual vertex) x vertex (dual facet)
    V = refine_vertices(np.asarray(X, dtype=np.float64), B[rows], c[rows], incidence)
    if exact:
        _check_incidence(V, B[rows], c[rows], incidence, who)
    # How far K is from the set: the largest violation of a given halfspace (a near-duplicate row
    # dropped for its twin, a vertex placed to rounding, a cluster merged), relative to the width.
    deviation = max(deviation, check_halfspaces(V, B, c, who))
    return HullData(V, B[rows], c[rows], incidence, W.cond, deviation=deviation)


def _check_incidence(V: np.ndarray, N: np.ndarray, H: np.ndarray, incidence, who: str) -> None:
    """Each vertex of {N x <= H} lies on at least d of its facets, on their planes to REL_TOL of the
    body's width along the normal: the vertices are the intersections of the planes said to meet there."""
    d = V.shape[1]
    rows, cols = incidence.nonzero()
    counts = np.bincount(cols, minlength=len(V))
    if counts.min(initial=d) < d:
        j = int(np.argmin(counts))
        raise PolytopeError(f"{who}: internal check failed: vertex {j} lies on {counts[j]} facet(s), fewer than "
                            f"d = {d}; the input is too degenerate for float64. Please report it.")
    # Relative to the distance from the vertex centroid z to the plane (at most the width along the
    # normal, so at least as strict), about z: no cancellation far from the origin.
    z = V.mean(axis=0)
    depth = H - N @ z
    resid = np.abs(np.einsum("ij,ij->i", N[rows], V[cols] - z) - depth[rows]) / depth[rows]
    if resid.max(initial=0.0) > REL_TOL:
        i = int(np.argmax(resid))
        raise PolytopeError(f"{who}: internal check failed: a vertex is {resid[i]:.3g} of the width off the plane "
                            "of a facet through it; the input is too degenerate for float64. Please report it.")



def refine_vertices(V: np.ndarray, N: np.ndarray, H: np.ndarray, incidence: np.ndarray, steps: int = 2) -> np.ndarray:
    """Newton steps on <n_f, v> = h_f over the facets through each vertex, residuals in extended precision.

    The vertices then sit on their facet planes as exactly as float64 allows (the cube's vertices
    come out as exact +-1).  Batched by the number of facets through a vertex.
    """
    from scipy.sparse import csc_matrix

    V = V.copy()
    S = csc_matrix(incidence, dtype=bool)
    S.eliminate_zeros()
    S.sort_indices()
    counts = np.diff(S.indptr)
    NL, HL = N.astype(LD), H.astype(LD)
    for k in np.unique(counts):
        if k == 0:
            continue
        cols = np.flatnonzero(counts == k)
        F = S.indices[S.indptr[cols][:, None] + np.arange(k)[None, :]]  # (p, k) facet indices
        A = N[F]  # (p, k, d)
        d = A.shape[2]
        if k == d:  # a simple vertex: the square system (batched inverse; pinv would cost an SVD each)
            try:
                pinv = np.linalg.inv(A)
            except np.linalg.LinAlgError:
                pinv = np.linalg.pinv(A)
        else:  # on more facets than the dimension: least squares
            pinv = np.linalg.pinv(A)  # (p, d, k)
        x = V[cols].astype(LD)
        best, best_r = x, np.abs(HL[F] - np.einsum("pkd,pd->pk", NL[F], x)).max(axis=1)
        for _ in range(steps):
            r = HL[F] - np.einsum("pkd,pd->pk", NL[F], x)
            x = x + np.einsum("pdk,pk->pd", pinv, np.asarray(r, dtype=np.float64)).astype(LD)
            # A vertex where the planes through it are nearly dependent (a near-edge along which
            # nearly coaxial facets meet) has an inverse of condition up to ~1e16: keep a step only
            # where it brings the vertex closer to its planes.
            rx = np.abs(HL[F] - np.einsum("pkd,pd->pk", NL[F], x)).max(axis=1)
            better = rx < best_r
            best = np.where(better[:, None], x, best)
            best_r = np.where(better, rx, best_r)
            x = best
        V[cols] = np.asarray(best, dtype=np.float64)
    return V


def check_halfspaces(V: np.ndarray, B: np.ndarray, c: np.ndarray, who: str) -> float:
    """Every given halfspace holds at every vertex, within 1e-8 of the body's extent along its normal;
    returns the largest violation beyond the rounding of the vertices' own coordinates (relative,
    0.0 if none): float64 vertices of a body stretched by 1e3 and 1e-3 cannot be more exact than
    1e-16 |v| / width ~ 1e-10, which is no departure of K from the set (verify() allows the same).

    About the vertex centroid z (no cancellation far from the origin); c_i - <b_i, z>, the
    distance from z to plane i, is at most the width along b_i, so the test is at least as strict.
    """
    z = V.mean(axis=0)
    depth = c - B @ z
    top = np.full(len(B), -np.inf)
    Vc = V - z
    for start in range(0, len(Vc), 2048):  # chunks that stay in cache
        top = np.maximum(top, (B @ Vc[start:start + 2048].T).max(axis=1))
    slack = (top - depth) / depth
    if slack.max() > 10 * REL_TOL:
        i = int(np.argmax(slack))
        raise PolytopeError(f"{who}: internal check failed: a computed vertex violates halfspace {i} by "
                            f"{float(slack[i]):.3g} of the width; the input is too degenerate for float64.")
    floor = 4 * np.finfo(float).eps * (np.abs(B).sum(axis=1) * float(np.abs(V).max()) + np.abs(c))
    return max(float(((top - depth - floor) / depth).max()), 0.0)


# ---------------------------------------------------------------------------------------------- volume
def hull_volume(V: np.ndarray, incidence) -> float:
    """Volume of conv(V), V the vertices of a polytope in a frame of size ~1, with its incidence.

    qhull's hull with its default (rounding-level) merging is exact to rounding when it succeeds.
    On vertices that are distinct but nearly coincident or nearly collinear (a body {B x <= c} close
    to a non-simple polytope) it can stop with a "wide merge" error; then the volume is computed from
    the face lattice that the incidence is (viterbo.geometry._volume).  Never with "Q12" or "QJ":
    their wide merges or joggle change the volume (by 2e-5 relative in one R^6 body).
    """
    spatial = _spatial()
    try:
        return float(spatial.ConvexHull(V).volume)
    except spatial.QhullError:
        from ._volume import lattice_volume

        return lattice_volume(V, incidence)


# ---------------------------------------------------------------------------------------------- widths
def widths(normals: np.ndarray, offsets: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Width of the body along each facet normal: h_K(n_i) + h_K(-n_i) = c_i - min_j <n_i, v_j>.

    Computed about the vertex centroid in extended precision, so that bodies far from the origin
    keep their digits.
    """
    z = vertices.mean(axis=0).astype(LD)
    proj = normals.astype(LD) @ (vertices.astype(LD) - z).T  # (m, k)
    return np.asarray(proj.max(axis=1) - proj.min(axis=1), dtype=np.float64)
