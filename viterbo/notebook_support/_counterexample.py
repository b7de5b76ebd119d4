"""counterexample.py: pentagon products, the ratio against the turn, and the witness told as a billiard."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..capacity import capacity
from ..capacity.agreement import AGREEMENT_REL_TOL, disagreement
from ..geometry import families
from ..geometry.polytope import Polytope
from ._format import fmt_number
from ._pictures import breakpoints_array

__all__ = ["methods_disagreement", "rotated_pentagon_product", "systolic_ratio_curve", "billiard_segments",
           "describe_billiard_witness"]


def methods_disagreement(results: dict[str, Any], rel_tol: float = AGREEMENT_REL_TOL) -> str | None:
    """None when every method's capacity agrees (:mod:`viterbo.capacity.agreement`), else a sentence listing them.

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
    return disagreement({m: r.value for m, r in results.items()}, rel_tol, what="methods")


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
        No registered method applies to the product.
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


def _moves(K: Polytope, facet: int, tol: float = 1e-9) -> str:
    """"q" when the segment on ``facet`` moves q (a facet K x (edge of T)), "p" when it moves p."""
    n = K.normals_np[facet]
    if np.linalg.norm(n[:2]) <= tol:
        return "q"
    if np.linalg.norm(n[2:]) <= tol:
        return "p"
    raise ValueError(f"facet {facet} of K has normal {n.round(6).tolist()}: K is not a Lagrangian product.")


def _point(x: np.ndarray) -> str:
    return f"({fmt_number(round(float(x[0]), 9), 3)}, {fmt_number(round(float(x[1]), 9), 3)})"


def billiard_segments(K: Polytope, orbit) -> Any:
    """The witness on a Lagrangian product P x T, segment by segment, as a billiard.

    On a facet (edge of P) x T the Reeb flow moves p and keeps q on the boundary of P: a **bounce**.
    On a facet P x (edge of T) it moves q and keeps p on the boundary of T: q **travels** across P.
    Columns ``segment`` (1-based), ``facet``, ``kind`` ("travel" or "bounce"), ``q from``, ``q to``,
    ``p from``, ``p to`` (rounded text).

    Raises
    ------
    ValueError
        K is not a Lagrangian product (a facet normal has both a q- and a p-part).
    """
    import pandas as pd

    X = breakpoints_array(orbit)
    k = len(X)
    rows = []
    for i, f in enumerate(orbit.facets):
        a, b = X[i], X[(i + 1) % k]
        rows.append({"segment": i + 1, "facet": int(f), "kind": "travel" if _moves(K, int(f)) == "q" else "bounce",
                     "q from": _point(a[:2]), "q to": _point(b[:2]), "p from": _point(a[2:]), "p to": _point(b[2:])})
    return pd.DataFrame(rows, columns=["segment", "facet", "kind", "q from", "q to", "p from", "p to"])


def _runs(kinds: list[str]) -> list[tuple[str, list[int]]]:
    """Maximal cyclic runs of equal kinds: [(kind, [segment indices])], starting at a change of kind."""
    k = len(kinds)
    if len(set(kinds)) == 1:
        return [(kinds[0], list(range(k)))]
    start = next(i for i in range(k) if kinds[i] != kinds[i - 1])
    runs: list[tuple[str, list[int]]] = []
    for step in range(k):
        i = (start + step) % k
        if runs and runs[-1][0] == kinds[i]:
            runs[-1][1].append(i)
        else:
            runs.append((kinds[i], [i]))
    return runs


def _span(indices: list[int]) -> str:
    shown = [str(i + 1) for i in indices]
    return f"segment {shown[0]}" if len(shown) == 1 else "segments " + ", ".join(shown[:-1]) + " and " + shown[-1]


def describe_billiard_witness(K: Polytope, orbit) -> str:
    """The witness on a Lagrangian product P x T told as a billiard, in sentences (Markdown).

    Says how many bounces the loop makes (q resting on the boundary of P while p moves), which
    segments travel (q moving while p rests on the boundary of T), and where the q-path turns
    inside P: there p sits at a corner of T and the direction of travel switches from one edge
    normal of T to the next, a glide around that corner without touching the boundary of P.
    """
    frame = billiard_segments(K, orbit)
    X = breakpoints_array(orbit)
    kinds = list(frame["kind"])
    runs = _runs(kinds)
    bounces = [idx for kind, idx in runs if kind == "bounce"]
    travels = [idx for kind, idx in runs if kind == "travel"]
    parts = [f"The witness has {len(kinds)} segments: **{len(bounces)} bounce{'s' if len(bounces) != 1 else ''}** "
             f"and **{len(travels)} crossing{'s' if len(travels) != 1 else ''}** of P."]
    for idx in bounces:
        q = X[idx[0]][:2]
        extra = (f"; p turns inside T on the way (q sits at a corner of P, where the edge switches)"
                 if len(idx) > 1 else "")
        parts.append(f"- Bounce ({_span(idx)}): q rests at {_point(q)} on the boundary of P while p moves{extra}.")
    for idx in travels:
        corners = [X[i][:2] for i in idx[1:]]
        if corners:
            where = ", ".join(_point(c) for c in corners)
            parts.append(f"- Crossing ({_span(idx)}): q travels from {_point(X[idx[0]][:2])} and turns at {where} "
                         "inside P, where p rests at a corner of T and glides around it; no bounce happens there.")
        else:
            parts.append(f"- Crossing ({_span(idx)}): q travels straight from {_point(X[idx[0]][:2])} to "
                         f"{_point(X[(idx[-1] + 1) % len(X)][:2])} while p rests on the boundary of T.")
    return "\n".join(parts)
