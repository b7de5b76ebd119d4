"""The exact polytopes of the exact phases (jump_exact.py, type1_exact.py; reeb-certification.md §4).

The float searches are about K given by float64 data.  Those data are not
always exactly consistent, so the exact phases work on one of two exact
polytopes within rounding of K, chosen by the shape of K's face lattice:

* K_V = conv(V) (``ExactPolytope``) when every facet is a simplex (random
  hulls): V, the float64 vertices in the search's centred coordinates, read as
  rationals; each facet hyperplane is computed exactly through its vertices and
  checked against every vertex.  Four float hyperplanes through an edge of a
  simplicial polytope do not meet in one line exactly, so the H-representation
  could not serve here.
* K_H = {x : <n_E, x> <= h_E} (``ExactHalfspaces``) when every vertex lies on
  exactly four facets (a simple polytope: random halfspaces, products): the
  float64 (n_E, h_E) read as rationals.  Each vertex is the exact solution of its
  four facet equations, checked strictly inside every other facet, and each
  vertex of a facet the search touches has exactly three neighbours on it
  sharing three facets: then that facet's vertex set, hence its 2-faces, is
  exactly the hull's (the graph of a polytope is connected, and an edge of a
  simple polytope leaves a vertex in each of its d directions).  Facet vertices
  of a simple polytope are not exactly coplanar in float64, so K_V could not
  serve here.

A polytope that is neither (a symplectic image of the 24-cell) gets no exact
polytope: the branches that need it stay unresolved, never guessed.

Both give integer facet equations (n, h) (the Reeb vector (2 / h) J n is
invariant under scaling them) and vertices as homogeneous integers
(X, d): x = X / d, in a frame whose lengths are ``lam`` times the search's.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

__all__ = ["ExactPolytope", "ExactHalfspaces", "ExactUnavailable", "exact_polytope_of"]


class ExactUnavailable(Exception):
    """The exact polytope cannot be built for a facet or face a branch needs (see the module docstring)."""


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]


class ExactPolytope:
    """K_V = conv(V) in integers: V scaled by lam (a power of two) is integral, so every facet
    hyperplane <n, x> = h (n, h coprime integers, h > 0) and J n are integral; built and checked
    lazily per facet.  Lengths in this frame are lam times the search's, times and actions lam^2."""

    def __init__(self, inc: np.ndarray, V: np.ndarray, scale: float):
        self.inc = inc
        self.Vf = np.asarray(V, dtype=float)
        self.scale = float(scale)
        self.lam = max(Fraction(float(c)).denominator for c in self.Vf.ravel())
        self._V: dict[int, tuple] = {}
        self._facet: dict[int, tuple] = {}
        self._J: dict[int, tuple] = {}

    def vertex_h(self, i: int) -> tuple:
        """Vertex i as (integer numerators, denominator 1) in the lam-frame."""
        return self.vertex(i), 1

    def vertex(self, i: int) -> tuple:
        """Vertex i times lam, as integers (exact: the float coordinates are dyadic)."""
        v = self._V.get(i)
        if v is None:
            q = [Fraction(float(c)) * self.lam for c in self.Vf[i]]
            assert all(c.denominator == 1 for c in q)
            v = self._V[i] = tuple(int(c) for c in q)
        return v

    def facet(self, g: int) -> tuple:
        """(n, h): the exact hyperplane <n, x> = h (h > 0) of facet g of K_V (lam-frame), checked
        against every vertex."""
        got = self._facet.get(g)
        if got is not None:
            return got
        verts = [int(i) for i in np.flatnonzero(self.inc[g])]
        if len(verts) < 4:
            raise ExactUnavailable(f"facet {g} has {len(verts)} vertices")
        n = None
        for quad in itertools.islice(itertools.combinations(verts, 4), 200):
            p = [self.vertex(i) for i in quad]
            d = [[p[k][c] - p[0][c] for c in range(4)] for k in (1, 2, 3)]
            cand = []
            for c in range(4):  # cofactors of the 3x4 matrix d: a normal of the affine hull
                cols = [cc for cc in range(4) if cc != c]
                m = [[row[cc] for cc in cols] for row in d]
                det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                       - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                       + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
                cand.append(det if c % 2 == 0 else -det)
            if any(cand):
                n = cand
                break
        if n is None:
            raise ExactUnavailable(f"facet {g}: no four affinely independent vertices")
        h = _dot(n, self.vertex(verts[0]))
        if h == 0:
            raise ExactUnavailable(f"facet {g} passes through the centre")
        if h < 0:
            n, h = [-c for c in n], -h
        common = math.gcd(math.gcd(math.gcd(n[0], n[1]), math.gcd(n[2], n[3])), h)
        n, h = [c // common for c in n], h // common
        for i in verts:
            if _dot(n, self.vertex(i)) != h:
                raise ExactUnavailable(f"the vertices of facet {g} are not exactly coplanar")
        nf = np.array([float(c) for c in n])
        norm = float(np.linalg.norm(nf))
        slack = (h / self.lam) / norm - self.Vf @ (nf / norm)
        on = set(verts)
        for i in np.flatnonzero(slack < 1e-9 * self.scale):
            i = int(i)
            if i not in on and _dot(n, self.vertex(i)) >= h:
                raise ExactUnavailable(f"vertex {i} is not strictly inside facet {g} exactly")
        got = self._facet[g] = (tuple(n), h)
        return got

    def jn(self, E: int) -> tuple:
        """J n_E with J (q, p) = (-p, q) (flow_graph.py): R_E = (2 / h_E) J n_E."""
        r = self._J.get(E)
        if r is None:
            n, _h = self.facet(E)
            r = self._J[E] = (-n[2], -n[3], n[0], n[1])
        return r


def _ratio(n: int, d: int) -> float:
    """n / d rounded, d > 0: both cut to the top 128 bits of d first (absolute error ~2^-120 |n / d|
    at worst relative to max(1, |n / d|); a correctly rounded division of 10^4-bit integers costs ~1 ms)."""
    cut = d.bit_length() - 128
    if cut > 0:
        d >>= cut
        n >>= cut
    return n / d


def _integer_row(values) -> tuple:
    """Float64 values read exactly and scaled by one power of two to coprime integers."""
    q = [Fraction(float(v)) for v in values]
    den = max(f.denominator for f in q)  # the denominators are powers of two: the largest is their lcm
    ints = [int(f * den) for f in q]
    g = 0
    for c in ints:
        g = math.gcd(g, c)
    return tuple(c // g for c in ints) if g > 1 else tuple(ints)


def _solve4(rows, rhs) -> tuple | None:
    """The exact solution of a 4x4 integer system as (integer numerators, positive denominator), or None
    when singular (fraction-free Gaussian elimination, Bareiss)."""
    M = [list(rows[i]) + [rhs[i]] for i in range(4)]
    prev = 1
    for k in range(4):
        piv = next((i for i in range(k, 4) if M[i][k] != 0), None)
        if piv is None:
            return None
        if piv != k:
            M[k], M[piv] = M[piv], M[k]
        for i in range(k + 1, 4):
            for j in range(k + 1, 5):
                M[i][j] = (M[i][j] * M[k][k] - M[i][k] * M[k][j]) // prev
            M[i][k] = 0
        prev = M[k][k]
    det = M[3][3]
    # back substitution with a common denominator det: x_i = y_i / det
    y = [0, 0, 0, 0]
    for i in range(3, -1, -1):
        acc = M[i][4] * det - sum(M[i][j] * y[j] for j in range(i + 1, 4))
        assert acc % M[i][i] == 0
        y[i] = acc // M[i][i]
    if det < 0:
        det, y = -det, [-c for c in y]
    g = det
    for c in y:
        g = math.gcd(g, c)
    return tuple(c // g for c in y), det // g


class ExactHalfspaces:
    """K_H = {x : <n_E, x> <= h_E}, the float64 facet data read as rationals (lam = 1); see the module
    docstring for the checks that make its face lattice, on every facet used, exactly the hull's."""

    lam = 1

    def __init__(self, inc: np.ndarray, N: np.ndarray, H: np.ndarray, V: np.ndarray, scale: float):
        self.inc = inc
        self.N = np.asarray(N, dtype=float)
        self.H = np.asarray(H, dtype=float)
        self.Vf = np.asarray(V, dtype=float)
        self.scale = float(scale)
        self._planes: dict[int, tuple] = {}
        self._V: dict[int, tuple] = {}
        self._checked: set[int] = set()
        self._facets_of = [tuple(int(g) for g in np.flatnonzero(inc[:, i])) for i in range(inc.shape[1])]

    def plane(self, g: int) -> tuple:
        """(n, h) of facet g as coprime integers (h > 0 in the centred coordinates)."""
        got = self._planes.get(g)
        if got is None:
            row = _integer_row(list(self.N[g]) + [self.H[g]])
            if row[4] <= 0:
                raise ExactUnavailable(f"facet {g} passes through the centre")
            got = self._planes[g] = (row[:4], row[4])
        return got

    def vertex_h(self, i: int) -> tuple:
        """Vertex i: the exact solution (X, d) of its four facet equations, strictly inside every other facet."""
        got = self._V.get(i)
        if got is not None:
            return got
        facets = self._facets_of[i]
        if len(facets) != 4:
            raise ExactUnavailable(f"vertex {i} lies on {len(facets)} facets")
        planes = [self.plane(g) for g in facets]
        sol = _solve4([p[0] for p in planes], [p[1] for p in planes])
        if sol is None:
            raise ExactUnavailable(f"the facets through vertex {i} do not meet in one point exactly")
        X, d = sol
        # Far facets are decided by the float filter (slack > 1e-9 of K's size, errors ~1e-16).
        slack = self.H - self.N @ self.Vf[i]
        on = set(facets)
        for g in np.flatnonzero(slack < 1e-9 * self.scale):
            g = int(g)
            if g not in on:
                n, h = self.plane(g)
                if sum(n[c] * X[c] for c in range(4)) >= h * d:
                    raise ExactUnavailable(f"vertex {i} is not strictly inside facet {g} exactly")
        got = self._V[i] = (X, d)
        return got

    def facet(self, g: int) -> tuple:
        """(n, h) of facet g, after checking that its vertices are exact vertices of K_H and that each has
        exactly three neighbours on g (so g's exact vertex set, and its 2-faces, are the hull's)."""
        if g not in self._checked:
            verts = [int(i) for i in np.flatnonzero(self.inc[g])]
            if len(verts) < 4:
                raise ExactUnavailable(f"facet {g} has {len(verts)} vertices")
            sets = {}
            for i in verts:
                self.vertex_h(i)
                sets[i] = set(self._facets_of[i])
            for i in verts:
                if sum(1 for j in verts if j != i and len(sets[i] & sets[j]) == 3) != 3:
                    raise ExactUnavailable(f"facet {g}: vertex {i} does not have three neighbours on it")
            self._checked.add(g)
        return self.plane(g)

    def jn(self, E: int) -> tuple:
        n, _h = self.facet(E)
        return (-n[2], -n[3], n[0], n[1])


def exact_polytope_of(inc: np.ndarray, N: np.ndarray, H: np.ndarray, V: np.ndarray, scale: float):
    """K_H for a simple polytope (every vertex on four facets), else K_V (see the module docstring)."""
    if inc.shape[1] and bool(np.all(inc.sum(axis=0) == 4)):
        return ExactHalfspaces(inc, N, H, V, scale)
    return ExactPolytope(inc, V, scale)
