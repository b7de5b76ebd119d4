"""The marimo notebooks: `marimo check` clean, run as scripts, export to HTML without a failing cell."""

from __future__ import annotations

import importlib.util
import json
import math
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


def test_spectrum_runs_as_script():
    done = _run(["notebooks/spectrum.py"])
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
    for text in ("Capacity of cross_polytope", "capacity c_EHZ", "search work", "polytope size",
                 "Action spectrum of cross_polytope", "capacity methods on this polytope"):
        assert text in html, text


def test_export_counterexample(tmp_path):
    html = _export("counterexample.py", tmp_path, [])
    _assert_no_cell_failed(html)
    assert "pentagon_counterexample" in html
    assert "The witness at 18 degrees" in html and "2 bounces" in html and "systolic ratio of P x R P" in html


def _run_in_process(notebook: str, monkeypatch, args: list[str] = ()) -> dict:
    """Run a notebook's cells in this process (as `python notebook.py` would) and return its globals."""
    monkeypatch.setattr(sys, "argv", [notebook, *args])
    spec = importlib.util.spec_from_file_location(f"notebook_{Path(notebook).stem}", NOTEBOOKS / notebook)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _outputs, defs = module.app.run()
    return defs


def test_spectrum_opens_on_a_polytope_where_everything_shows(monkeypatch):
    """The first view: a proved capacity by "reeb", a verified witness, a spectrum, levers that prune."""
    defs = _run_in_process("spectrum.py", monkeypatch)
    run = defs["shown"]
    assert defs["screen"].changes == () and run is defs["runs"][-1] and len(defs["runs"]) == 1
    assert run.ok and run.result.method == "reeb" and run.result.certified and run.result.verify()
    assert run.result.stats["pruned_cF_budget"] > 0 and len(run.spectrum) >= 5 and run.spectrum_note is None


def test_spectrum_cells_on_the_cube(monkeypatch):
    """The cube gives 4 with a verified witness and non-negative counters; its spectrum note names no method."""
    defs = _run_in_process("spectrum.py", monkeypatch, ["--family", "cube"])
    run = defs["shown"]
    assert run.request.polytope_name == "cube" and run.result.value == pytest.approx(4.0) and run.result.verify()
    assert all(v >= 0 for v in run.result.stats.values() if isinstance(v, int))
    assert "Lagrangian" in run.spectrum_note and "haim_kislev" not in run.spectrum_note
    assert "billiard" not in run.spectrum_note


def test_counterexample_cells(monkeypatch):
    defs = _run_in_process("counterexample.py", monkeypatch)
    assert set(defs["registered"]) == {"billiard", "haim_kislev"} and not defs["missing"]
    for result in defs["results"].values():
        assert result.value == pytest.approx(2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5)), rel=1e-9)
        assert result.systolic_ratio() > 1
    assert defs["angle_result"].systolic_ratio() == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert defs["angle_K"].equals(vb.families.pentagon_counterexample())
    assert len(defs["curve"]) == 13 and defs["curve"]["systolic_ratio"].max() > 1


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
