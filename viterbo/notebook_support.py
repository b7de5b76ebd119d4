"""Data preparation for the marimo notebooks (``notebooks/``): polytope choice, tables, frames.

The notebooks only display; everything here is plain, tested library code on
top of the public API.  Frames are pandas DataFrames (pandas is a dev extra,
imported lazily).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from .capacity import capacity, choose_method
from .capacity._registry import get_method, methods
from .errors import MethodNotApplicableError, PolytopeError
from .geometry import families
from .geometry.lagrangian import is_symplectic_polytope, lagrangian_two_faces
from .geometry.polytope import Polytope
from .profiling import method_parameters

__all__ = ["FAMILY_CHOICES", "build_polytope", "parse_points_text", "polytope_from_text", "polytope_summary",
           "method_table", "method_levers", "orbit_frame", "vertex_frame", "counters_frame", "spectrum_frame",
           "methods_disagreement", "rotated_pentagon_product", "systolic_ratio_curve"]

#: Families offered by the notebooks (label -> family name understood by :func:`build_polytope`).
FAMILY_CHOICES = {
    "cube": "cube",
    "cross-polytope": "cross_polytope",
    "24-cell": "cell24",
    "simplex": "simplex",
    "pentagon counterexample": "pentagon_counterexample",
    "random hull": "random_hull",
}


def build_polytope(family: str, *, n_points: int = 20, seed: int = 0, symplectic_seed: int | None = None) -> Polytope:
    """A family polytope, optionally moved by a seeded random symplectic matrix.

    Parameters
    ----------
    family : str
        A value of :data:`FAMILY_CHOICES` (``"random_hull"`` uses ``n_points`` and ``seed``).
    symplectic_seed : int, optional
        When given, return ``families.symplectic_image(K, symplectic_seed)`` (same capacity).

    Examples
    --------
    >>> build_polytope("cube").n_facets
    8
    >>> build_polytope("random_hull", n_points=12, seed=1).name
    'random_hull(n=12,seed=1)'
    """
    if family == "random_hull":
        K = families.random_hull(int(n_points), 4, int(seed))
    else:
        K = families.by_name(family)
    if symplectic_seed is not None:
        K = families.symplectic_image(K, int(symplectic_seed))
    return K


def parse_points_text(text: str) -> np.ndarray:
    """Points from pasted text: CSV rows (commas, semicolons or blanks), a JSON list of points, or {"vertices": [...]}.

    Lines starting with ``#`` are comments.

    Raises
    ------
    PolytopeError
        Empty input, non-numeric entries or rows of different lengths (the message names the row).

    Examples
    --------
    >>> parse_points_text("1, 0\\n0 1\\n# comment\\n-1;-1").tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    """
    stripped = text.strip()
    if not stripped:
        raise PolytopeError("no points given; paste one point per line, e.g. '1, 0, 0, 0'.")
    if stripped.startswith(("[", "{")):
        try:
            rows = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise PolytopeError(f"points text looks like JSON but is not valid ({exc.msg} at line {exc.lineno}).") from exc
        if isinstance(rows, dict):  # {"vertices": [...]}, as Polytope.to_dict() and the CLI accept
            rows = rows.get("vertices")
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise PolytopeError("JSON points must be a list of lists of numbers, e.g. [[1, 0], [0, 1], [-1, -1]].")
    else:
        rows = []
        for line in stripped.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            line = line.replace(";", ",")
            fields = next(csv.reader(io.StringIO(line))) if "," in line else line.split()
            rows.append([f.strip() for f in fields if f.strip()])
    if not rows:
        raise PolytopeError("no points given; every line is empty or a comment.")
    width = len(rows[0])
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            raise PolytopeError(f"point {i} has {len(row)} coordinates but point 1 has {width}; "
                                "every point needs the same number.")
    try:
        return np.array([[float(x) for x in r] for r in rows], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PolytopeError(f"not every coordinate is a number ({exc}).") from exc


def polytope_from_text(text: str, name: str = "pasted") -> Polytope:
    """The convex hull of the points in ``text`` (see :func:`parse_points_text`)."""
    return Polytope.from_vertices(parse_points_text(text), name=name)


def polytope_summary(K: Polytope) -> dict[str, Any]:
    """Name, dimension, facets, vertices, volume, symmetry and (in R^4) Lagrangian 2-faces of K."""
    info: dict[str, Any] = {"name": K.name or "(unnamed)", "dim": K.dim, "facets": K.n_facets,
                            "vertices": K.n_vertices, "volume": K.volume(),
                            "centrally symmetric": K.is_centrally_symmetric()}
    if K.dim == 4:
        lag = lagrangian_two_faces(K)
        info["2-faces"] = len(K.two_faces())
        info["Lagrangian 2-faces"] = len(lag)
        info["symplectic polytope"] = is_symplectic_polytope(K)
    return info


def method_table(K: Polytope) -> list[dict[str, Any]]:
    """One row per registered method: does it apply to K, and if not, why not.

    The method ``"auto"`` would run is marked ``auto = True``.
    """
    try:
        auto = choose_method(K).name
    except MethodNotApplicableError:
        auto = None
    return [{"method": s.name, "applies": s.why_not(K) is None, "auto": s.name == auto,
             "why not": s.why_not(K) or "", "summary": s.summary} for s in methods()]


def method_levers(K: Polytope, method: str, levers: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The method ``capacity(K, method)`` would run and the subset of ``levers`` its signature accepts.

    Raises
    ------
    MethodNotApplicableError
        The method does not apply to K, or no method does (for "auto").
    """
    if method == "auto":
        name = choose_method(K).name
    else:
        spec = get_method(method)
        why = spec.why_not(K)
        if why is not None:
            raise MethodNotApplicableError(f'method "{spec.name}" does not apply: {why}. Try method="auto".')
        name = spec.name
    accepted = method_parameters(name)
    return name, {k: v for k, v in levers.items() if k in accepted}


