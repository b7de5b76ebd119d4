"""Folding pytest-benchmark results into the weekly CSV (rows of the same schema, ``source = benchmark``)."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from .._environment import environment
from .schema import COLUMNS, SnapshotError, format_levers, format_pruned, one_line, timestamp, utc, week_label
from .store import write_rows

__all__ = ["latest_benchmark_file", "benchmark_rows", "fold_benchmarks"]


def latest_benchmark_file(path: str | Path = ".benchmarks") -> Path:
    """The newest ``*.json`` under ``path`` (or ``path`` itself when it is a file).

    Raises
    ------
    SnapshotError
        Nothing found.
    """
    p = Path(path)
    if p.is_file():
        return p
    candidates = sorted(p.rglob("*.json"), key=lambda f: (f.stat().st_mtime, f.name)) if p.is_dir() else []
    if not candidates:
        raise SnapshotError(
            f"no pytest-benchmark JSON under {p}/; run "
            "`pytest tests/performance -m \"smoke or deep\" --benchmark-enable --benchmark-autosave` first."
        )
    return candidates[-1]


def _parse_datetime(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return utc(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def benchmark_rows(path: str | Path, now: _dt.datetime | None = None) -> tuple[list[dict[str, Any]], _dt.datetime]:
    """Rows (over :data:`COLUMNS`) from one pytest-benchmark JSON file, and the run's time.

    ``extra_info`` of a benchmark may carry ``polytope`` (or ``family``),
    ``method``, ``levers`` (a dict or a string), ``seed``, ``dim``, ``facets``,
    ``vertices``, ``volume``, ``capacity``, ``systolic_ratio``, ``nodes``,
    ``dtype``, ``device``; missing ones stay empty.  Seconds come from the
    stats (min, median, max over ``rounds``).  Commit, Python, CPU and host
    come from the file; versions not recorded there are those of the running
    environment.

    Raises
    ------
    SnapshotError
        The file is not a pytest-benchmark JSON file.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        benches = data["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise SnapshotError(f"{p}: not a pytest-benchmark JSON file ({type(exc).__name__}: {exc}).") from exc
    when = _parse_datetime(data.get("datetime")) or utc(now)
    machine_info = data.get("machine_info") or {}
    commit_info = data.get("commit_info") or {}
    cpu_info = machine_info.get("cpu") or {}
    base = environment()
    if commit_info.get("id"):
        base["git_commit"] = commit_info["id"] + ("-dirty" if commit_info.get("dirty") else "")
    if machine_info.get("python_version"):
        base["python"] = machine_info["python_version"]
    if cpu_info.get("brand_raw"):
        base["cpu"] = cpu_info["brand_raw"]
    if cpu_info.get("count"):
        base["cores"] = str(cpu_info["count"])
    if not os.environ.get("VITERBO_MACHINE_ID", "").strip() and machine_info.get("node"):
        base["machine"] = machine_info["node"]
    rows = []
    for bench in benches:
        info = bench.get("extra_info") or {}
        stats = bench.get("stats") or {}
        row = {c: "" for c in COLUMNS}
        row.update(base)
        for name in ("viterbo_version", "torch", "numpy", "scipy", "dtype", "device", "native", "seed", "dim",
                     "facets", "vertices", "volume", "method", "capacity", "systolic_ratio", "nodes"):
            if info.get(name) is not None:
                row[name] = info[name]
        levers = info.get("levers")
        row["levers"] = format_levers(levers) if isinstance(levers, dict) else (levers or "")
        pruned, total = format_pruned(info)
        if pruned:
            row.update(pruned=pruned, pruned_total=total)
        row.update(week=week_label(when), timestamp=timestamp(when), source="benchmark",
                   benchmark=bench.get("fullname") or bench.get("name") or "",
                   polytope=info.get("polytope") or info.get("family") or "",
                   repeats=stats.get("rounds", ""), seconds_min=stats.get("min"),
                   seconds_median=stats.get("median"), seconds_max=stats.get("max"),
                   status="ok", verified="", note=one_line(bench.get("group") or "", 200))
        rows.append(row)
    return rows, when


def fold_benchmarks(path: str | Path = ".benchmarks", out: str | Path = "artefacts/snapshots",
                    now: _dt.datetime | None = None) -> Path:
    """Fold the newest pytest-benchmark JSON under ``path`` into the snapshot of its week.

    Returns
    -------
    Path
        The weekly CSV written (the week of the benchmark run, UTC).
    """
    rows, when = benchmark_rows(latest_benchmark_file(path), now=now)
    return write_rows(rows, out, now=when)
