"""Frames behind the notebooks' pictures: witness loops, polytope outlines, the planes to draw, spectra."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..geometry.polygon import convex_hull_ccw, shoelace_area
from ..geometry.polytope import Polytope
from ._format import fmt_number

__all__ = ["COORDINATES", "PLANE_PAIRS", "WitnessPlanes", "breakpoints_array", "orbit_frame", "point_labels",
           "vertex_frame", "outline_frame",
           "plane_domains", "plane_label", "witness_planes", "spectrum_frame", "spectrum_groups"]

#: Coordinate names in R^4, x = (q1, q2, p1, p2).
COORDINATES = ("q1", "q2", "p1", "p2")

#: The two pairs of coordinate planes a 4D witness is drawn in.
PLANE_PAIRS = {
    "q- and p-planes": (("q1", "q2"), ("p1", "p2")),
    "(q1, p1)- and (q2, p2)-planes": (("q1", "p1"), ("q2", "p2")),
}


def breakpoints_array(orbit) -> np.ndarray:
    """An orbit's breakpoints as a numpy array (``breakpoints_np`` when the orbit has it: no torch needed)."""
    X = getattr(orbit, "breakpoints_np", None)
    return np.asarray(X) if X is not None else orbit.breakpoints.detach().cpu().numpy()


def _points4(X: np.ndarray, who: str) -> np.ndarray:
    if X.ndim != 2 or X.shape[1] != 4:
        raise ValueError(f"{who}: the points are in R^{X.shape[-1]}; the plane pictures need R^4.")
    return X


def orbit_frame(orbit) -> Any:
    """Breakpoints of a 4D orbit as a closed loop: columns ``step``, ``q1``, ``q2``, ``p1``, ``p2``, ``facet``.

    The first breakpoint is repeated at the end so a line chart closes the loop;
    ``facet`` is the facet of the segment that starts at the row.
    """
    import pandas as pd

    X = _points4(breakpoints_array(orbit), "orbit_frame")
    facets = list(orbit.facets)
    loop = np.vstack([X, X[:1]])
    frame = pd.DataFrame(loop, columns=list(COORDINATES))
    frame.insert(0, "step", np.arange(len(loop)))
    frame["facet"] = facets + facets[:1]
    return frame


def point_labels(orbit_frame_: Any, x: str, y: str) -> Any:
    """Labels for a witness's breakpoints in the (x, y)-plane: 1-based segment numbers, one label per point.

    Breakpoints that coincide in this projection share one label ("3, 4"), so that numbers never overlap.
    Columns ``x``, ``y`` (named after the coordinates) and ``label``.
    """
    import pandas as pd

    points = orbit_frame_.iloc[:-1]  # the last row repeats the first
    labels: dict[tuple[float, float], list[str]] = {}
    for step, px, py in zip(points["step"], points[x], points[y]):
        labels.setdefault((round(float(px), 9), round(float(py), 9)), []).append(str(int(step) + 1))
    return pd.DataFrame([{x: px, y: py, "label": ", ".join(names)} for (px, py), names in labels.items()],
                        columns=[x, y, "label"])


def vertex_frame(K: Polytope) -> Any:
    """Vertices of a 4D polytope: columns ``q1``, ``q2``, ``p1``, ``p2``."""
    import pandas as pd

    return pd.DataFrame(_points4(K.vertices_np, "vertex_frame"), columns=list(COORDINATES))


def _hull_loop(P: np.ndarray) -> np.ndarray:
    """The convex hull of planar points as a closed counter-clockwise loop (monotone chain)."""
    pts = sorted(set(map(tuple, np.round(P, 12))))
    hull = [pts[i] for i in convex_hull_ccw(pts)]
    return np.array(hull + hull[:1])


def outline_frame(K: Polytope, x: str, y: str) -> Any:
    """The outline of K's projection to the (x, y)-plane (its convex hull), as a closed loop.

    Columns ``x``, ``y`` named after the coordinates, and ``order`` for a line chart.
    """
    import pandas as pd

    V = _points4(K.vertices_np, "outline_frame")
    loop = _hull_loop(V[:, [COORDINATES.index(x), COORDINATES.index(y)]])
    return pd.DataFrame({x: loop[:, 0], y: loop[:, 1], "order": np.arange(len(loop))})


def plane_domains(K: Polytope, x: str, y: str, pad: float = 0.05) -> tuple[list[float], list[float]]:
    """Axis ranges for K's projection to the (x, y)-plane with equal spans, so a square chart keeps shapes true.

    Examples
    --------
    >>> import viterbo as vb
    >>> plane_domains(vb.families.cube(), "q1", "p1")
    ([-1.1, 1.1], [-1.1, 1.1])
    """
    V = _points4(K.vertices_np, "plane_domains")
    P = V[:, [COORDINATES.index(x), COORDINATES.index(y)]]
    lo, hi = P.min(axis=0), P.max(axis=0)
    half = 0.5 * float((hi - lo).max()) * (1 + 2 * pad)
    mid = 0.5 * (lo + hi)
    return ([round(float(mid[0] - half), 12), round(float(mid[0] + half), 12)],
            [round(float(mid[1] - half), 12), round(float(mid[1] + half), 12)])


@dataclass(frozen=True)
class WitnessPlanes:
    """Which pair of coordinate planes shows a witness best, and why."""

    name: str
    planes: tuple[tuple[str, str], tuple[str, str]]
    why: str


