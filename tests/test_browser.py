"""notebooks/spectrum.py served by `marimo run`, driven in headless Chromium (Playwright).

Checks what a user sees: the capacity and its witness render, the action spectrum chart is drawn
(a vega-embed canvas/svg), no cell fails, and toggling a lever (use_cF_budgets) re-runs the search
with different counters.  Needs Debian's chromium at /usr/bin/chromium (`.ci/install-browser`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import viterbo as vb
from viterbo.profiling import free_port

pytestmark = pytest.mark.smoke

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "spectrum.py"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_S = 60
FIRST_RESULT_S = 120
RERUN_S = 90

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing; install it with .ci/install-browser (apt-get install chromium)",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright is not installed")

# marimo logs every cell error to the browser console as "[STDERR] ... (<cell id>) {json}".
_CELL_ERROR = re.compile(r"\((\w+)\) (\{.*\})")
_HARMLESS = {"ancestor-stopped"}  # cells below an mo.stop gate: expected, not an error


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"marimo run exited with {process.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"marimo run did not listen on port {port} within {timeout} s")


@pytest.fixture
def served_notebook(tmp_path):
    """`marimo run` on a free port, killed (whole process group) however the test ends."""
    port = free_port()
    cmd = [sys.executable, "-m", "marimo", "run", str(NOTEBOOK), "--headless", "--host", "127.0.0.1",
           "--port", str(port), "--no-token", "--", "--family", "cross_polytope"]
    started = time.monotonic()
    log = tmp_path / "marimo-run.log"
    with log.open("w") as sink:
        process = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True, cwd=tmp_path)  # .profiles/ lands in tmp_path
    try:
        _wait_for_port(port, process, SERVER_START_S, log)
        yield f"http://127.0.0.1:{port}/", started, tmp_path
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


def _counters(page) -> dict[str, int]:
    raw = page.locator('marimo-table[data-label*="counters"]').first.get_attribute("data-data")
    data = json.loads(raw)
    rows = json.loads(data) if isinstance(data, str) else data
    return {row["counter"]: int(row["count"]) for row in rows}


def test_spectrum_notebook_in_browser(served_notebook, record_property):
    url, started, workdir = served_notebook
    console_errors: list[str] = []

    def on_console(message):
        text = message.text
        if "[STDERR]" not in text:
            return
        match = _CELL_ERROR.search(text)
        if match is None:
            console_errors.append(text)
            return
        try:
            kind = json.loads(match.group(2)).get("type")
        except json.JSONDecodeError:
            kind = None
        if kind not in _HARMLESS:
            console_errors.append(text)

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.on("console", on_console)
            page.goto(url, timeout=SERVER_START_S * 1000)

            # First result: the capacity of the cross-polytope (c = 1), verified.
            page.get_by_text("capacity c_EHZ").wait_for(timeout=FIRST_RESULT_S * 1000)
            cold_start = time.monotonic() - started
            record_property("cold_start_seconds", round(cold_start, 2))
            print(f"cold start (marimo run -> first result): {cold_start:.1f} s")
            page.locator('marimo-table[data-label*="counters"]').wait_for(state="attached", timeout=RERUN_S * 1000)
            capacity_output = page.locator(".output-area").filter(has_text="capacity c_EHZ").first
            capacity_output.get_by_text("verified", exact=True).wait_for(timeout=RERUN_S * 1000)
            capacity_output.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(  # witness charts
                timeout=RERUN_S * 1000)

            # The action spectrum chart (viterbo.spectrum lands with "reeb"; until then the notebook says so).
            if hasattr(vb, "spectrum"):
                spectrum_output = page.locator(".output-area").filter(has_text="Action spectrum").first
                spectrum_output.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(
                    timeout=RERUN_S * 1000)
            else:
                page.get_by_text("Spectrum unavailable").wait_for(timeout=RERUN_S * 1000)

            before = _counters(page)
            assert before["nodes_expanded"] > 0 and before["pruned_cF_budget"] > 0, before

            # Toggle a lever: use_cF_budgets off -> the search re-runs and that rule prunes nothing.
            page.locator("marimo-switch").filter(has_text="use_cF_budgets").locator("[role=switch]").click()
            deadline = time.monotonic() + RERUN_S
            after = before
            while time.monotonic() < deadline:
                try:
                    after = _counters(page)
                except (TypeError, json.JSONDecodeError):  # the table is being replaced
                    after = before
                if after != before:
                    break
                page.wait_for_timeout(200)
            assert after != before, "toggling use_cF_budgets did not change the search counters"
            assert after["pruned_cF_budget"] == 0, after
            assert page.get_by_text("capacity c_EHZ").first.is_visible()

            # The lever sweep and the profiler, each behind a run button.
            page.get_by_role("button", name="run the lever sweep").click()
            page.get_by_text(re.compile(r"All \d+ runs agree")).wait_for(timeout=RERUN_S * 1000)
            page.get_by_role("button", name="profile this computation").click()
            page.get_by_text("Profile written to").wait_for(timeout=RERUN_S * 1000)
            written = sorted((workdir / ".profiles").glob("cross_polytope-reeb-*.prof"))
            assert written, "the profile button wrote no .prof"
            assert page.get_by_text("snakeviz -s -H 127.0.0.1").count() >= 1 or \
                page.get_by_text("-m snakeviz -s -H 127.0.0.1").count() >= 1

            assert page.locator("marimo-callout-output[data-kind*=danger]").count() == 0
            assert not console_errors, "cells failed:\n" + "\n".join(console_errors)
        finally:
            browser.close()
