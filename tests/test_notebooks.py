"""The marimo notebooks: `marimo check` clean, run as scripts, export to HTML without a failing cell."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import viterbo as vb

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.py"))
TIMEOUT_S = 240


def _run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)


def _cell_outputs(html: str) -> list[dict]:
    """Every cell output recorded in an exported HTML file (marimo embeds the session as JSON)."""
    outputs = []
    for match in re.finditer(r'"outputs": (\[.*?\])\}', html):
        try:
            outputs.extend(json.loads(match.group(1)))
        except json.JSONDecodeError:
            continue
    return outputs


def test_notebooks_present():
    assert {"spectrum.py", "counterexample.py"} <= set(ALL)


def test_marimo_check_clean():
    done = _run(["-m", "marimo", "check", "--strict", "notebooks/"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower()


@pytest.mark.parametrize("args", [[], ["--", "--family", "cross_polytope"]], ids=["cube", "cross_polytope"])
def test_spectrum_runs_as_script(args):
    done = _run(["notebooks/spectrum.py", *args])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr


def _export(notebook: str, tmp_path: Path, args: list[str]) -> str:
    out = tmp_path / f"{Path(notebook).stem}.html"
    done = _run(["-m", "marimo", "export", "html", f"notebooks/{notebook}", "-o", str(out), "-f", *args])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "some cells failed" not in (done.stdout + done.stderr)
    return out.read_text()


def _assert_no_cell_failed(html: str) -> None:
    errors = [o for o in _cell_outputs(html) if o.get("type") == "error" and o.get("ename") != "ancestor-stopped"]
    assert not errors, errors
    # A danger callout means a failed verification or disagreeing methods/levers.
    assert not re.search(r"data-kind=[^>]{0,40}danger", html)


def test_export_spectrum_cross_polytope(tmp_path):
    html = _export("spectrum.py", tmp_path, ["--", "--family", "cross_polytope"])
    _assert_no_cell_failed(html)
    assert _cell_outputs(html), "no cell outputs found in the export"
    assert "cross_polytope" in html and "capacity methods on this polytope" in html
    if "reeb" in vb.method_names():
        assert "capacity c_EHZ" in html and "search counters" in html
    if hasattr(vb, "spectrum"):
        assert "Action spectrum" in html


def test_export_counterexample(tmp_path):
    html = _export("counterexample.py", tmp_path, [])
    _assert_no_cell_failed(html)
    assert "pentagon_counterexample" in html
    available = [m for m in ("billiard", "haim_kislev") if m in vb.method_names()]
    if available:
        assert "Witness" in html and "systolic ratio of P x R P" in html
    else:
        assert "Not available in this build" in html


def test_export_flags_a_failing_cell(tmp_path):
    """The checks above can fail: a notebook with a raising cell is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import marimo\napp = marimo.App()\n\n@app.cell\ndef _():\n    x = 1 / 0\n    return (x,)\n\n"
                   "if __name__ == '__main__':\n    app.run()\n")
    out = tmp_path / "bad.html"
    done = _run(["-m", "marimo", "export", "html", str(bad), "-o", str(out), "-f"], cwd=tmp_path)
    assert done.returncode != 0
    errors = [o for o in _cell_outputs(out.read_text()) if o.get("type") == "error"]
    assert errors and errors[0]["evalue"] == "division by zero"
