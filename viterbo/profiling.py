"""Profiling helpers: cProfile runs written to ``.profiles/``, their top functions, snakeviz, lever sweeps.

The notebooks and ``viterbo profile`` are thin clients of these functions.
A profile of a capacity computation lands in
``.profiles/<polytope>-<method>-<timestamp>.prof`` (git-ignored); open it with
``snakeviz`` (:func:`snakeviz_command`) or read its top functions with
:func:`top_functions`.  :func:`lever_sweep` runs one method under every
combination of its boolean levers and tabulates time, search counters and the
value (which must not depend on the levers: they only prune).
"""

from __future__ import annotations

import atexit
import cProfile
import importlib.util
import pstats
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .capacity import capacity
from .capacity import resolve_method as _resolve
from .capacity._registry import get_method, work_counters
from .capacity.agreement import AGREEMENT_REL_TOL, values_agree
from .geometry.polytope import Polytope

__all__ = ["PROFILE_DIR", "ProfileRun", "profile_path", "profile_call", "profile_capacity", "top_functions",
           "format_top", "snakeviz_command", "free_port", "SnakevizServer", "start_snakeviz", "resolve_method",
           "lever_defaults", "lever_grid", "WORK_COUNTERS", "work_counter", "lever_sweep", "sweep_summary", "sweep_disagreement"]

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


def profile_call(func: Callable, *args: Any, path: str | Path, **kwargs: Any) -> ProfileRun:
    """Run ``func(*args, **kwargs)`` under cProfile and dump the statistics to ``path``.

    The directory is created when missing.  An exception raised by ``func``
    propagates; nothing is written then.
    """
    path = Path(path)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        result = func(*args, **kwargs)
    finally:
        profiler.disable()
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
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


def _snakeviz_program(for_display: bool) -> list[str]:
    # Show the short `snakeviz` when it is on PATH; launch through this interpreter when it can import
    # snakeviz, so a pyenv shim or another environment's script is never the one that runs.
    if for_display and shutil.which("snakeviz"):
        return ["snakeviz"]
    if not for_display and importlib.util.find_spec("snakeviz") is not None:
        return [sys.executable, "-m", "snakeviz"]
    exe = shutil.which("snakeviz")
    return [exe] if exe else [sys.executable, "-m", "snakeviz"]


def _snakeviz_argv(path: str | Path, port: int, host: str, for_display: bool) -> list[str]:
    return _snakeviz_program(for_display) + ["-s", "-H", host, "-p", str(port), str(path)]


