"""The spectrum of short combinatorial Reeb orbits of a symplectic 4D polytope.

The same branch-and-bound search as method="reeb", with an action cap in
place of the incumbent and without the facet-once restriction (orbits may
cross a facet several times).  The search keeps primitive cycles (face
sequences that are not proper powers, one per cyclic rotation); the iterates
gamma^j are added afterwards, labelled with ``multiplicity=j``, with action
j A(gamma) and rotation j rho(gamma) (the rotation number of a lift is
homogeneous).  reeb-dynamics-4d.md §5.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...errors import MethodNotApplicableError
from ...geometry.polytope import Polytope
from ...runtime import Budget, default_timeout
from .method import reeb_capacity, run_search, why_not_reeb
from .orbit_fit import STATUS_OK
from .rotation import classify, cz_from_code, trace_tolerance
from .search_reference import SearchConfig

__all__ = ["ReebOrbit", "spectrum", "DEFAULT_ACTION_FACTOR"]

#: Default max_action of :func:`spectrum`: this multiple of c_EHZ(K).
DEFAULT_ACTION_FACTOR = 2.5


@dataclass(frozen=True)
class ReebOrbit:
    """A closed combinatorial Reeb orbit (Type 1) of a 4D polytope, possibly an iterate.

    Attributes
    ----------
    action : float
        Action (= period), recomputed from the breakpoints.
    rotation : float
        Combinatorial rotation number rho (CH Def 2.23).
    cz : int or None
        Conley–Zehnder index floor(rho) + ceil(rho); None when degenerate.
    degenerate : bool
        Whether the linearised return map has eigenvalue 1.
    faces : tuple of (int, int)
        The cyclic sequence of 2-faces visited, as facet pairs (i < j).
    facets : tuple of int
        The facet of each segment (segment i runs from breakpoint i to i+1).
    breakpoints : torch.Tensor, shape (k, 4)
        The orbit's corners, x_i on faces[i].
    multiplicity : int
        1 for a simple orbit, j for the j-fold iterate of one.
    certified : bool
        False when the orbit touches the 1-skeleton within tolerance (or is an
        iterate of such an orbit).
    """

    action: float
    rotation: float
    cz: int | None
    degenerate: bool
    faces: tuple
    facets: tuple
    breakpoints: torch.Tensor
    multiplicity: int = 1
    certified: bool = True

    @property
    def simple(self) -> bool:
        """True for a simple (multiplicity 1) orbit."""
        return self.multiplicity == 1

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"action": self.action, "rotation": self.rotation, "cz": self.cz, "degenerate": self.degenerate,
                "faces": [list(f) for f in self.faces], "facets": list(self.facets),
                "breakpoints": self.breakpoints.detach().cpu().tolist(), "multiplicity": self.multiplicity,
                "certified": self.certified}


def _iterate_index(A: np.ndarray, j: int, rho: float) -> tuple[int | None, bool]:
    """(CZ, degenerate) of the j-th iterate, from the class of A^j and rho_j = j rho."""
    Aj = np.linalg.matrix_power(A, j)
    tr = float(Aj[0, 0] + Aj[1, 1])
    if abs(tr - 2.0) <= trace_tolerance(Aj):
        return None, True
    kind = classify(Aj)
    rj = j * rho
    if kind == 0:  # positive hyperbolic: rho_j is an integer
        return 2 * int(round(rj)), False
    if kind == 2:  # negative hyperbolic: rho_j = n + 1/2
        return 2 * int(math.floor(rj + 1e-9)) + 1, False
    return 2 * int(math.floor(rj)) + 1, False


def spectrum(K: Polytope, max_action: float | None = None, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
             use_memo: bool = True, max_orbits: int | None = None, time_budget: float | None = None,
             implementation: str | None = None) -> list[ReebOrbit]:
    """Closed combinatorial Reeb orbits of K with action <= max_action and rotation <= rotation_cap.

    Parameters
    ----------
    K : Polytope
        In R^4 without Lagrangian 2-faces.
    max_action : float, optional
        Action cap; default ``2.5 * c_EHZ(K)`` (computed first with method="reeb").
    rotation_cap : float
        Keep orbits with rotation number <= this (3 reaches A_2, CZ = 5).
    use_cF_budgets, use_memo : bool
        The search levers (see :func:`viterbo.capacity` with method="reeb").
    max_orbits : int, optional
        Return only the ``max_orbits`` orbits of least action (the search
        tightens its action cap as soon as it has that many).
    time_budget : float, optional
        Seconds (default from VITERBO_SOLVER_TIMEOUT); raises when exceeded.
    implementation : {None, "native", "python"}
        None: the compiled kernel when available; "native" requires it; "python" forces the
        pure-Python reference.

    Returns
    -------
    list of ReebOrbit
        Sorted by action; iterates of simple orbits are included with
        ``multiplicity > 1``.  The first entry's action is c_EHZ(K).

    Raises
    ------
    MethodNotApplicableError
        K not in R^4 or with (nearly) Lagrangian 2-faces.
    TimeBudgetExceededError
        The search ran out of time.

    References
    ----------
    J. Chaidez, M. Hutchings (2021), §1.6, Def 1.25, Conj 1.24.

    Examples
    --------
    >>> import viterbo as vb
    >>> orbits = vb.spectrum(vb.families.cross_polytope(), max_action=1.5)
    >>> round(orbits[0].action, 9)
    1.0
    """
    why = why_not_reeb(K)
    if why is not None:
        raise MethodNotApplicableError(f"spectrum: {why}.")
    seconds = default_timeout() if time_budget is None else time_budget
    budget = Budget(seconds, what="spectrum")
    if max_action is None:
        cap_result = reeb_capacity(K, budget=budget, rotation_cap=2.0, use_cF_budgets=use_cF_budgets,
                                   use_memo=use_memo, implementation=implementation)
        max_action = DEFAULT_ACTION_FACTOR * cap_result.value
    cfg = SearchConfig(spectrum=True, rotation_cap=rotation_cap, use_cF_budgets=use_cF_budgets, use_memo=use_memo,
                       action_cap=float(max_action), max_orbits=max_orbits)
    G, out = run_search(K, cfg, budget, implementation)
    tol = 1e-12
    orbits: list[ReebOrbit] = []
    for c in out.orbits:
        faces = tuple(tuple(int(v) for v in G.face_pairs[f]) for f in c.faces)
        facets = tuple(int(G.face_facets[f, 1]) for f in c.faces)
        x = c.x + G.centre
        cz = None if c.degenerate else cz_from_code(c.code)
        ok = c.status == STATUS_OK
        orbits.append(ReebOrbit(float(c.action), float(c.rho), cz, bool(c.degenerate), faces, facets,
                                torch.tensor(x, dtype=torch.float64, device=K.device), 1, ok))
        j = 2
        while j * c.action <= max_action * (1 + tol) and j * c.rho <= rotation_cap + tol:
            czj, degj = _iterate_index(c.A, j, c.rho)
            orbits.append(ReebOrbit(float(j * c.action), float(j * c.rho), czj, degj, faces * j, facets * j,
                                    torch.tensor(np.tile(x, (j, 1)), dtype=torch.float64, device=K.device), j, ok))
            j += 1
    # Sort by action rounded to 12 significant digits, so that ties (symmetric bodies) are
    # ordered by multiplicity and face sequence, not by rounding noise.
    orbits.sort(key=lambda o: (float(f"{o.action:.12g}"), o.multiplicity, o.faces))
    if max_orbits is not None:
        orbits = orbits[:max_orbits]
    return orbits
