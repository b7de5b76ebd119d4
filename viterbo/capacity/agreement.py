"""When two computed capacities count as the same number: one tolerance for every client.

Methods that apply to the same polytope (the snapshot's ``disagree`` status, the notebook's method
comparison), the runs of a lever sweep (levers only prune, so the value must not move), repeats of one
row and a capacity compared week to week are all checked here, against :data:`AGREEMENT_REL_TOL`.

The tolerance is relative and has no absolute floor: capacities scale as t^2 (t^n in R^{2n}), so an
absolute floor would call every pair of values of a small body equal.  1e-9 is what the exact methods
reach on every reference body (docs/math/conventions.md) with room for the rounding of their linear
algebra; a larger gap is a bug in one of the methods, never a tolerance to widen.
"""

from __future__ import annotations

import math
from typing import Mapping

__all__ = ["AGREEMENT_REL_TOL", "values_agree", "disagreement"]

#: Relative tolerance within which two computed capacities must agree.
AGREEMENT_REL_TOL = 1e-9


def values_agree(a: float, b: float, rel_tol: float = AGREEMENT_REL_TOL) -> bool:
    """|a - b| <= rel_tol * max(|a|, |b|); NaN agrees with nothing.

    Examples
    --------
    >>> values_agree(1.0, 1.0 + 1e-12), values_agree(1e-20, 2e-20), values_agree(0.0, 0.0)
    (True, False, True)
    """
    a, b = float(a), float(b)
    return abs(a - b) <= rel_tol * max(abs(a), abs(b)) if math.isfinite(a) and math.isfinite(b) else a == b


def disagreement(values: Mapping[str, float], rel_tol: float = AGREEMENT_REL_TOL, what: str = "values") -> str | None:
    """None when all ``values`` agree pairwise (:func:`values_agree`), else a sentence listing them.

    Parameters
    ----------
    values : mapping
        Label (a method, a lever combination, ...) -> capacity.
    what : str
        What the labels are, for the sentence ("the methods disagree: ...").

    Examples
    --------
    >>> disagreement({"a": 1.0, "b": 1.0 + 1e-12}) is None
    True
    >>> disagreement({"a": 1.0, "b": 1.5}, what="methods")
    'the methods disagree: a: 1.0, b: 1.5'
    """
    items = [(label, float(v)) for label, v in values.items()]
    if all(values_agree(a, b, rel_tol) for _, a in items for _, b in items):
        return None
    return f"the {what} disagree: " + ", ".join(f"{label}: {v!r}" for label, v in items)
