"""The families an atlas is built from: one polytope per (build seed, row index), deterministically.

Each generator draws its size parameter and a 63-bit polytope seed from a numpy generator seeded
with ``SeedSequence([seed, index])``, so a row depends on (family, size range, seed, index) only:
chunking, the number of workers or the scheduler never change it.

Families (``--family``):

- ``random_hull``: convex hull of ``points`` Gaussian points in R^4 (:func:`viterbo.families.random_hull`);
- ``random_halfspaces``: ``facets`` random tangent halfspaces of the unit ball
  (:func:`viterbo.families.random_halfspaces`);
- ``lagrangian_product``: K x T for two random convex polygons with ``vertices`` vertices each
  (points at sorted uniform angles on an ellipse: every point is a vertex);
- ``symplectic_image``: M P for a seeded random symplectic matrix M and P a random hull of
  ``points`` points (the capacity and the systolic ratio are those of P).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..errors import ViterboError
from ..geometry import families
from ..geometry.polytope import Polytope

__all__ = ["GENERATORS", "SIZE_PARAMETER", "AtlasSpecError", "parse_range", "row_rng", "generate",
           "random_polygon"]


class AtlasSpecError(ViterboError, ValueError):
    """An atlas build was asked for something it cannot build (unknown family, bad range)."""


#: The size parameter each family draws from its range (the CLI flag of the same name).
SIZE_PARAMETER = {"random_hull": "points", "random_halfspaces": "facets", "lagrangian_product": "vertices",
                  "symplectic_image": "points"}
#: Smallest size each family accepts.
_MIN_SIZE = {"points": 5, "facets": 5, "vertices": 3}


def parse_range(text: str | int, what: str = "range") -> tuple[int, int]:
    """``"6..30"`` -> (6, 30); ``"8"`` -> (8, 8).

    Raises
    ------
    AtlasSpecError
        Not of the form A..B with integers A <= B.
    """
    s = str(text).strip()
    lo, sep, hi = s.partition("..")
    try:
        a = int(lo)
        b = int(hi) if sep else a
    except ValueError:
        raise AtlasSpecError(f"{what}: {text!r} is not an integer range; write A..B (e.g. 6..30) or one integer.") from None
    if a > b:
        raise AtlasSpecError(f"{what}: {text!r} has its lower end above its upper end; write A..B with A <= B.")
    return a, b


def row_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of row ``index`` of a build with seed ``seed`` (independent streams per row)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


def random_polygon(k: int, rng: np.random.Generator) -> np.ndarray:
    """k points in convex position: sorted uniform angles on a random ellipse, randomly rotated.

    Angles closer than 1e-3 rad are redrawn, so that every point is a vertex in floating point.
    """
    for _ in range(1000):
        t = np.sort(rng.uniform(0.0, 2 * np.pi, size=k))
        gaps = np.diff(np.concatenate([t, t[:1] + 2 * np.pi]))
        if gaps.min() > 1e-3 and gaps.max() < np.pi:  # origin strictly inside
            break
    a, b = rng.uniform(0.5, 1.5, size=2)
    phi = rng.uniform(0.0, np.pi)
    rot = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    return (np.stack([a * np.cos(t), b * np.sin(t)], axis=1)) @ rot.T


@dataclass(frozen=True)
class Generated:
    """One generated polytope with the facts that identify it."""

    polytope: Polytope
    params: dict
    poly_seed: int

    @property
    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)


def _random_hull(size: int, s: int) -> Polytope:
    return families.random_hull(size, 4, s)


def _random_halfspaces(size: int, s: int) -> Polytope:
    return families.random_halfspaces(size, 4, s)


def _lagrangian_product(size: int, s: int) -> Polytope:
    rng = np.random.default_rng(s)
    return families.lagrangian_product(random_polygon(size, rng), random_polygon(size, rng),
                                       name=f"lagrangian_product(k={size},seed={s})")


def _symplectic_image(size: int, s: int) -> Polytope:
    return families.symplectic_image(families.random_hull(size, 4, s), seed=s)


GENERATORS = {"random_hull": _random_hull, "random_halfspaces": _random_halfspaces,
              "lagrangian_product": _lagrangian_product, "symplectic_image": _symplectic_image}


def check_family(family: str, size: tuple[int, int]) -> None:
    """Raise AtlasSpecError unless ``family`` exists and ``size`` is in its range."""
    if family not in GENERATORS:
        raise AtlasSpecError(f"unknown atlas family {family!r}; choose one of {', '.join(sorted(GENERATORS))}.")
    what = SIZE_PARAMETER[family]
    if size[0] < _MIN_SIZE[what]:
        raise AtlasSpecError(f"family {family!r}: --{what} starts at {size[0]}; need at least {_MIN_SIZE[what]}.")


def generate(family: str, size: tuple[int, int], seed: int, index: int) -> Generated:
    """Row ``index`` of a build of ``family`` with size range ``size`` and seed ``seed``.

    Examples
    --------
    >>> g = generate("random_hull", (6, 30), seed=1, index=0)
    >>> g.polytope.dim, 6 <= g.params["points"] <= 30
    (4, True)
    >>> generate("random_hull", (6, 30), 1, 0).polytope == g.polytope
    True
    """
    check_family(family, size)
    rng = row_rng(seed, index)
    n = int(rng.integers(size[0], size[1] + 1))
    poly_seed = int(rng.integers(0, 2**63 - 1))
    K = GENERATORS[family](n, poly_seed)
    return Generated(K, {SIZE_PARAMETER[family]: n}, poly_seed)
