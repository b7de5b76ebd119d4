"""Which polytope the notebooks show: the family picker, pasted or uploaded points, a summary of K."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PolytopeError
from ..geometry import families
from ..geometry.lagrangian import is_symplectic_polytope, lagrangian_two_faces
from ..geometry.polytope import Polytope
from ..points_io import parse_points

__all__ = ["FAMILY_CHOICES", "DEFAULT_FAMILY", "DEFAULT_HULL_POINTS", "DEFAULT_HULL_SEED", "parse_family_arg",
           "build_polytope", "parse_points_text", "polytope_from_text", "polytope_from_upload", "polytope_summary"]

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


def parse_family_arg(text: str | None) -> tuple[str, int, int, int | None]:
    """``(family, points, seed, symplectic_seed)`` for the picker from a ``--family`` name.

    Names follow the one naming syntax (:mod:`viterbo.geometry.naming`): ``cell24``,
    ``random_hull:N:SEED``, ``symplectic_image:BASE:SEED`` with BASE a picker family.

    Raises
    ------
    PolytopeError
        A malformed name (the naming module's message) or a family the picker does not offer.

    Examples
    --------
    >>> parse_family_arg("random_hull:40:3")
    ('random_hull', 40, 3, None)
    >>> parse_family_arg("symplectic_image:cell24:5")
    ('cell24', 14, 7, 5)
    >>> parse_family_arg(None)
    ('random_hull', 14, 7, None)
    """
    if not text:
        return DEFAULT_FAMILY, DEFAULT_HULL_POINTS, DEFAULT_HULL_SEED, None
    name = str(text).strip()
    families.by_name(name)  # a malformed name fails here, in the naming module's words
    symplectic_seed = None
    if name.startswith("symplectic_image:"):
        name, _, seed = name[len("symplectic_image:"):].rpartition(":")
        symplectic_seed = int(seed)
    base, *args = name.split(":")
    if base not in FAMILY_CHOICES.values():
        raise PolytopeError(f"--family {text!r}: the picker offers {', '.join(FAMILY_CHOICES.values())} "
                            "(random_hull:N:SEED for a random hull, symplectic_image:NAME:SEED to move one).")
    if base != "random_hull":
        return base, DEFAULT_HULL_POINTS, DEFAULT_HULL_SEED, symplectic_seed
    points = int(args[0]) if args else 20  # the naming module's defaults: random_hull = random_hull:20:0
    seed = int(args[1]) if len(args) > 1 else 0
    return base, points, seed, symplectic_seed


def build_polytope(family: str, *, n_points: int = DEFAULT_HULL_POINTS, seed: int = DEFAULT_HULL_SEED,
                   symplectic_seed: int | None = None) -> Polytope:
    """A family polytope, optionally moved by a seeded random symplectic matrix, named as ``--family`` takes it.

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
    'random_hull:12:1'
    >>> build_polytope("cube", symplectic_seed=3).name
    'symplectic_image:cube:3'
    """
    name = f"random_hull:{int(n_points)}:{int(seed)}" if family == "random_hull" else family
    if symplectic_seed is not None:
        name = f"symplectic_image:{name}:{int(symplectic_seed)}"
    return families.by_name(name)


def _comment_out_header(text: str) -> str:
    """``text`` with a first row that holds no number (a CSV header such as ``q1,q2,p1,p2``) turned into a
    comment, so that line numbers in messages stay those of the text."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.replace(";", " ").replace(",", " ").split()
        if not stripped.startswith(("[", "{")) and all(_number(f) is None for f in fields) \
                and any(c.isalpha() for c in stripped):
            lines[i] = "# " + line
            return "\n".join(lines)
        return text
    return text


def _number(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def parse_points_text(text: str, source: str = "pasted points") -> np.ndarray:
    """Points from pasted text: CSV rows (commas, semicolons or blanks), a JSON list of points, or {"vertices": [...]}.

    The reader of ``viterbo capacity FILE`` (:func:`viterbo.points_io.parse_points`), after one step of
    its own: a first row without any number (a CSV header such as ``q1,q2,p1,p2``) is skipped.
    Lines starting with ``#`` are comments.

    Raises
    ------
    PolytopeError
        Empty input, a field that is not a finite number, or rows of different lengths; the message
        names the line of the text (counting every line, comments, blanks and the header included).

    Examples
    --------
    >>> parse_points_text("1, 0\\n0 1\\n# comment\\n-1;-1").tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    >>> parse_points_text("q,p\\n1,0\\n0,1\\n-1,-1").shape
    (3, 2)
    """
    return parse_points(_comment_out_header(text), source)


def polytope_from_text(text: str, name: str = "pasted") -> Polytope:
    """The convex hull of the points in ``text`` (see :func:`parse_points_text`)."""
    return Polytope.from_vertices(parse_points_text(text, f"{name}"), name=name)


def polytope_from_upload(data: bytes, filename: str) -> Polytope:
    """The convex hull of the points in an uploaded file's bytes (UTF-8 CSV or JSON; see :func:`parse_points_text`).

    Raises
    ------
    PolytopeError
        Not UTF-8 text, a binary file, or text that is not points (the message names the file and line).
    """
    name = Path(filename).stem or "uploaded"
    if b"\x00" in data[:65536]:
        raise PolytopeError(f"{filename}: a binary file, not CSV or JSON text of points.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolytopeError(f"{filename}: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or JSON and upload "
                            "it again.") from None
    return Polytope.from_vertices(parse_points_text(text, filename), name=name)


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
