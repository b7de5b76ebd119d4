"""One check shared by the capacity methods: a value handed out must be a positive, normal float64.

A capacity that underflows to 0 (or a subnormal) or overflows to inf is never a result: the cube scaled by
1e-300 has c = 4e-600, which float64 cannot hold, and a "certified 0" would be wrong (issue 11).
"""

from __future__ import annotations

import math
import sys

from ..errors import PolytopeError

__all__ = ["check_representable"]


def check_representable(value: float, who: str) -> float:
    """``value`` when it is a positive normal float64, else a :class:`PolytopeError` that says what to do.

    Examples
    --------
    >>> check_representable(4.0, "area")
    4.0
    """
    if math.isfinite(value) and value >= sys.float_info.min:
        return value
    raise PolytopeError(
        f"{who}: the capacity of K is {value!r} in float64, i.e. it {'overflows' if value > 1 else 'underflows'} "
        "(capacity scales as t^2 under x -> t x, t^n in R^{2n}): K is too large or too small for float64. "
        "Rescale the input to size about 1 and scale the value back.")
