"""The notebooks in headless Chromium (Playwright), as a user meets them.

Smoke tier, one page load per command (it runs in CI on 2 cores), on notebooks/spectrum.py:

* ``marimo edit notebooks/spectrum.py`` -- the README's command, run from the repository root with the
  project's own configuration (pyproject ``[tool.marimo]``): the first view (capacity, witness, spectrum)
  appears without any click, no cell shows None, a raw repr or a traceback, and the file is left as it was.
* ``marimo run`` on a 100-facet polytope: a lever change keeps the old result on screen (marked stale),
  run brings the new one and the side-by-side comparison; then every family in the picker is shown
  without None, raw reprs or tracebacks; the lever sweep and the profiler run behind their buttons.

Deep tier: the README's screenshot script runs; counterexample.py's witness follows the angle slider;
trends.py keeps its method filter through an export.

The seconds from the command to the first result are recorded (``record_property``) and printed; they
are not asserted (timings are noisy on shared machines).  Needs Debian's chromium at /usr/bin/chromium
(``.ci/install-browser``); the helpers are shared with scripts/notebook_screenshot.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from viterbo import notebook_support as nbs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "spectrum.py"

_spec = importlib.util.spec_from_file_location("notebook_screenshot", ROOT / "scripts" / "notebook_screenshot.py")
browser = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = browser  # dataclasses look their module up there
_spec.loader.exec_module(browser)

if not browser.CHROMIUM.exists():
    pytest.skip(f"{browser.CHROMIUM} is missing; install it with .ci/install-browser (apt-get install chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="pip package playwright is not installed")

FIRST_RESULT_S = 120
STEP_S = 90
#: A random hull with 100 facets (above the notebook's 30-facet threshold), certified by "reeb".
LARGE = "random_hull:33:0"

# marimo logs every cell error to the browser console as "[STDERR] ... (<cell id>) {json}".
_CELL_ERROR = re.compile(r"\((\w+)\) (\{.*\})")
_HARMLESS = {"ancestor-stopped", "interruption"}  # below an mo.stop gate / a re-run replacing a run: expected
#: What must never reach a reader: Python's None, a traceback, a raw object or registry repr.
_BAD_TEXT = re.compile(r"\bNone\b|Traceback|MethodSpec\(|LeverInfo\(|<function |object at 0x|\bnan\b")


class ConsoleErrors(list):
    """Collects failing cells from the browser console."""

    def __call__(self, message) -> None:
        text = message.text
        if "[STDERR]" not in text:
            return
        match = _CELL_ERROR.search(text)
        try:
            kind = json.loads(match.group(2)).get("type") if match else None
        except json.JSONDecodeError:
            kind = None
        if kind not in _HARMLESS:
            self.append(text)


def _assert_clean(page, where: str) -> None:
    """No output shows None, a traceback or a raw repr; no danger callout (failed check, disagreement)."""
    outputs = browser.outputs(page)
    for i in range(outputs.count()):
        text = browser.deep_text(outputs.nth(i))
        bad = _BAD_TEXT.search(text)
        context = text[max(0, bad.start() - 200):bad.end() + 200] if bad else ""
        assert bad is None, f"{where}: an output shows {bad.group(0)!r}: ...{context}"
    assert page.locator("marimo-callout-output[data-kind*=danger]").count() == 0, where


def _assert_fits(page, where: str) -> None:
    """No output needs a sideways scroll: tables and charts fit the page."""
    outputs = browser.outputs(page)
    wide = {browser.deep_text(outputs.nth(i))[:60]: browser.too_wide(outputs.nth(i)) for i in range(outputs.count())}
    wide = {k: v for k, v in wide.items() if v}
    assert not wide, f"{where}: outputs wider than the page: {wide}"


def _capacity(page) -> str:
    """The capacity figure as shown (rounded text)."""
    text = browser.deep_text(browser.capacity_output(page))
    match = re.search(r"capacity c_EHZ\s+([0-9.e+-]+)", text)
    assert match, text
    return match.group(1)


def _table(page, label: str) -> list[dict]:
    raw = page.locator(f'marimo-table[data-label*="{label}"]').first.get_attribute("data-data")
    data = json.loads(raw)
    return json.loads(data) if isinstance(data, str) else data


def _wait_for_heading(page, text: str) -> None:
    browser.outputs(page).filter(has_text=text).first.wait_for(timeout=STEP_S * 1000)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.smoke
def test_readme_command_opens_computed(tmp_path, record_property):
    """`marimo edit notebooks/spectrum.py` from the repository root shows the first view without a click."""
    before = _digest(NOTEBOOK)
    errors = ConsoleErrors()
    with browser.serve("edit", "notebooks/spectrum.py", cwd=ROOT, log_dir=tmp_path) as server, \
            browser.open_browser(1280, 2400) as page:
        page.on("console", errors)
        page.goto(server.url, timeout=FIRST_RESULT_S * 1000)
        browser.wait_for_first_result(page, FIRST_RESULT_S)
        seconds = time.monotonic() - server.started
        record_property("edit_first_result_seconds", round(seconds, 2))
        print(f"marimo edit -> first capacity: {seconds:.1f} s")
        browser.wait_for_first_view(page, STEP_S)
        assert "proved" in browser.deep_text(browser.capacity_output(page))
        _assert_clean(page, "marimo edit, first view")
        assert not errors, "cells failed:\n" + "\n".join(errors)
    assert _digest(NOTEBOOK) == before, "opening the notebook changed notebooks/spectrum.py"


@pytest.mark.smoke
def test_run_large_polytope_comparison_and_every_family(tmp_path, record_property):
    """`marimo run` on 100 facets: stale result kept, comparison after run; every family shown cleanly."""
    errors = ConsoleErrors()
    # Run from tmp_path so that the profiler's .profiles/ lands there, not in the repository.
    with browser.serve("run", str(NOTEBOOK), ["--family", LARGE], cwd=tmp_path, log_dir=tmp_path) as server, \
            browser.open_browser(1024, 2400) as page:
        page.on("console", errors)
        page.goto(server.url, timeout=FIRST_RESULT_S * 1000)
        browser.wait_for_first_result(page, FIRST_RESULT_S)
        seconds = time.monotonic() - server.started
        record_property("run_first_result_seconds", round(seconds, 2))
        print(f"marimo run -> first capacity (100 facets): {seconds:.1f} s")
        browser.wait_for_first_view(page, STEP_S)
        _wait_for_heading(page, "more than 30")  # the large-polytope rule is stated next to run
        first_value = _capacity(page)
        first_counters = {r["counter"]: r["count"] for r in _table(page, "search work counters")}
        assert first_counters["pruned_cF_budget"] > 0, first_counters

        # A lever change on 100 facets: the old result stays, marked stale, until run.
        page.locator("marimo-switch").filter(has_text="use_cF_budgets").locator("[role=switch]").click()
        # Wait for the capacity cell's own re-render: "Stale" alone can show before that cell has redrawn.
        browser.capacity_output(page).filter(has_text="use_cF_budgets on -> off").wait_for(timeout=STEP_S * 1000)
        assert browser.capacity_output(page).filter(has_text="Stale").count() == 1
        assert _capacity(page) == first_value
        browser.capacity_output(page).get_by_role("button", name="run", exact=True).click()
        _wait_for_heading(page, "Comparison of the last two settings")
        rows = {r["quantity"]: r for r in _table(page, "comparison")}
        assert rows["capacity"]["before"] == rows["capacity"]["after"] == first_value
        assert int(rows["pruned_cF_budget"]["before"].replace(",", "")) > 0
        assert rows["pruned_cF_budget"]["after"] == "0"
        assert {"nodes_expanded", "time", "two_faces"} <= set(rows)
        assert browser.capacity_output(page).filter(has_text="Stale").count() == 0
        _assert_clean(page, "100 facets after run")

        # Opted in, a change recomputes at once (use_memo off: settings not seen before), no click on run.
        page.locator("marimo-switch").filter(has_text="recompute on every change").locator("[role=switch]").click()
        page.locator("marimo-switch").filter(has_text="use_memo").locator("[role=switch]").click()
        _wait_for_heading(page, "use_cF_budgets off, use_memo off")  # the comparison's "after" line
        assert browser.capacity_output(page).filter(has_text="Stale").count() == 0

        # The lever sweep and the profiler, each behind its button.
        page.get_by_role("button", name="run the lever sweep").click()
        page.get_by_text(re.compile(r"All \d+ runs agree")).wait_for(timeout=STEP_S * 1000)
        page.get_by_role("button", name="profile this computation").click()
        page.get_by_text("Profile written to").wait_for(timeout=STEP_S * 1000)
        assert sorted((tmp_path / ".profiles").glob("random_hull*-reeb-*.prof")), "the profiler wrote no .prof"
        _assert_fits(page, "1024 px wide, after the comparison, the sweep and the profile")

        # Every family in the picker: a capacity (or a plain message), never None or a traceback.
        picker = page.locator("marimo-dropdown").filter(has_text="family").locator("select")
        labels = [o for o in picker.locator("option").all_inner_texts() if o.strip()]
        assert len(labels) >= 6, labels
        for label in labels:
            picker.select_option(label=label)
            if label == "random hull":  # back to the 100-facet hull: its last result is on screen
                _wait_for_heading(page, "random_hull:33:0 in")
                continue
            name = nbs.FAMILY_CHOICES[label]
            _wait_for_heading(page, f"Capacity of {name}")
            _wait_for_heading(page, f"Action spectrum of {name}")
            _assert_clean(page, f"family {label!r}")

        # The 24-cell by "reeb": its minimisers touch the 1-skeleton (Type 2), and reeb proves the value itself.
        picker.select_option(label="24-cell")
        _wait_for_heading(page, "Capacity of cell24")
        page.locator("marimo-dropdown").filter(has_text="method").locator("select").select_option(label="reeb")
        browser.outputs(page).filter(has_text="Capacity of cell24").filter(has_text="reeb").filter(
            has_text="proved").filter(has_not_text="Not proved").first.wait_for(timeout=STEP_S * 1000)
        _assert_clean(page, "24-cell by reeb")
        assert not errors, "cells failed:\n" + "\n".join(errors)


@pytest.mark.deep
def test_screenshot_script_writes_the_readme_picture(tmp_path):
    """scripts/notebook_screenshot.py (which makes docs/images/spectrum.png) runs and writes a PNG of the first view."""
    out = tmp_path / "spectrum.png"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "notebook_screenshot.py"), "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, browser.SCREENSHOT_HEIGHT) and len(data) > 50_000


@pytest.mark.deep
def test_counterexample_witness_follows_the_slider(tmp_path):
    errors = ConsoleErrors()
    with browser.serve("run", "notebooks/counterexample.py", cwd=ROOT, log_dir=tmp_path) as server, \
            browser.open_browser(1024, 2400) as page:
        page.on("console", errors)
        page.goto(server.url)
        _wait_for_heading(page, "The witness at 18 degrees")
        _wait_for_heading(page, "2 bounces")
        thumb = page.locator("marimo-slider").filter(has_text="turn of the second pentagon").locator("[role=slider]")
        thumb.focus()
        for _ in range(13):
            thumb.press("ArrowLeft")
        _wait_for_heading(page, "The witness at 5 degrees")
        text = browser.deep_text(browser.outputs(page).filter(has_text="The witness at 5 degrees").first)
        assert re.search(r"\d+ bounces?", text) and "(0.309, -0.951)" in text
        _assert_clean(page, "counterexample at 5 degrees")
        assert not errors, "cells failed:\n" + "\n".join(errors)


@pytest.mark.deep
def test_trends_export_keeps_the_method_filter(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    for csv in (ROOT / "artefacts" / "snapshots").glob("*.csv"):
        (folder / csv.name).write_text(csv.read_text())
    with browser.serve("run", str(ROOT / "notebooks" / "trends.py"), ["--snapshots", str(folder)], cwd=tmp_path,
                       log_dir=tmp_path) as server, browser.open_browser(1024, 2400) as page:
        page.goto(server.url)
        _wait_for_heading(page, "Every row is ok")
        methods = page.locator("marimo-multiselect").filter(has_text="methods (none = all)")
        assert "reeb" not in browser.deep_text(methods)  # nothing chosen yet
        methods.locator("[role=combobox], button").first.click()
        page.get_by_role("option", name="reeb", exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(1000)
        assert "reeb" in browser.deep_text(methods)
        page.get_by_role("button", name="Export snapshot").click()
        _wait_for_heading(page, "row(s) to")
        page.wait_for_timeout(1000)
        assert "reeb" in browser.deep_text(page.locator("marimo-multiselect").filter(has_text="methods (none = all)"))
