"""The spectrum of short combinatorial Reeb orbits of a symplectic 4D polytope.

The same branch-and-bound search as method="reeb", with an action cap in
place of the incumbent and without the facet-once restriction (orbits may
cross a facet several times).  The search keeps primitive cycles (face
sequences that are not proper powers, one per cyclic rotation); the iterates
gamma^j are added afterwards, labelled with ``multiplicity=j``, with action
j A(gamma) and rotation j rho(gamma) (the rotation number of a lift is
homogeneous).  reeb-dynamics-4d.md §5.4; what "complete" and "verified" mean:
reeb-certification.md §6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...errors import MethodNotApplicableError
from ...geometry._storage import frozen
from ...geometry.polytope import Polytope
from ...runtime import Budget, default_timeout
from .exact import exact_cycle
from .method import reeb_capacity, run_search, why_not_reeb
from .orbit_fit import STATUS_OK, clean_witness
from .rotation import classify, cz_from_code, trace_tolerance
from .search_reference import SearchConfig

if TYPE_CHECKING:
    import torch

__all__ = ["ReebOrbit", "Spectrum", "spectrum", "DEFAULT_ACTION_FACTOR"]

#: Default max_action of :func:`spectrum`: this multiple of c_EHZ(K).
DEFAULT_ACTION_FACTOR = 2.5


@dataclass(frozen=True)
class ReebOrbit:
    """A closed combinatorial Reeb orbit of a 4D polytope, possibly an iterate.

    Attributes
    ----------
    action : float
        Action (= period), recomputed from the breakpoints.
    rotation : float
        Combinatorial rotation number rho (CH Def 2.23) of the 2-face cycle.
    cz : int or None
        Conley–Zehnder index floor(rho) + ceil(rho); None when degenerate or of Type 2.
    degenerate : bool
        Whether the linearised return map has eigenvalue 1.
    faces : tuple of (int, int)
        The cyclic sequence of 2-faces visited, as facet pairs (i < j).
    facets : tuple of int
        The facet of each segment (segment i runs from breakpoint i to i+1).
    breakpoints_np : np.ndarray, shape (k, 4)
        The orbit's corners, x_i on faces[i] (read-only float64); ``breakpoints`` gives them as a
        torch tensor on K's device (torch is imported only then).
    multiplicity : int
        1 for a simple orbit, j for the j-fold iterate of one.
    verified : bool
        The breakpoints were rebuilt in R^4 and passed every check (closed, on
        the boundary, along the Reeb directions, action = sum of times): the
        orbit is a closed characteristic.  This is a property of this orbit;
        completeness of the list is :attr:`Spectrum.complete`.
    orbit_type : int
        1 when the orbit misses the 1-skeleton (by more than the tolerance),
        2 when it touches it (CH Def 1.9; rotation and CZ are then those of the
        2-face cycle it was found on, which CH do not define for Type 2).
    """

    action: float
    rotation: float
    cz: int | None
    degenerate: bool
    faces: tuple
    facets: tuple
    breakpoints_np: np.ndarray
    multiplicity: int = 1
    verified: bool = True
    orbit_type: int = 1
    device: str = "cpu"

    @property
    def breakpoints(self) -> torch.Tensor:
        """The breakpoints as a torch float64 tensor on K's device (imports torch)."""
        import torch

        return torch.tensor(np.array(self.breakpoints_np), dtype=torch.float64, device=self.device)

    @property
    def simple(self) -> bool:
        """True for a simple (multiplicity 1) orbit."""
        return self.multiplicity == 1

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"action": self.action, "rotation": self.rotation, "cz": self.cz, "degenerate": self.degenerate,
                "faces": [list(f) for f in self.faces], "facets": list(self.facets),
                "breakpoints": np.asarray(self.breakpoints_np).tolist(), "multiplicity": self.multiplicity,
                "verified": self.verified, "orbit_type": self.orbit_type}


class Spectrum(list):
    """The orbits found by :func:`spectrum` (a list, sorted by action) and what the list claims.

    Attributes
    ----------
    complete : bool
        True when every Type 1 orbit with action <= ``max_action`` and
        rotation <= ``rotation_cap`` is listed (closed search domains, nothing
        lost to numerical rejection).  Type 2 orbits met on domain boundaries
        are listed too, but the list does not claim all of them.
    reason : str or None
        What was not excluded when ``complete`` is False.
    max_action, rotation_cap : float
        The caps the list is complete for.
    """

    def __init__(self, orbits=(), *, complete: bool = True, reason: str | None = None, max_action: float = math.inf,
                 rotation_cap: float = 2.0):
        super().__init__(orbits)
        self.complete = complete
        self.reason = reason
        self.max_action = max_action
        self.rotation_cap = rotation_cap

    def __repr__(self) -> str:
        flag = "" if self.complete else ", complete=False"
        return f"Spectrum({len(self)} orbits, max_action={self.max_action!r}{flag})"


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


def _check_levers(max_action, rotation_cap, max_orbits, time_budget) -> None:
    def bad(name, value, need):
        raise MethodNotApplicableError(f"spectrum: {name} = {value!r}; {need}.")

    if max_action is not None and not (isinstance(max_action, (int, float)) and math.isfinite(max_action)
                                       and max_action > 0):
        bad("max_action", max_action, "pass a positive finite action, or None for 2.5 c_EHZ")
    if not (isinstance(rotation_cap, (int, float)) and math.isfinite(rotation_cap) and rotation_cap > 0):
        bad("rotation_cap", rotation_cap, "pass a positive finite rotation number (2 reaches c_EHZ, 3 reaches A_2)")
    if max_orbits is not None and not (isinstance(max_orbits, (int, np.integer)) and max_orbits > 0):
        bad("max_orbits", max_orbits, "pass a positive integer, or None for all")
    if time_budget is not None and (not isinstance(time_budget, (int, float)) or math.isnan(time_budget)):
        bad("time_budget", time_budget, "pass seconds (inf or <= 0 for no limit), or None for the default")