def orbit_frame(orbit) -> Any:
    """Breakpoints of a 4D orbit as a closed loop: columns ``step``, ``q1``, ``q2``, ``p1``, ``p2``, ``facet``.

    The first breakpoint is repeated at the end so a line chart closes the loop;
    ``facet`` is the facet of the segment that starts at the row.
    """
    import pandas as pd

    X = orbit.breakpoints.detach().cpu().numpy()
    if X.shape[1] != 4:
        raise ValueError(f"orbit_frame: the orbit is in R^{X.shape[1]}; the q/p-plane pictures need R^4.")
    facets = list(orbit.facets)
    loop = np.vstack([X, X[:1]])
    return pd.DataFrame({"step": np.arange(len(loop)), "q1": loop[:, 0], "q2": loop[:, 1],
                         "p1": loop[:, 2], "p2": loop[:, 3], "facet": facets + facets[:1]})


def vertex_frame(K: Polytope) -> Any:
    """Vertices of a 4D polytope: columns ``q1``, ``q2``, ``p1``, ``p2`` (for the plane projections)."""
    import pandas as pd

    V = K.vertices_np
    if V.shape[1] != 4:
        raise ValueError(f"vertex_frame: K is in R^{V.shape[1]}; the q/p-plane pictures need R^4.")
    return pd.DataFrame({"q1": V[:, 0], "q2": V[:, 1], "p1": V[:, 2], "p2": V[:, 3]})


def counters_frame(stats: dict[str, Any]) -> Any:
    """The search counters of a result's ``stats``: columns ``counter``, ``count``, ``kind``.

    ``kind`` is ``"pruned"`` for the ``pruned_*`` rules (one per lever / rule) and
    ``"search"`` for the other integer counters; ``seconds`` and non-integers are left out.
    """
    import pandas as pd

    rows = []
    for key, val in stats.items():
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)):
            continue
        rows.append({"counter": key, "count": int(val), "kind": "pruned" if key.startswith("pruned_") else "search"})
    return pd.DataFrame(rows, columns=["counter", "count", "kind"])


