"""How a Polytope stores its data: a canonical order of rows, read-only arrays.

The canonical order sorts rows lexicographically after normalising the body to unit size by its
bounding box (exact and independent of the input order) and rounding away float noise, so the same
body gets the same indices however it was entered, at any scale or position.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

__all__ = ["unit_frame", "canonical_order", "frozen", "freeze_structure"]


def unit_frame(V: np.ndarray) -> tuple[np.ndarray, float]:
    """Midpoint and half-extent of the bounding box: exact, independent of the row order."""
    lo, hi = V.min(axis=0), V.max(axis=0)
    mid = lo / 2 + hi / 2
    return mid, float(max(((hi - lo) / 2).max(), np.finfo(float).tiny))


def canonical_order(rows: np.ndarray) -> np.ndarray:
    """Indices sorting rows lexicographically after rounding away float noise (rows of unit size)."""
    rounded = np.round(rows, 9) + 0.0  # + 0.0 turns -0.0 into 0.0
    return np.lexsort(rounded.T[::-1])


def frozen(a: np.ndarray, dtype=np.float64) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=dtype)
    a.flags.writeable = False
    return a


def freeze_structure(structure: dict | None) -> MappingProxyType | None:
    if structure is None:
        return None
    return MappingProxyType({k: (frozen(v) if isinstance(v, np.ndarray) else v) for k, v in structure.items()})