def _geometric_key(x: np.ndarray, facets, scale: float) -> tuple:
    """The loop as a set of rounded corners: two face sequences through the same Type 2 loop coincide."""
    q = np.round(x / (1e-7 * scale)).astype(np.int64)
    return tuple(sorted(zip(map(tuple, q.tolist()), facets)))


def spectrum(K: Polytope, max_action: float | None = None, rotation_cap: float = 2.0, use_cF_budgets: bool = True,
             use_memo: bool = True, max_orbits: int | None = None, time_budget: float | None = None,
             implementation: str | None = None, include_type2: bool = False) -> Spectrum:
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
        Seconds (default from VITERBO_SOLVER_TIMEOUT; inf or <= 0: no limit);
        raises when exceeded.
    implementation : {None, "native", "python"}
        None: the compiled kernel when available; "native" requires it; "python" forces the
        pure-Python reference.
    include_type2 : bool
        Also list the Type 2 orbits the search meets on the boundaries of its
        domains (``orbit_type=2``; e.g. the limits of the 24-cell's families).
        The list is complete for Type 1 orbits only.

    Returns
    -------
    Spectrum
        A list of :class:`ReebOrbit` sorted by action; iterates of simple
        orbits are included with ``multiplicity > 1``.  The first entry's
        action is c_EHZ(K).  ``.complete`` and ``.reason`` say whether every
        Type 1 orbit below the caps is listed.

    Raises
    ------
    MethodNotApplicableError
        K not in R^4 or with Lagrangian 2-faces, or a lever that is not a
        positive finite number.
    TimeBudgetExceededError
        The search ran out of time.

    References
    ----------
    J. Chaidez, M. Hutchings (2021), §1.6, Def 1.25, Conj 1.24.

    Examples
    --------
    >>> import viterbo as vb
    >>> orbits = vb.spectrum(vb.families.cross_polytope(), max_action=1.5)
    >>> round(orbits[0].action, 9), orbits.complete
    (1.0, True)
    """
    _check_levers(max_action, rotation_cap, max_orbits, time_budget)
    why = why_not_reeb(K)
    if why is not None:
        raise MethodNotApplicableError(f"spectrum: {why}.")
    seconds = default_timeout() if time_budget is None else time_budget
    if seconds is not None and math.isinf(seconds):
        seconds = None
    budget = Budget(seconds, what="spectrum")
    if max_action is None:
        cap_result = reeb_capacity(K, budget=budget, rotation_cap=2.0, use_cF_budgets=use_cF_budgets,
                                   use_memo=use_memo, implementation=implementation)
        max_action = DEFAULT_ACTION_FACTOR * cap_result.value
    cfg = SearchConfig(spectrum=True, rotation_cap=rotation_cap, use_cF_budgets=use_cF_budgets, use_memo=use_memo,
                       action_cap=float(max_action), max_orbits=max_orbits)
    G, out = run_search(K, cfg, budget, implementation)
    problems = []
    found = list(out.orbits)
    for kind, faces, est in out.pending:
        ex = exact_cycle(G, list(faces)) if kind == 1 else None
        if ex is not None and ex.status == "excluded":
            continue
        if ex is not None and ex.status == "valid" and float(ex.action) > max_action:
            continue
        what = f"estimated action {est:.12g}" if math.isfinite(est) else "its return map singular in float64"
        problems.append(f"a cycle through {len(faces)} 2-faces ({what}) failed the float checks"
                        + ("" if ex is None else f" and its exact re-evaluation is {ex.status}"))
    if out.stats.get("rotation_impossible", 0):
        problems.append(f"{out.stats['rotation_impossible']} rotation classes were undecidable in float64 "
                        "(traces within rounding of +-2), so the rotation cap may have cut an orbit")
    tol = 1e-12
    orbits: list[ReebOrbit] = []
    seen = set()
    for c in found:
        x = c.x + G.centre
        otype = 1 if c.status == STATUS_OK else 2
        if otype == 2 and not include_type2:
            continue
        if otype == 2:
            xc, fc = clean_witness(c.x, c.t, c.flow_facets)
            key = _geometric_key(xc, fc, G.scale)
            if key in seen:
                continue
            seen.add(key)
        faces = tuple(tuple(int(v) for v in G.face_pairs[f]) for f in c.faces)
        facets = tuple(int(G.face_facets[f, 1]) for f in c.faces)
        cz = None if (c.degenerate or otype == 2) else cz_from_code(c.code)
        orbits.append(ReebOrbit(float(c.action), float(c.rho), cz, bool(c.degenerate), faces, facets,
                                frozen(x), 1, True, otype, K._device))
        j = 2
        while j * c.action <= max_action * (1 + tol) and j * c.rho <= rotation_cap + tol:
            czj, degj = _iterate_index(c.A, j, c.rho)
            if otype == 2:
                czj = None
            orbits.append(ReebOrbit(float(j * c.action), float(j * c.rho), czj, degj, faces * j, facets * j,
                                    frozen(np.tile(x, (j, 1))), j, True, otype, K._device))
            j += 1
    # Sort by action rounded to 12 significant digits, so that ties (symmetric bodies) are
    # ordered by multiplicity and face sequence, not by rounding noise.
    orbits.sort(key=lambda o: (float(f"{o.action:.12g}"), o.multiplicity, o.faces))
    if max_orbits is not None:
        orbits = orbits[:max_orbits]
    return Spectrum(orbits, complete=not problems, reason="; ".join(problems) if problems else None,
                    max_action=float(max_action), rotation_cap=float(rotation_cap))
