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
from viterbo.capacity import methods as vb_methods

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


def _run_in_process(notebook: str, monkeypatch) -> dict:
    """Run a notebook's cells in this process (as `python notebook.py` would) and return its globals."""
    monkeypatch.setattr(sys, "argv", [notebook])
    spec = importlib.util.spec_from_file_location(f"notebook_{Path(notebook).stem}", NOTEBOOKS / notebook)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _outputs, defs = module.app.run()
    return defs


def test_spectrum_cells_on_the_cube(monkeypatch):
    """The notebook's own globals: the cube gives 4 with a verified witness and non-negative counters."""
    defs = _run_in_process("spectrum.py", monkeypatch)
    assert defs["K"].name == "cube" and defs["levers"] == {"rotation_cap": 2.0, "use_cF_budgets": True,
                                                            "use_memo": True}
    assert (defs["snapshot_module"] is not None) == (importlib.util.find_spec("viterbo.snapshot") is not None)
    if not any(s.why_not(defs["K"]) is None for s in vb_methods()):
        assert "result" not in defs  # gated: the notebook says no method applies
        return
    result = defs["result"]
    assert result.value == pytest.approx(4.0) and result.verify()
    assert all(v >= 0 for k, v in result.stats.items() if isinstance(v, int))


def test_counterexample_cells(monkeypatch):
    defs = _run_in_process("counterexample.py", monkeypatch)
    assert set(defs["registered"]) | set(defs["missing"]) == {"billiard", "haim_kislev"}
    for result in defs["results"].values():
        assert result.value == pytest.approx(2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5)), rel=1e-9)
        assert result.systolic_ratio() > 1
    if defs["results"]:
        assert defs["angle_result"].systolic_ratio() == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
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
