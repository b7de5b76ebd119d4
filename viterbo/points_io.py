"""Points from text and files: the one reader behind ``viterbo capacity FILE`` and the notebooks' paste box.

Accepted: one point per line with coordinates separated by commas, semicolons or blanks (``#`` starts a
comment line), a JSON list of points, or a JSON object ``{"vertices": [...]}`` (what
``Polytope.to_dict()`` writes).  Large files are read at I/O speed (numpy's parser; the line-by-line
parser runs only to name the line of a problem) and sizes past :data:`MAX_INPUT_BYTES` or
:data:`MAX_POINTS` are refused before any work, naming the limit.  Every problem is a
:class:`PointsInputError` (a :class:`~viterbo.errors.PolytopeError`) whose message names the source, the
line and what to do.
"""

from __future__ import annotations

import csv
import io
import json
import math
import stat
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import PolytopeError

__all__ = ["MAX_INPUT_BYTES", "MAX_POINTS", "PointsInputError", "parse_points", "read_points_file"]

#: Files larger than this are refused before reading (about 6 million points of R^4 as CSV).
MAX_INPUT_BYTES = 256 * 2**20

#: More points than this are refused before the hull is built (it would take far too long).
MAX_POINTS = 100_000

#: Files at least this large get a progress line on stderr while they are read.
PROGRESS_BYTES = 8 * 2**20


class PointsInputError(PolytopeError):
    """Text or a file that cannot be read as a set of points."""


def _json_rows(text: str, source: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PointsInputError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    except RecursionError:
        raise PointsInputError(f"{source}: the JSON is nested too deeply to be a list of points.") from None
    except ValueError as exc:  # e.g. an integer literal with more digits than Python converts
        raise PointsInputError(f"{source}: not usable JSON ({exc}).") from exc
    if isinstance(data, dict):  # {"vertices": [...]}, as Polytope.to_dict() writes
        data = data.get("vertices")
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise PointsInputError(f"{source}: JSON points must be a list of lists of numbers, e.g. "
                               "[[1, 0], [0, 1], [-1, -1]].")
    return data


def _text_rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.replace(";", ",")
        fields = next(csv.reader([line])) if "," in line else line.split()
        rows.append((number, [f.strip() for f in fields if f.strip()]))
    return rows


def _as_number(value: Any, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PointsInputError(f"{source}: {where} is {value!r}, not a number.")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PointsInputError(f"{source}: {where} is {str(value)[:40]!r}, not a number.") from None
    except OverflowError:
        raise PointsInputError(f"{source}: {where} has {len(str(value))} digits: beyond float64 (about 1.8e308); "
                               "scale the points down.") from None
    if not math.isfinite(x):
        raise PointsInputError(f"{source}: {where} is {str(value)[:40]!r}, not a finite number.")
    return x


def _slow_parse(text: str, source: str, is_json: bool) -> np.ndarray:
    """Line by line, naming the first problem (also the parser for JSON and mixed separators)."""
    if is_json:
        numbered = list(enumerate(_json_rows(text, source), start=1))
        label = "point"
    else:
        numbered = _text_rows(text)
        label = "line"
        if not numbered:
            raise PointsInputError(f"{source}: no points given; every line is empty or a comment.")
    if not numbered:
        raise PointsInputError(f"{source}: no points given; put one point per line, e.g. '1, 0, 0, 0'.")
    width = len(numbered[0][1])
    for number, row in numbered:
        if len(row) != width:
            raise PointsInputError(f"{source}: {label} {number} has {len(row)} coordinates but {label} "
                                   f"{numbered[0][0]} has {width}; every point needs the same number.")
    return np.array([[_as_number(x, f"{label} {number}, coordinate {j + 1}", source) for j, x in enumerate(row)]
                     for number, row in numbered], dtype=np.float64).reshape(len(numbered), width)


def parse_points(text: str, source: str = "points") -> np.ndarray:
    """The points in ``text`` as a float64 array of shape (k, d).

    Raises
    ------
    PointsInputError
        Empty input, non-numeric or non-finite entries, rows of different lengths, malformed JSON, more
        than :data:`MAX_POINTS` points (each message names ``source`` and the line).

    Examples
    --------
    >>> parse_points("1, 0\\n0 1\\n# comment\\n-1;-1").tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    """
    stripped = text.strip()
    if not stripped:
        raise PointsInputError(f"{source}: no points given; put one point per line, e.g. '1, 0, 0, 0'.")
    is_json = stripped.startswith(("[", "{"))
    points = None
    if not is_json and ";" not in stripped and '"' not in stripped:
        try:  # numpy's C parser: I/O speed on large files; anything unusual goes line by line below
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "input contained no data": the line parser says it better
                points = np.loadtxt(io.StringIO(stripped), delimiter="," if "," in stripped else None,
                                    comments="#", ndmin=2, dtype=np.float64)
        except (ValueError, IndexError):
            points = None
        if points is not None and (points.size == 0 or not np.isfinite(points).all()):
            points = None
    if points is None:
        points = _slow_parse(stripped, source, is_json)
    if points.shape[0] > MAX_POINTS:
        raise PointsInputError(f"{source}: {points.shape[0]:,} points; the limit is {MAX_POINTS:,} (the hull of "
                               "more takes too long). Thin them first, e.g. keep the extreme points of a sample.")
    return points


def read_points_file(path: str | Path, progress: Callable[[str], None] | None = None) -> np.ndarray:
    """The points of a CSV or JSON file (see :func:`parse_points`).

    Parameters
    ----------
    path : str or Path
        A regular file, at most :data:`MAX_INPUT_BYTES` long, UTF-8 text.
    progress : callable, optional
        Called with a line before and after reading a file of :data:`PROGRESS_BYTES` or more.

    Raises
    ------
    PointsInputError
        Missing, not a regular file, unreadable, too large, not UTF-8 text, binary, or not points.
    """
    p = Path(path)
    try:
        info = p.stat()
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        raise PointsInputError(f"{p}: {reason}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PointsInputError(f"{p}: not a regular file; give a CSV or JSON file of points.")
    if info.st_size > MAX_INPUT_BYTES:
        raise PointsInputError(f"{p}: {info.st_size / 2**20:,.0f} MB; the limit is {MAX_INPUT_BYTES // 2**20} MB "
                               f"({MAX_POINTS:,} points at the most). Thin the points first.")
    start = time.perf_counter()
    if progress is not None and info.st_size >= PROGRESS_BYTES:
        progress(f"reading {p} ({info.st_size / 2**20:,.1f} MB)")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)  # bounded: a file that grows or lies about its size cannot hang us
    except OSError as exc:
        raise PointsInputError(f"{p}: cannot read it ({exc.strerror or exc}).") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise PointsInputError(f"{p}: longer than {MAX_INPUT_BYTES // 2**20} MB; the limit is "
                               f"{MAX_INPUT_BYTES // 2**20} MB. Thin the points first.")
    if b"\x00" in raw[:65536]:
        raise PointsInputError(f"{p}: a binary file, not CSV or JSON text of points.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PointsInputError(f"{p}: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or JSON.") from None
    points = parse_points(text, str(p))
    if progress is not None and info.st_size >= PROGRESS_BYTES:
        progress(f"read {points.shape[0]:,} points of R^{points.shape[1]} in {time.perf_counter() - start:.1f} s")
    return points
