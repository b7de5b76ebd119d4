"""The one table of capacity methods, read by dispatch, "auto", the CLI and the conformance suite."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from ..errors import MethodNotApplicableError
from ..geometry.polytope import Polytope

__all__ = ["MethodSpec", "register", "methods", "get_method", "on_off_grid"]


@dataclass(frozen=True)
class MethodSpec:
    """A registered capacity method.

    ``why_not(K)`` returns None when the method applies to K, otherwise a
    sentence saying why not (used by "auto", error messages and the suite).
    ``auto_rank`` orders the methods "auto" tries (lower first, i.e. faster).
    ``frame`` is the normal form the method computes on (:mod:`viterbo.capacity._frame`):
    ``"symplectic"`` (any symplectic polytope: translated, scaled and made round by an exactly
    symplectic map) or ``"similarity"`` (translation and power-of-two scale only, for methods that
    read the coordinate product structure).
    """

    name: str
    func: Callable
    why_not: Callable[[Polytope], str | None]
    auto_rank: int
    exact: bool = True
    summary: str = ""
    levers: tuple[str, ...] = ()
    frame: str = "symplectic"


_METHODS: dict[str, MethodSpec] = {}


def register(name: str, *, why_not: Callable[[Polytope], str | None], auto_rank: int,
             exact: bool = True, summary: str = "", levers: tuple[str, ...] = (),
             frame: str = "symplectic") -> Callable:
    """Decorator adding a method to the registry."""
    if frame not in ("symplectic", "similarity"):
        raise ValueError(f'register({name!r}): frame={frame!r}; choose "symplectic" or "similarity".')

    def deco(func: Callable) -> Callable:
        _METHODS[name] = MethodSpec(name, func, why_not, auto_rank, exact, summary, levers, frame)
        return func

    return deco


def methods() -> list[MethodSpec]:
    """The registered methods, in "auto" order."""
    return sorted(_METHODS.values(), key=lambda s: (s.auto_rank, s.name))


def get_method(name: str) -> MethodSpec:
    try:
        return _METHODS[name]
    except KeyError:
        valid = ", ".join(['"auto"'] + [f'"{s.name}"' for s in methods()])
        raise MethodNotApplicableError(f"unknown capacity method {name!r}; choose one of {valid}.") from None


def on_off_grid(names) -> list[dict[str, bool]]:
    """Every True/False assignment of the boolean levers ``names``, all-True first; ``[{}]`` for none."""
    names = tuple(names)
    return [dict(zip(names, values)) for values in itertools.product((True, False), repeat=len(names))]
