"""notebooks/trends.py: HTML export runs every cell without error, with and without data.

(`marimo check` runs on every notebook in test_notebooks.py.)
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from viterbo import snapshot

pytestmark = pytest.mark.smoke

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "trends.py"
ERROR_MARKERS = ("MarimoExceptionRaisedError", "Traceback (most recent call last)", "MarimoStrictExecutionError",
                 "An internal error occurred")


def _marimo(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marimo", *args], capture_output=True, text=True, timeout=timeout)


def _export(tmp_path: Path, snapshots: Path) -> str:
    out = tmp_path / "trends.html"
    proc = _marimo("export", "html", str(NOTEBOOK), "-o", str(out), "--no-include-code", "-f",
                   "--", "--snapshots", str(snapshots))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = out.read_text()
    for marker in ERROR_MARKERS:
        assert marker not in html, marker
    return html


def test_export_with_a_missing_snapshots_folder(tmp_path):
    html = _export(tmp_path, tmp_path / "no-such-folder")
    assert "No snapshots yet" in html


def test_export_with_snapshot_files(tmp_path):
    folder = tmp_path / "snapshots"
    rows_by_week = {}
    for week, seconds, cap in (("2026-W47", 1.0, 2.0), ("2026-W48", 2.0, 2.0), ("2026-W49", 2.0, 2.5)):
        when = dt.datetime.fromisocalendar(int(week[:4]), int(week[-2:]), 2).replace(tzinfo=dt.timezone.utc)
        row = {c: "" for c in snapshot.COLUMNS}
        row.update(week=week, timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"), source="snapshot",
                   polytope="cell24_marker", method="reeb", levers="use_memo=1", capacity=cap,
                   seconds_median=seconds, status="ok", machine="test-machine")
        rows_by_week[when] = [row]
    for when, rows in rows_by_week.items():
        snapshot.write_rows(rows, folder, now=when)
    html = _export(tmp_path, folder)
    assert "No snapshots yet" not in html
    assert "3 row(s)" in html and "3 week(s)" in html
    regressions, changes, problems = (html.index(h) for h in ("Regressions", "Capacity changes",
                                                              "disagree, error or timeout"))
    assert "cell24_marker" in html[regressions:changes]  # W48 is 2x W47, 1 s slower
    assert "cell24_marker" in html[changes:problems]  # W49 changed the capacity
    assert "Every row is ok." in html[problems:]
    assert "within the noise" not in html
    assert "DataTransformerRegistry" not in html