def spectrum_frame(orbits) -> Any:
    """Reeb orbits (``viterbo.spectrum`` output) as a table for charts.

    Columns ``action``, ``rotation``, ``cz`` (text: the index, or "degenerate"/"n/a"),
    ``multiplicity``, ``simple``, ``segments``, ``facets`` (text), ``verified`` (the orbit was
    rebuilt and re-checked) and ``orbit_type`` (1 or 2).  Whether the list is complete is the
    spectrum's own ``complete`` flag, not a per-orbit column.
    """
    import pandas as pd

    rows = []
    for o in orbits:
        if o.cz is not None:
            cz = str(o.cz)
        else:
            cz = "degenerate" if o.degenerate else "n/a"
        rows.append({"action": float(o.action), "rotation": float(o.rotation), "cz": cz,
                     "multiplicity": int(o.multiplicity), "simple": bool(o.simple),
                     "segments": len(o.facets), "facets": " ".join(str(f) for f in o.facets),
                     "verified": bool(o.verified), "orbit_type": int(o.orbit_type)})
    return pd.DataFrame(rows, columns=["action", "rotation", "cz", "multiplicity", "simple", "segments",
                                       "facets", "verified", "orbit_type"])


def methods_disagreement(results: dict[str, Any], rel_tol: float = 1e-9) -> str | None:
    """None when every method's capacity agrees within ``rel_tol``, else a sentence listing the values.

    Parameters
    ----------
    results : dict
        Method name -> :class:`~viterbo.CapacityResult` (or anything with ``value``).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> methods_disagreement({"a": R(value=1.0), "b": R(value=1.0 + 1e-12)}) is None
    True
    >>> methods_disagreement({"a": R(value=1.0), "b": R(value=1.5)})
    'the methods disagree: a: 1.0, b: 1.5'
    """
    values = [float(r.value) for r in results.values()]
    if not values:
        return None
    scale = max(1.0, max(abs(v) for v in values))
    if max(values) - min(values) <= rel_tol * scale:
        return None
    return "the methods disagree: " + ", ".join(f"{m}: {float(r.value)!r}" for m, r in results.items())


def rotated_pentagon_product(angle: float) -> Polytope:
    """P x R_angle P: the regular pentagon times the same pentagon turned by ``angle`` radians.

    ``angle = pi/2`` is the Haim-Kislev–Ostrover counterexample
    (:func:`viterbo.families.pentagon_counterexample`); the product depends on
    ``angle`` modulo 2 pi / 5.
    """
    return families.lagrangian_product(families.regular_polygon(5), families.regular_polygon(5, angle=angle),
                                       name=f"pentagon x pentagon({math.degrees(angle):.6g} deg)")


def systolic_ratio_curve(angles_deg, method: str = "auto", *, time_budget: float | None = None) -> Any:
    """The systolic ratio of P x R_angle P over a grid of angles (degrees).

    Returns
    -------
    pandas.DataFrame
        Columns ``angle_deg``, ``capacity``, ``volume``, ``systolic_ratio``, ``method``, ``seconds``.

    Raises
    ------
    MethodNotApplicableError
        No registered method applies to the product (e.g. none for Lagrangian products is built).
    """
    import pandas as pd

    rows = []
    for deg in angles_deg:
        K = rotated_pentagon_product(math.radians(float(deg)))
        result = capacity(K, method=method, time_budget=time_budget)
        rows.append({"angle_deg": float(deg), "capacity": float(result.value), "volume": K.volume(),
                     "systolic_ratio": result.systolic_ratio(), "method": result.method,
                     "seconds": float(result.stats.get("seconds", float("nan")))})
    return pd.DataFrame(rows)
