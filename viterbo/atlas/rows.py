"""One atlas row: a polytope, its exact capacity with a verified witness, and the facts around it.

The columns (:data:`COLUMNS`) are documented in README.md ("Atlases").  Everything except the
measured columns (:data:`MEASURED_COLUMNS`: seconds) is a deterministic function of the polytope,
so a rebuild reproduces a row value for value.  A polytope no method can certify still gets a row:
``certified`` False and ``reason`` saying why (capacity null when no value was found at all).
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from ..capacity import capacity
from ..errors import MethodNotApplicableError, TimeBudgetExceededError, VerificationError
from ..geometry.polytope import Polytope

__all__ = ["COLUMNS", "MEASURED_COLUMNS", "compute_row", "orbit_type"]

#: Column name -> short description (the README table is generated from the same words).
COLUMNS = {
    "index": "row index within its build (the row's seed derives from (seed, index))",
    "family": "generator family (random_hull, random_halfspaces, lagrangian_product, symplectic_image, search:...)",
    "params": "JSON object of the generator's parameters (e.g. {\"points\": 17})",
    "build_seed": "the build's --seed",
    "seed": "the polytope's own seed (63-bit), derived from (build_seed, index)",
    "dim": "ambient dimension (4)",
    "n_facets": "number of facets",
    "n_vertices": "number of vertices",
    "vertices": "list of vertices (each a list of 4 floats)",
    "normals": "unit outward facet normals (list of 4-lists), facet i is {<normals[i], x> = offsets[i]}",
    "offsets": "facet offsets (list of floats)",
    "volume": "4-volume",
    "capacity": "c_EHZ (null when no method could give a value)",
    "systolic_ratio": "c^2 / (2 vol)",
    "method": "the method that produced the value",
    "certified": "True when the method proved the value and the witness passed verify()",
    "reason": "why not certified (null when certified)",
    "orbit_facets": "the minimiser's facet sequence (the witness orbit's facets, in flow order)",
    "orbit_type": "type1 (breakpoints in open 2-faces) or type2 (a breakpoint on the 1-skeleton)",
    "rotation": "rotation number of the minimiser (reeb; or from the spectrum)",
    "cz": "Conley-Zehnder index of the minimiser (spectrum only)",
    "A2": "A_2: least action of a Type 1 orbit with CZ = 5 (spectrum only, null if none below 2.5 A_1)",
    "work": "JSON object of the method's integer work counters (nodes, KKT solves, prunes)",
    "seconds": "wall seconds for the whole row (measured: varies between runs)",
    "capacity_seconds": "wall seconds of the capacity call (measured)",
    "viterbo_version": "viterbo version that built the row",
    "git_commit": "git commit of the checkout that built the row",
}
#: Columns that measure time; every other column is reproduced exactly by a rebuild.
MEASURED_COLUMNS = ("seconds", "capacity_seconds")

#: Factor of A_1 up to which the spectrum looks for A_2.
A2_ACTION_FACTOR = 2.5


def orbit_type(K: Polytope, breakpoints: np.ndarray, tol: float = 1e-8) -> str:
    """"type1" when every breakpoint lies on exactly two facets (an open 2-face), else "type2"."""
    scale = float(np.abs(K.vertices_np - K.vertices_np.mean(axis=0)).max())
    active = np.abs(breakpoints @ K.normals_np.T - K.offsets_np) <= tol * scale
    return "type1" if bool((active.sum(axis=1) <= 2).all()) else "type2"


def _work_counters(stats: dict) -> str:
    keep = {k: int(v) for k, v in sorted(stats.items())
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool)}
    return json.dumps(keep, sort_keys=True)


def _spectrum_facts(K: Polytope, A1: float, time_budget: float | None) -> dict:
    """rotation, cz and A_2 from vb.spectrum (symplectic polytopes in R^4 only)."""
    from ..capacity.reeb import spectrum

    orbits = spectrum(K, max_action=A2_ACTION_FACTOR * A1, rotation_cap=3.0, time_budget=time_budget)
    out = {}
    if orbits:
        first = orbits[0]
        if abs(first.action - A1) <= 1e-9 * A1:
            out["rotation"], out["cz"] = float(first.rotation), first.cz
    cz5 = [o.action for o in orbits if o.cz == 5 and o.certified]
    out["A2"] = min(cz5) if cz5 else None
    return out


def compute_row(K: Polytope, *, time_budget: float | None = None, with_spectrum: bool = False,
                method: str = "auto") -> dict:
    """The measured facts of one polytope (every column of :data:`COLUMNS` except the identity ones).

    Parameters
    ----------
    K : Polytope
        A polytope in R^4.
    time_budget : float, optional
        Seconds for the capacity call (and again for the spectrum); a row that runs out is
        recorded uncertified with the reason, not dropped.
    with_spectrum : bool
        Also run :func:`viterbo.spectrum` (rotation cap 3) for the minimiser's CZ index and A_2.
    method : str
        Capacity method (default "auto").

    Returns
    -------
    dict
        Column -> value.
    """
    t0 = time.perf_counter()
    row = {"dim": K.dim, "n_facets": K.n_facets, "n_vertices": K.n_vertices,
           "vertices": K.vertices_np.tolist(), "normals": K.normals_np.tolist(), "offsets": K.offsets_np.tolist(),
           "volume": K.volume(), "capacity": None, "systolic_ratio": None, "method": None, "certified": False,
           "reason": None, "orbit_facets": None, "orbit_type": None, "rotation": None, "cz": None, "A2": None,
           "work": "{}", "capacity_seconds": None}
    try:
        t1 = time.perf_counter()
        result = capacity(K, method=method, time_budget=time_budget)
        row["capacity_seconds"] = time.perf_counter() - t1
    except (MethodNotApplicableError, TimeBudgetExceededError, VerificationError) as exc:
        row["reason"] = f"{type(exc).__name__}: {exc}"
        row["seconds"] = time.perf_counter() - t0
        return row
    row.update(capacity=float(result.value), method=result.method, certified=bool(result.certified),
               reason=result.reason, orbit_facets=[int(f) for f in result.orbit.facets],
               work=_work_counters(result.stats))
    row["systolic_ratio"] = result.value**2 / (2.0 * row["volume"])
    X = np.array(result.orbit.breakpoints_np)
    row["orbit_type"] = orbit_type(K, X)
    if "rotation" in result.stats:
        row["rotation"] = float(result.stats["rotation"])
    try:
        result.verify()
    except VerificationError as exc:
        row["certified"] = False
        row["reason"] = f"witness failed verify(): {exc}"
    if with_spectrum and _reeb_applies(K):
        try:
            row.update(_spectrum_facts(K, result.value, time_budget))
        except (MethodNotApplicableError, TimeBudgetExceededError):
            pass  # A2 stays null: the spectrum is extra information, the row is still valid
    if not math.isfinite(row["systolic_ratio"]):
        row["certified"] = False
        row["reason"] = f"systolic ratio {row['systolic_ratio']!r} is not finite (volume {row['volume']!r})"
    row["seconds"] = time.perf_counter() - t0
    return row


def _reeb_applies(K: Polytope) -> bool:
    from ..capacity import methods

    return any(m.name == "reeb" and m.why_not(K) is None for m in methods())
