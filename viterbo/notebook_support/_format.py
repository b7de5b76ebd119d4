"""Numbers and lever settings as the notebooks print them: rounded for reading, never a bare None."""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["fmt_number", "fmt_seconds", "fmt_levers", "round_numbers_in", "md_escape"]


def fmt_number(x: Any, digits: int = 10) -> str:
    """``x`` to ``digits`` significant digits; "–" for a missing value.

    Examples
    --------
    >>> fmt_number(1.9999999999999998), fmt_number(3.4409548011779343, 6), fmt_number(None)
    ('2', '3.44095', '–')
    >>> fmt_number(12), fmt_number(True)
    ('12', 'yes')
    """
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(value):
        return "–"
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def fmt_seconds(seconds: Any) -> str:
    """Seconds for reading: 3 significant digits in µs, ms or s; "–" when missing.

    Examples
    --------
    >>> fmt_seconds(0.00017), fmt_seconds(0.0123456), fmt_seconds(2.5), fmt_seconds(None)
    ('170 µs', '12.3 ms', '2.5 s', '–')
    """
    if seconds is None:
        return "–"
    s = float(seconds)
    if math.isnan(s):
        return "–"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1.0:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_levers(levers: dict[str, Any]) -> str:
    """``{"use_memo": False, "rotation_cap": 2.0}`` as ``"use_memo off, rotation_cap 2"``; "no levers" when empty.

    Examples
    --------
    >>> fmt_levers({"use_cF_budgets": True, "use_memo": False, "rotation_cap": 2.5})
    'use_cF_budgets on, use_memo off, rotation_cap 2.5'
    """
    if not levers:
        return "no levers"
    parts = []
    for name, value in levers.items():
        shown = ("on" if value else "off") if isinstance(value, bool) else fmt_number(value, 6)
        parts.append(f"{name} {shown}")
    return ", ".join(parts)


_LONG_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{7,}(?:e[-+]?\d+)?")


def round_numbers_in(text: str, digits: int = 10) -> str:
    """``text`` with long decimals (7+ digits after the point) rounded to ``digits`` significant digits.

    Examples
    --------
    >>> round_numbers_in("reeb gave 1.9999999999999998 uncertified; bound 0.30901699437494745")
    'reeb gave 2 uncertified; bound 0.3090169944'
    """
    return _LONG_NUMBER.sub(lambda m: fmt_number(float(m.group(0)), digits), text)


def md_escape(text: str) -> str:
    r"""``text`` safe inside Markdown: ``*``, ``_`` and backticks shown as themselves (polytope names have underscores).

    Examples
    --------
    >>> md_escape("symplectic_image:random_hull:12:1:5")
    'symplectic\\_image:random\\_hull:12:1:5'
    """
    return re.sub(r"([\\`*_])", r"\\\1", str(text))
