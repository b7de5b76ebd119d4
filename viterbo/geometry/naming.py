"""One syntax for naming a built-in polytope: ``FAMILY`` or ``FAMILY:ARG:ARG``.

The arguments come in the order of the Python function (:mod:`viterbo.geometry.families`), with the
dimension fixed by the family; the seed of a random family is its last argument:

==================================  =========================================  ====================
name                                Python                                     limit
==================================  =========================================  ====================
``cube``, ``cross_polytope``,       ``families.cube()``, ...                   -
``simplex``, ``cell24``,
``pentagon_counterexample``,
``triangle_x_triangle``
``regular_polygon:K``               ``families.regular_polygon(K)``            K <= 100000
``random_hull:N:SEED``              ``families.random_hull(N, 4, SEED)``       N <= 100000
``random_polygon:N:SEED``           ``families.random_hull(N, 2, SEED)``       N <= 100000
``random_halfspaces:M:SEED``        ``families.random_halfspaces(M, 4, SEED)`` M <= 2000
``symplectic_image:BASE:SEED``      ``families.symplectic_image(BASE, SEED)``  BASE any name, SEED required
==================================  =========================================  ====================

``random_hull`` alone means ``random_hull:20:0``, ``random_hull:12`` means seed 0 (likewise for the
other random families).  The CLI's ``--family``, the snapshot rosters and the polytope column of a
snapshot all use these names, and :func:`polytope_from_name` labels the polytope with the name it
was given, so every name printed can be passed back.  Sizes beyond the limits are refused up front
(building the hull would take minutes to hours), and so are negative seeds.
"""

from __future__ import annotations

from typing import Callable

from ..errors import PolytopeError
from .polytope import Polytope

__all__ = ["FIXED", "PARAMETERISED", "SIZE_LIMITS", "polytope_from_name", "seed_of", "family_help"]

#: Families without arguments.
FIXED: tuple[str, ...] = ("cube", "cross_polytope", "simplex", "cell24", "pentagon_counterexample",
                          "triangle_x_triangle")

#: Families with arguments: name -> (argument names in order, defaults).
PARAMETERISED: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "regular_polygon": (("K",), (5,)),
    "random_hull": (("N", "SEED"), (20, 0)),
    "random_polygon": (("N", "SEED"), (8, 0)),
    "random_halfspaces": (("M", "SEED"), (8, 0)),
    "symplectic_image": (("BASE", "SEED"), ()),
}

#: Largest size argument accepted per family (the first argument): beyond it, building takes too long.
SIZE_LIMITS: dict[str, int] = {"regular_polygon": 100_000, "random_hull": 100_000, "random_polygon": 100_000,
                               "random_halfspaces": 2_000}

#: Seeds are non-negative integers below this (numpy's generators take any such integer).
_MAX_SEED = 2**63


def family_help() -> str:
    """One line listing every name pattern (for ``--family`` help and error messages)."""
    shapes = [f"{base}:{':'.join(args)}" for base, (args, _) in PARAMETERISED.items()]
    return ", ".join(FIXED + tuple(shapes))


def _int(text: str, what: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise PolytopeError(f"family {name!r}: {what} = {text!r} is not a whole number; names look like "
                            f"{family_help()}.") from None
    if not low <= value <= high:
        raise PolytopeError(f"family {name!r}: {what} = {value} is out of range; use {low} <= {what} <= {high}.")
    return value


def _parse(name: str) -> tuple[str, list[str]]:
    if not isinstance(name, str) or not name.strip():
        raise PolytopeError(f"family name {name!r}: give one of {family_help()}.")
    base, _, rest = name.strip().partition(":")
    if base not in FIXED and base not in PARAMETERISED:
        raise PolytopeError(f"unknown family {name!r}; choose one of: {family_help()}.")
    if base == "symplectic_image":
        # BASE may hold colons itself, so the seed is required and is the last field.
        inner, sep, seed = rest.rpartition(":")
        if not sep or not inner:
            raise PolytopeError(f"family {name!r}: the name is symplectic_image:BASE:SEED, e.g. "
                                "symplectic_image:cube:1 or symplectic_image:random_hull:12:1:5.")
        return base, [inner, seed]
    args = rest.split(":") if rest else []
    if base in FIXED and args:
        raise PolytopeError(f"family {base!r} takes no arguments; got {name!r}.")
    if base in PARAMETERISED and len(args) > len(PARAMETERISED[base][0]):
        shape = ":".join(PARAMETERISED[base][0])
        raise PolytopeError(f"family {name!r}: too many arguments; the name is {base}:{shape}.")
    return base, args


def _builders() -> dict[str, Callable[..., Polytope]]:
    from . import families as F

    return {
        **{base: F.NAMES[base] for base in FIXED},
        "regular_polygon": lambda k: F.regular_polygon(k),
        "random_hull": lambda n, seed: F.random_hull(n, 4, seed),
        "random_polygon": lambda n, seed: F.random_hull(n, 2, seed),
        "random_halfspaces": lambda m, seed: F.random_halfspaces(m, 4, seed),
        "symplectic_image": lambda base, seed: F.symplectic_image(polytope_from_name(base), seed),
    }


def polytope_from_name(name: str) -> Polytope:
    """The polytope a name describes, labelled with that name.

    Raises
    ------
    PolytopeError
        Unknown family, malformed or out-of-range arguments (the message gives the name's shape and limits).

    Examples
    --------
    >>> K = polytope_from_name("symplectic_image:regular_polygon:5:3")
    >>> K.name, K.dim, K.n_facets
    ('symplectic_image:regular_polygon:5:3', 2, 5)
    >>> polytope_from_name("random_hull:12:1").n_vertices <= 12
    True
    """
    base, args = _parse(name)
    build = _builders()[base]
    if base in FIXED:
        return build().with_name(base)
    names, defaults = PARAMETERISED[base]
    values: list = []
    if base == "symplectic_image":
        values = [args[0], _int(args[1], "SEED", name, 0, _MAX_SEED - 1)]
        label = f"{base}:{polytope_from_name(args[0]).name}:{values[1]}"
    else:
        full = args + [str(d) for d in defaults[len(args):]]
        limit = SIZE_LIMITS[base]
        values.append(_int(full[0], names[0], name, 1, limit))
        if len(names) > 1:
            values.append(_int(full[1], "SEED", name, 0, _MAX_SEED - 1))
        label = ":".join([base, *(str(v) for v in values)])
    return build(*values).with_name(label)


def seed_of(name: str) -> int | None:
    """The seed of a random family's name (the outermost one for a symplectic image), None otherwise.

    Examples
    --------
    >>> seed_of("random_hull:12:3"), seed_of("symplectic_image:cube:7"), seed_of("cube")
    (3, 7, None)
    """
    base, args = _parse(name)
    if base not in PARAMETERISED or "SEED" not in PARAMETERISED[base][0]:
        return None
    return int(args[1]) if len(args) > 1 else PARAMETERISED[base][1][-1]
