"""notebooks/atlas.py: runs as a script on the shipped atlas and on another one, renders without errors."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from viterbo.atlas import BuildSpec, build, load

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "artefacts" / "atlas" / "small.parquet"


def test_shipped_atlas_is_small_and_valid():
    df = load(SMALL)
    assert 200 <= len(df) <= 1000 and SMALL.stat().st_size < 1_000_000
    assert {"random_hull", "random_halfspaces", "lagrangian_product", "symplectic_image"} <= set(df.family)
    assert df.certified.mean() > 0.95 and df.A2.notna().sum() > 50
    cert = df[df.certified]
    assert (cert.systolic_ratio <= (5**0.5 + 3) / 5 + 1e-9).all()


def _outputs(html: str) -> list[dict]:
    out = []
    for match in re.finditer(r'"outputs": (\[.*?\])\}', html):
        try:
            out.extend(json.loads(match.group(1)))
        except json.JSONDecodeError:
            continue
    return out


def test_export_renders_without_errors(tmp_path):
    out = tmp_path / "atlas.html"
    done = subprocess.run([sys.executable, "-m", "marimo", "export", "html", "notebooks/atlas.py", "-o", str(out), "-f"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    text = done.stdout + done.stderr
    assert "some cells failed" not in text and "Failed to get mimebundle" not in text
    html = out.read_text()
    outputs = _outputs(html)
    assert outputs and not [o for o in outputs if o.get("type") == "error"]
    assert "An atlas of systolic ratios" in html and "A_2 / (2 A_1)" in html and "witness verified" in html


def test_runs_as_script_on_another_atlas(tmp_path, monkeypatch):
    other = tmp_path / "other.parquet"
    build(BuildSpec("random_hull", (6, 8), 6, seed=5, chunk_size=6), other, workers=1, quiet=True)
    monkeypatch.setattr(sys, "argv", ["atlas.py", "--atlas", str(other)])
    spec = importlib.util.spec_from_file_location("notebook_atlas", ROOT / "notebooks" / "atlas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _outputs_, defs = module.app.run()
    assert len(defs["rows"]) == 6 and defs["best_result"].verify()
    assert defs["best_row"].systolic_ratio == defs["certified"].systolic_ratio.max()