def _filled_share(X: np.ndarray, V: np.ndarray, i: int, j: int) -> float:
    """Area of the witness's projected hull over the area of K's projected outline, in the (i, j)-plane."""
    outline = abs(shoelace_area(_hull_loop(V[:, [i, j]])[:-1])) if len(V) >= 3 else 0.0
    if outline <= 0:
        return 0.0
    loop = _hull_loop(X[:, [i, j]])
    return abs(shoelace_area(loop[:-1])) / outline if len(loop) >= 4 else 0.0


def plane_label(x: str, y: str) -> str:
    """"q-plane" for (q1, q2), "p-plane" for (p1, p2), "(q1, p1)-plane" otherwise."""
    return f"{x[0]}-plane" if x[0] == y[0] else f"({x}, {y})-plane"


def witness_planes(K: Polytope, orbit, flat: float = 0.05) -> WitnessPlanes:
    """The pair of planes to draw a 4D witness in: the q- and p-planes, unless the witness looks flat there.

    The q- and p-planes are the usual pictures (for a Lagrangian product P x T they show the
    billiard in P and in T).  When the witness's projection to one of them encloses less than
    ``flat`` of K's projected outline (a segment or a point, as for the boundary of one factor of
    a split product K1 x K2), and the witness encloses more in the (q1, p1)- and (q2, p2)-planes,
    those are used instead.

    Examples
    --------
    >>> import viterbo as vb
    >>> K = vb.families.cube()
    >>> witness_planes(K, vb.capacity(K).orbit).name
    '(q1, p1)- and (q2, p2)-planes'
    >>> K = vb.families.pentagon_counterexample()
    >>> witness_planes(K, vb.capacity(K).orbit).name
    'q- and p-planes'
    """
    X = _points4(breakpoints_array(orbit), "witness_planes")
    V = K.vertices_np
    shares = {name: [_filled_share(X, V, COORDINATES.index(a), COORDINATES.index(b)) for a, b in planes]
              for name, planes in PLANE_PAIRS.items()}
    usual, other = PLANE_PAIRS
    flat_planes = [plane_label(a, b) for (a, b), share in zip(PLANE_PAIRS[usual], shares[usual]) if share < flat]
    if flat_planes and sum(shares[other]) > sum(shares[usual]):
        why = (f"The witness is nearly flat in the {' and '.join(flat_planes)} "
               f"(it encloses {fmt_number(min(shares[usual]), 2)} of K's outline there), so it is drawn in the "
               f"{other}.")
        return WitnessPlanes(other, PLANE_PAIRS[other], why)
    return WitnessPlanes(usual, PLANE_PAIRS[usual], f"The witness is drawn in the {usual}.")


def _cz_text(o) -> str:
    if o.cz is not None:
        return str(o.cz)
    return "degenerate" if o.degenerate else "n/a"


def spectrum_frame(orbits) -> Any:
    """Reeb orbits (``viterbo.spectrum`` output), one row each, full precision (for export).

    Columns ``action``, ``rotation``, ``cz`` (text: the index, or "degenerate"/"n/a"),
    ``multiplicity``, ``segments``, ``facets`` (text), ``verified`` (the orbit was rebuilt and
    re-checked) and ``orbit_type`` (1 or 2: it touches the 1-skeleton).  Whether the list is
    complete is the spectrum's own ``complete`` flag, not a per-orbit column.
    """
    import pandas as pd

    rows = [{"action": float(o.action), "rotation": float(o.rotation), "cz": _cz_text(o),
             "multiplicity": int(o.multiplicity), "segments": len(o.facets),
             "facets": " ".join(str(f) for f in o.facets), "verified": bool(o.verified),
             "orbit_type": int(o.orbit_type)} for o in orbits]
    return pd.DataFrame(rows, columns=["action", "rotation", "cz", "multiplicity", "segments", "facets", "verified",
                                       "orbit_type"])


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def spectrum_groups(orbits) -> Any:
    """Orbits with equal action, rotation, index and multiplicity grouped into one row with a count.

    Columns ``action``, ``rotation``, ``cz``, ``multiplicity``, ``orbits`` (the count),
    ``segments`` (text: one length, or a range), ``verified`` (text: "yes", "no" or "k of n"),
    ordered by action.  Values keep full precision (the notebook rounds them for display).

    Examples
    --------
    >>> import viterbo as vb
    >>> groups = spectrum_groups(vb.spectrum(vb.families.cell24(), max_action=2.5))
    >>> groups[["action", "orbits"]].round(9).values.tolist()[0]
    [2.0, 8.0]
    """
    import pandas as pd

    groups: list[dict[str, Any]] = []
    for o in orbits:
        key = (_cz_text(o), int(o.multiplicity))
        for g in groups:
            if g["key"] == key and _same(g["action"], o.action) and _same(g["rotation"], o.rotation):
                g["members"].append(o)
                break
        else:
            groups.append({"key": key, "action": float(o.action), "rotation": float(o.rotation), "members": [o]})
    rows = []
    for g in sorted(groups, key=lambda g: (g["action"], g["rotation"])):
        members = g["members"]
        lengths = sorted({len(o.facets) for o in members})
        verified = sum(bool(o.verified) for o in members)
        rows.append({"action": g["action"], "rotation": g["rotation"], "cz": g["key"][0],
                     "multiplicity": g["key"][1], "orbits": len(members),
                     "segments": str(lengths[0]) if len(lengths) == 1 else f"{lengths[0]}-{lengths[-1]}",
                     "verified": "yes" if verified == len(members) else "no" if verified == 0
                     else f"{verified} of {len(members)}"})
    return pd.DataFrame(rows, columns=["action", "rotation", "cz", "multiplicity", "orbits", "segments", "verified"])
