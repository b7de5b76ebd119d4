"""Rosters: which polytopes a snapshot runs, named in the one naming syntax (:mod:`viterbo.geometry.naming`),
and the plan of (polytope, method, lever combination) rows they expand to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..capacity._registry import Method, methods
from ..geometry import families
from ..geometry.naming import seed_of
from ..geometry.polytope import Polytope
from .schema import SnapshotError

__all__ = ["ROSTERS", "ROSTER_TIME_BUDGETS", "roster_names", "resolve_polytope", "lever_combinations", "Task",
           "plan"]

#: Rosters: polytope names understood by :func:`viterbo.families.by_name`.
ROSTERS: dict[str, tuple[str, ...]] = {
    "smoke": (
        "regular_polygon:4",
        "regular_polygon:5",
        "random_polygon:8:1",
        "symplectic_image:regular_polygon:6:1",
    ),
    "default": (
        "cube",
        "cross_polytope",
        "simplex",
        "cell24",
        "pentagon_counterexample",
        "triangle_x_triangle",
        "random_hull:12:1",
        "random_hull:12:2",
        "symplectic_image:cube:1",
        "symplectic_image:pentagon_counterexample:2",
        "regular_polygon:5",
        "random_polygon:8:1",
    ),
}
ROSTERS["deep"] = ROSTERS["default"] + (
    "random_hull:16:3",
    "random_hull:20:4",
    "random_halfspaces:8:1",
    "random_halfspaces:10:2",
    "symplectic_image:cell24:3",
    "symplectic_image:triangle_x_triangle:4",
    "symplectic_image:random_hull:12:1:5",
    "regular_polygon:12",
    "random_polygon:40:2",
)

#: Default per-row time budget (seconds) of each roster; a row that exceeds it is "timeout".
ROSTER_TIME_BUDGETS: dict[str, float] = {"smoke": 10.0, "default": 60.0, "deep": 600.0}


def roster_names() -> list[str]:
    """Names accepted by ``--roster``."""
    return sorted(ROSTERS)


def resolve_polytope(key: str) -> tuple[Polytope, int | None]:
    """The polytope a roster entry names (:func:`viterbo.families.by_name`) and its seed (None when not random).

    Raises
    ------
    PolytopeError
        Unknown family, malformed or out-of-range arguments.

    Examples
    --------
    >>> K, seed = resolve_polytope("symplectic_image:regular_polygon:5:3")
    >>> K.dim, K.n_facets, seed
    (2, 5, 3)
    """
    return families.by_name(key), seed_of(key)


def lever_combinations(spec: Method) -> list[dict[str, bool]]:
    """Every True/False assignment of the method's sweep levers, all-True first (:meth:`Method.grid`).

    Examples
    --------
    >>> from viterbo.capacity._registry import Lever, Method
    >>> spec = Method("m", func=None, why_not=None, auto_rank=0, summary="",
    ...               levers=(Lever("use_a", True, "a"), Lever("use_b", True, "b")))
    >>> from viterbo.snapshot.schema import format_levers
    >>> [format_levers(c) for c in lever_combinations(spec)]
    ['use_a=1;use_b=1', 'use_a=1;use_b=0', 'use_a=0;use_b=1', 'use_a=0;use_b=0']
    """
    return spec.grid()


@dataclass(frozen=True)
class Task:
    """One row to run: a polytope (its roster name and seed), a method and a lever combination."""

    key: str
    polytope: Polytope
    seed: int | None
    spec: Method
    levers: dict[str, bool]


def plan(roster: str | Sequence[str]) -> list[Task]:
    """The rows of a roster: every applicable method in every lever combination, per polytope."""
    if isinstance(roster, str):
        if roster not in ROSTERS:
            raise SnapshotError(f"unknown roster {roster!r}; choose one of {', '.join(roster_names())}.")
        keys: Sequence[str] = ROSTERS[roster]
    else:
        keys = list(roster)
    tasks = []
    for key in keys:
        K, seed = resolve_polytope(key)
        for spec in methods():
            if spec.why_not(K) is not None:
                continue
            for levers in lever_combinations(spec):
                tasks.append(Task(key, K, seed, spec, levers))
    return tasks
