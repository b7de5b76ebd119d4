"""cProfile runs of a capacity computation, written to ``.profiles/``, and their top functions.

A profile lands in ``.profiles/<polytope>-<method>-<timestamp>.prof`` (git-ignored); open it with
snakeviz (:mod:`viterbo.profiling.snakeviz`) or read its top functions with :func:`top_functions`.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..capacity import capacity
from ..capacity import resolve_method as _resolve
from ..errors import ViterboError
from ..geometry.polytope import Polytope

__all__ = ["PROFILE_DIR", "ProfileRun", "ProfileError", "writable_folder", "profile_path", "profile_call",
           "profile_capacity", "resolve_method", "top_functions", "format_top"]


#: Where profiles go, relative to the working directory (git-ignored).
PROFILE_DIR = Path(".profiles")

_SORT_KEYS = {"cumulative": "cumulative_seconds", "own": "own_seconds"}


def _slug(text: str) -> str:
    """A file-name-safe version of ``text`` (letters, digits, ``_ . = -`` kept)."""
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_")
    return slug or "polytope"


def profile_path(polytope_name: str | None, method: str, out_dir: str | Path | None = None,
                 when: datetime | None = None) -> Path:
    """``<out_dir>/<polytope>-<method>-<timestamp>.prof`` (timestamp UTC, to the microsecond).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> profile_path("cube", "reeb", "/tmp/p", datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)).name
    'cube-reeb-20260102T030405.000006Z.prof'
    """
    when = when or datetime.now(timezone.utc)
    stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
    directory = Path(out_dir) if out_dir is not None else PROFILE_DIR
    return directory / f"{_slug(polytope_name or 'polytope')}-{_slug(method)}-{stamp}.prof"


@dataclass(frozen=True)
class ProfileRun:
    """A profiled call: where its ``.prof`` is, what it returned and how long it took."""

    path: Path
    result: Any
    seconds: float

    def top(self, n: int = 20, sort: str = "cumulative") -> list[dict]:
        """The ``n`` most expensive functions of this run (see :func:`top_functions`)."""
        return top_functions(self.path, n=n, sort=sort)


class ProfileError(ViterboError, ValueError):
    """The profile cannot be written where it was asked to go."""


def writable_folder(directory: str | Path) -> Path:
    """``directory``, created when missing; a ProfileError when it is a file or cannot be written."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ProfileError(f"{folder}: is a file, not a folder; give --out-dir a folder for the .prof files.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ProfileError(f"{folder}: cannot write profiles there ({exc.strerror or exc}); give --out-dir a "
                           "folder you can write.") from exc
    return folder


def profile_call(func: Callable, *args: Any, path: str | Path, **kwargs: Any) -> ProfileRun:
    """Run ``func(*args, **kwargs)`` under cProfile and dump the statistics to ``path``.

    The directory is checked (created when missing) before the run.  An exception raised by
    ``func`` propagates; nothing is written then.

    Raises
    ------
    ProfileError
        The directory is a file or cannot be written.
    """
    path = Path(path)
    writable_folder(path.parent)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        result = func(*args, **kwargs)
    finally:
        profiler.disable()
    seconds = time.perf_counter() - start
    try:
        profiler.dump_stats(str(path))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot write the profile ({exc.strerror or exc}).") from exc
    return ProfileRun(path=path, result=result, seconds=seconds)


def resolve_method(K: Polytope, method: str) -> str:
    """The name of the method ``capacity(K, method)`` runs (:func:`viterbo.capacity.resolve_method`)."""
    return _resolve(K, method).name


def profile_capacity(K: Polytope, method: str = "auto", *, out_dir: str | Path | None = None,
                     time_budget: float | None = None, **levers: Any) -> ProfileRun:
    """Profile ``viterbo.capacity(K, method, **levers)``; the file is named after K and the method that ran.

    Parameters
    ----------
    K : Polytope
        The polytope (its ``name`` goes into the file name).
    method : str
        A registered method or ``"auto"`` (resolved first, so the file names the real method).
    out_dir : path, optional
        Directory for the ``.prof``; default :data:`PROFILE_DIR`.
    time_budget : float, optional
        Passed to :func:`viterbo.capacity`.
    **levers
        The method's levers.

    Returns
    -------
    ProfileRun
        ``path`` of the ``.prof``, ``result`` (the :class:`~viterbo.CapacityResult`), ``seconds``.

    Raises
    ------
    MethodNotApplicableError, TimeBudgetExceededError
        As :func:`viterbo.capacity`; no file is written then.

    Examples
    --------
    >>> import tempfile, viterbo as vb
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     run = profile_capacity(vb.families.regular_polygon(4), "auto", out_dir=folder)
    ...     print(run.path.suffix, run.result.method, run.path.name.startswith("4-gon-area-"), run.path.is_file())
    .prof area True True
    """
    name = resolve_method(K, method)
    path = profile_path(K.name, name, out_dir)
    return profile_call(capacity, K, method=name, time_budget=time_budget, path=path, **levers)


def _function_label(key: tuple[str, int, str]) -> str:
    file, line, func = key
    if file == "~" and line == 0:  # builtins: pstats writes ('~', 0, '<built-in method ...>')
        return func
    return f"{Path(file).name}:{line}({func})"


def top_functions(source: str | Path | pstats.Stats, n: int = 20, sort: str = "cumulative") -> list[dict]:
    """The ``n`` most expensive functions of a profile.

    Parameters
    ----------
    source : path or pstats.Stats
        A ``.prof`` file or loaded statistics.
    n : int
        How many rows.
    sort : {"cumulative", "own"}
        Cumulative time (the function and what it calls) or own time (the function body only).

    Returns
    -------
    list of dict
        Rows with ``function`` (``file:line(name)``), ``file``, ``line``, ``name``, ``calls``,
        ``primitive_calls``, ``own_seconds``, ``cumulative_seconds``, ``cumulative_per_call``,
        most expensive first.
    """
    if sort not in _SORT_KEYS:
        raise ValueError(f"top_functions: sort={sort!r}; choose 'cumulative' or 'own'.")
    stats = source if isinstance(source, pstats.Stats) else pstats.Stats(str(source))
    rows = []
    for key, (primitive, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": _function_label(key), "file": key[0], "line": key[1], "name": key[2],
                     "calls": int(calls), "primitive_calls": int(primitive), "own_seconds": float(own),
                     "cumulative_seconds": float(cumulative),
                     "cumulative_per_call": float(cumulative) / calls if calls else 0.0})
    rows.sort(key=lambda r: (-r[_SORT_KEYS[sort]], r["function"]))
    return rows[:n]


def format_top(rows: list[dict], width: int = 70) -> str:
    """A plain-text table of :func:`top_functions` rows (for the CLI)."""
    lines = [f"{'calls':>9} {'own s':>9} {'cum s':>9}  function"]
    for r in rows:
        label = r["function"]
        if len(label) > width:
            label = "..." + label[-(width - 3):]
        lines.append(f"{r['calls']:>9} {r['own_seconds']:>9.4f} {r['cumulative_seconds']:>9.4f}  {label}")
    return "\n".join(lines)