def snakeviz_command(path: str | Path, port: int = 8080, host: str = "127.0.0.1") -> str:
    """The shell command that serves ``path`` in snakeviz without opening a browser.

    Examples
    --------
    >>> snakeviz_command("a.prof", 8123).endswith("-s -H 127.0.0.1 -p 8123 a.prof")
    True
    """
    return shlex.join(_snakeviz_argv(path, port, host, for_display=True))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class SnakevizServer:
    """A running ``snakeviz`` process serving one profile; :meth:`stop` ends it (also at exit)."""

    process: subprocess.Popen
    url: str
    path: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def _wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def start_snakeviz(path: str | Path, port: int | None = None, host: str = "127.0.0.1",
                   timeout: float = 15.0) -> SnakevizServer:
    """Serve ``path`` with snakeviz on ``host:port`` in a subprocess and wait until it answers.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    RuntimeError
        snakeviz exited or did not listen within ``timeout`` seconds (its output is quoted).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"start_snakeviz: no profile at {path}; run a profile first.")
    port = port or free_port(host)
    cmd = _snakeviz_argv(path, port, host, for_display=False)
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = SnakevizServer(process=process, url=f"http://{host}:{port}/snakeviz/{urllib.parse.quote(str(path.resolve()), safe='')}", path=path)
    if not _wait_for_port(host, port, process, timeout):
        server.stop()
        output = process.stdout.read() if process.stdout else ""
        raise RuntimeError(f"start_snakeviz: `{shlex.join(cmd)}` did not start listening on {host}:{port} "
                           f"within {timeout:g} s; output: {output.strip()[:500]!r}. Is snakeviz installed "
                           "(pip install snakeviz)?")
    atexit.register(server.stop)
    return server


# ----------------------------------------------------------------------------------------------------------
# Lever sweeps


def lever_defaults(method: str) -> dict[str, Any]:
    """The levers of a registered method with their default values (its registry row)."""
    return get_method(method).defaults()


def lever_grid(method: str) -> list[dict[str, bool]]:
    """Every on/off assignment of a method's sweep levers, all on first; ``[{}]`` when it has none.

    Levers that are not booleans (a rotation cap, a variant name) are left at the method's default.

    Examples
    --------
    >>> lever_grid("area")
    [{}]
    """
    return get_method(method).grid()


#: Counters that measure the work of a search, one per method (the registry's; the first present is charted).
WORK_COUNTERS: tuple[str, ...] = work_counters()


def work_counter(frame) -> str | None:
    """The first of :data:`WORK_COUNTERS` that a :func:`lever_sweep` frame has, or None."""
    return next((c for c in WORK_COUNTERS if c in frame.columns), None)


def _combo_label(combo: dict[str, Any]) -> str:
    if not combo:
        return "(no levers)"
    parts = []
    for name, value in combo.items():
        parts.append(f"{name}={'on' if value is True else 'off' if value is False else value}")
    return " ".join(parts)


def lever_sweep(K: Polytope, method: str = "auto", repeats: int = 3, *, time_budget: float | None = None,
                grid: list[dict[str, Any]] | None = None, progress: Callable[[int, int], None] | None = None):
    """Run one method on K under every lever combination, ``repeats`` times each.

    Parameters
    ----------
    K : Polytope
        The polytope.
    method : str
        A registered method or ``"auto"`` (resolved once, so every run uses the same method).
    repeats : int
        Runs per combination (>= 1); their spread shows the timing noise.
    time_budget : float, optional
        Per run, passed to :func:`viterbo.capacity`.
    grid : list of dict, optional
        Lever combinations; default :func:`lever_grid` of the method.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``method``, ``combo`` (label), one column per lever, ``repeat``, ``value``,
        ``seconds`` and every numeric entry of the result's ``stats`` (``nodes_expanded``,
        ``pruned_*``, ...), in the order run.

    Raises
    ------
    ValueError
        ``repeats < 1``.
    MethodNotApplicableError, TimeBudgetExceededError
        As :func:`viterbo.capacity`.
    """
    import pandas as pd

    if repeats < 1:
        raise ValueError(f"lever_sweep: repeats={repeats}; need at least 1 run per combination.")
    name = resolve_method(K, method)
    combos = lever_grid(name) if grid is None else grid
    rows = []
    total = len(combos) * repeats
    for repeat in range(repeats):
        for combo in combos:
            start = time.perf_counter()
            result = capacity(K, method=name, time_budget=time_budget, **combo)
            wall = time.perf_counter() - start
            row: dict[str, Any] = {"method": result.method, "combo": _combo_label(combo), **combo,
                                   "repeat": repeat, "value": float(result.value)}
            for key, val in result.stats.items():
                if isinstance(val, (int, float)) and not isinstance(val, bool) and key not in row:
                    row[key] = val
            row["seconds"] = float(result.stats.get("seconds", wall))
            rows.append(row)
            if progress is not None:
                progress(len(rows), total)
    return pd.DataFrame(rows)


def sweep_summary(frame, columns: tuple[str, ...] | None = None):
    """Min / median / max of ``columns`` per lever combination of a :func:`lever_sweep` frame.

    ``columns`` defaults to ``seconds`` and the frame's :func:`work_counter`.

    Returns
    -------
    pandas.DataFrame
        One row per combination: ``combo``, ``runs``, ``value``, and ``<col>_min``,
        ``<col>_median``, ``<col>_max`` for each of ``columns`` present in the frame.
    """
    import pandas as pd

    if columns is None:
        columns = ("seconds",) + tuple(c for c in [work_counter(frame)] if c is not None)
    out = []
    for combo, group in frame.groupby("combo", sort=False):
        row: dict[str, Any] = {"combo": combo, "runs": len(group), "value": float(group["value"].iloc[0])}
        for col in columns:
            if col in group:
                row[f"{col}_min"] = float(group[col].min())
                row[f"{col}_median"] = float(group[col].median())
                row[f"{col}_max"] = float(group[col].max())
        out.append(row)
    return pd.DataFrame(out)


def sweep_disagreement(frame, rel_tol: float = AGREEMENT_REL_TOL) -> str | None:
    """None when every run of a sweep found the same value (:func:`~viterbo.capacity.agreement.values_agree`),
    else a sentence naming the outliers.

    Levers only prune the search, so any disagreement is a bug in a pruning rule.
    """
    values = frame["value"].astype(float)
    reference = float(values.iloc[0])
    bad = frame[~values.apply(lambda v: values_agree(v, reference, rel_tol))]
    if bad.empty:
        return None
    listing = "; ".join(f"{c} (repeat {r}): {v!r}" for c, r, v in zip(bad["combo"], bad["repeat"], bad["value"]))
    first = frame["combo"].iloc[0]
    return (f"lever combinations disagree on the capacity: {first} gives {reference!r} but {listing}. "
            "A lever must only prune; this is a bug in the pruning rule that differs.")
