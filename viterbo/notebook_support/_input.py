"""Which polytope the notebooks show: the family picker, pasted or uploaded points, a summary of K."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from ..errors import PolytopeError
from ..geometry import families
from ..geometry.lagrangian import is_symplectic_polytope, lagrangian_two_faces
from ..geometry.polytope import Polytope

__all__ = ["FAMILY_CHOICES", "DEFAULT_FAMILY", "DEFAULT_HULL_POINTS", "DEFAULT_HULL_SEED", "parse_family_arg",
           "build_polytope", "parse_points_text", "polytope_from_text", "polytope_summary"]

#: Families offered by the notebooks' picker (label -> family name understood by :func:`build_polytope`).
FAMILY_CHOICES = {
    "random hull": "random_hull",
    "24-cell": "cell24",
    "cross-polytope": "cross_polytope",
    "cube": "cube",
    "simplex": "simplex",
    "pentagon counterexample": "pentagon_counterexample",
    "triangle x triangle": "triangle_x_triangle",
}

#: The polytope spectrum.py opens on: a random hull whose capacity comes from the Reeb-orbit search
#: (certified), whose witness, spectrum and search levers all show something (27 facets).
DEFAULT_FAMILY = "random_hull"
DEFAULT_HULL_POINTS = 14
DEFAULT_HULL_SEED = 7


def parse_family_arg(text: str | None) -> tuple[str, int, int]:
    """``(family, points, seed)`` from a command-line ``--family`` value such as ``cell24`` or ``random_hull:SEED:N``.

    Raises
    ------
    PolytopeError
        An unknown family or non-integer parameters (the message lists the families).

    Examples
    --------
    >>> parse_family_arg("random_hull:3:40")
    ('random_hull', 40, 3)
    >>> parse_family_arg(None)
    ('random_hull', 14, 7)
    """
    if not text:
        return DEFAULT_FAMILY, DEFAULT_HULL_POINTS, DEFAULT_HULL_SEED
    base, *params = str(text).split(":")
    if base not in FAMILY_CHOICES.values():
        raise PolytopeError(f"--family {text!r} is not in the picker; choose one of "
                            f"{', '.join(FAMILY_CHOICES.values())} (random_hull:SEED:POINTS for a random hull).")
    if base != "random_hull":
        if params:
            raise PolytopeError(f"--family {base!r} takes no parameters; got {text!r}.")
        return base, DEFAULT_HULL_POINTS, DEFAULT_HULL_SEED
    try:
        seed = int(params[0]) if params else DEFAULT_HULL_SEED
        points = int(params[1]) if len(params) > 1 else DEFAULT_HULL_POINTS
    except ValueError:
        raise PolytopeError(f"--family {text!r}: write random_hull:SEED:POINTS with integers, "
                            "e.g. random_hull:7:14.") from None
    return base, points, seed


def build_polytope(family: str, *, n_points: int = DEFAULT_HULL_POINTS, seed: int = DEFAULT_HULL_SEED,
                   symplectic_seed: int | None = None) -> Polytope:
    """A family polytope, optionally moved by a seeded random symplectic matrix.

    Parameters
    ----------
    family : str
        A value of :data:`FAMILY_CHOICES` (``"random_hull"`` uses ``n_points`` and ``seed``).
    symplectic_seed : int, optional
        When given, return ``families.symplectic_image(K, symplectic_seed)`` (same capacity).

    Examples
    --------
    >>> build_polytope("cube").n_facets
    8
    >>> build_polytope("random_hull", n_points=12, seed=1).name
    'random_hull(n=12,seed=1)'
    """
    if family == "random_hull":
        K = families.random_hull(int(n_points), 4, int(seed))
    else:
        K = families.by_name(family)
    if symplectic_seed is not None:
        K = families.symplectic_image(K, int(symplectic_seed))
    return K


def _split_fields(line: str) -> list[str]:
    line = line.replace(";", ",")
    fields = next(csv.reader(io.StringIO(line))) if "," in line else line.split()
    return [f.strip() for f in fields if f.strip()]


def _number(field: str) -> float | None:
    try:
        value = float(field)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_json(stripped: str) -> list:
    try:
        rows = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise PolytopeError(f"line {exc.lineno}: the text starts like JSON but is not valid JSON ({exc.msg}, "
                            f"column {exc.colno}). Write a list of points such as [[1, 0], [0, 1], [-1, -1]], "
                            "or one point per line.") from exc
    if isinstance(rows, dict):  # {"vertices": [...]}, as Polytope.to_dict() and the CLI accept
        rows = rows.get("vertices")
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise PolytopeError("JSON points must be a list of lists of numbers, e.g. [[1, 0], [0, 1], [-1, -1]].")
    for i, row in enumerate(rows, start=1):
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in row):
            raise PolytopeError(f"JSON point {i} is {row!r}; every coordinate must be a finite number.")
    return rows


def parse_points_text(text: str) -> np.ndarray:
    """Points from pasted text: CSV rows (commas, semicolons or blanks), a JSON list of points, or {"vertices": [...]}.

    Lines starting with ``#`` are comments; a first row without any number (a CSV header such as
    ``q1,q2,p1,p2``) is skipped.

    Raises
    ------
    PolytopeError
        Empty input, a field that is not a finite number, or rows of different lengths; the message
        names the line of the pasted text (counting every line, comments and blanks included).

    Examples
    --------
    >>> parse_points_text("1, 0\\n0 1\\n# comment\\n-1;-1").tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    >>> parse_points_text("q,p\\n1,0\\n0,1\\n-1,-1").shape
    (3, 2)
    """
    stripped = text.strip()
    if not stripped:
        raise PolytopeError("no points given; paste one point per line, e.g. '1, 0, 0, 0'.")
    if stripped.startswith(("[", "{")):
        points = _parse_json(stripped)
        if not points:
            _no_points()
        for i, row in enumerate(points, start=1):
            if len(row) != len(points[0]):
                raise PolytopeError(f"JSON point {i} has {len(row)} coordinates but point 1 has {len(points[0])}; "
                                    "every point needs the same number.")
        return np.array(points, dtype=np.float64)
    rows = [(n, _split_fields(line.strip())) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.strip().startswith("#")]
    header = None
    if rows and all(_number(f) is None for f in rows[0][1]):
        header = rows.pop(0)
    if not rows:
        _no_points()
    for n, fields in rows:
        bad = next((f for f in fields if _number(f) is None), None)
        if bad is not None:
            raise PolytopeError(f"line {n}: {bad!r} is not a finite number. Write one point per line, its "
                                "coordinates separated by commas or blanks, e.g. '1, 0, 0, 0'.")
    first_line, first = rows[0]
    width = len(first)
    if header is not None and len(header[1]) != width:
        raise PolytopeError(f"line {header[0]}: the header names {len(header[1])} columns but line {first_line} "
                            f"has {width} coordinates; make them match (e.g. q1,q2,p1,p2 for points in R^4).")
    for n, fields in rows:
        if len(fields) != width:
            raise PolytopeError(f"line {n} has {len(fields)} coordinates but line {first_line} has {width}; "
                                "every point needs the same number.")
    return np.array([[float(f) for f in fields] for _, fields in rows], dtype=np.float64)


def _no_points():
    raise PolytopeError("no points given; every line is empty, a comment or a header. "
                        "Paste one point per line, e.g. '1, 0, 0, 0'.")


def polytope_from_text(text: str, name: str = "pasted") -> Polytope:
    """The convex hull of the points in ``text`` (see :func:`parse_points_text`)."""
    return Polytope.from_vertices(parse_points_text(text), name=name)


def polytope_summary(K: Polytope) -> dict[str, Any]:
    """Name, dimension, facets, vertices, volume, symmetry and (in R^4) Lagrangian 2-faces of K."""
    info: dict[str, Any] = {"name": K.name or "(unnamed)", "dim": K.dim, "facets": K.n_facets,
                            "vertices": K.n_vertices, "volume": K.volume(),
                            "centrally symmetric": K.is_centrally_symmetric()}
    if K.dim == 4:
        lag = lagrangian_two_faces(K)
        info["2-faces"] = len(K.two_faces())
        info["Lagrangian 2-faces"] = len(lag)
        info["symplectic polytope"] = is_symplectic_polytope(K)
    return info
