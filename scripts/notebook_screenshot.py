"""Serve a notebook with marimo and drive it in headless Chromium; write the README's screenshot.

    python scripts/notebook_screenshot.py [--out docs/images/spectrum.png] [--width 1280]

starts ``marimo run notebooks/spectrum.py``, waits for the first view (capacity, witness, spectrum)
and saves a screenshot of it.  tests/test_browser.py drives the notebooks with the same helpers
(:func:`serve`, :func:`open_browser`, :func:`wait_for_first_result`), and a deep-tier test runs this
script, so the README's picture is produced the way the test sees the notebook.

Needs Playwright (a dev dependency) and Debian's chromium at /usr/bin/chromium (``.ci/install-browser``);
Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Size of the README picture: the first view down to the spectrum chart.
SCREENSHOT_WIDTH, SCREENSHOT_HEIGHT = 1280, 1900
#: The capacity figure of spectrum.py, as rendered (an output, not the code that makes it).
CAPACITY_LABEL = "capacity c_EHZ"


@dataclass
class Server:
    """A marimo server started by :func:`serve`: its URL, when the command started, its log file."""

    url: str
    started: float
    log: Path
    process: subprocess.Popen


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"marimo exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"marimo did not listen on port {port} within {timeout} s: {log.read_text()[-3000:]}")


@contextlib.contextmanager
def serve(command: str, notebook: str = "notebooks/spectrum.py", args: list[str] | None = None, *,
          cwd: Path = ROOT, log_dir: Path | None = None, start_timeout: float = 60.0) -> Iterator[Server]:
    """``marimo <command> <notebook>`` run from ``cwd`` (the repository root, as the README says), headless.

    Only the flags a headless server needs are added (host, free port, no token, no browser); the
    notebook's own configuration (pyproject ``[tool.marimo]``) applies unchanged.  The whole process
    group is ended however the block exits.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "marimo", command, notebook, "--headless", "--host", "127.0.0.1",
           "--port", str(port), "--no-token"]
    if args:
        cmd += ["--", *args]
    log = (log_dir or Path(os.environ.get("TMPDIR", "/tmp"))) / f"marimo-{command}-{port}.log"
    started = time.monotonic()
    with log.open("w") as sink:
        process = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                                   start_new_session=True)
    try:
        _wait_for_port(port, process, start_timeout, log)
        yield Server(f"http://127.0.0.1:{port}/", started, log, process)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def open_browser(width: int = 1280, height: int = 1800):
    """A Playwright page in Debian's chromium (``CHROMIUM``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def outputs(page):
    """The cell outputs of a marimo page (Playwright locators pierce marimo's open shadow roots)."""
    return page.locator(".output-area")


_DEEP_TEXT = """(root) => {
    const parts = [];
    const walk = (node) => {
        if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
        if (node.nodeName === "STYLE" || node.nodeName === "SCRIPT") return;
        if (node.shadowRoot) walk(node.shadowRoot);
        for (const child of node.childNodes) walk(child);
    };
    walk(root);
    return parts.join(" ").replace(/\\s+/g, " ");
}"""


def deep_text(locator) -> str:
    """The text of an element including its open shadow roots (``inner_text`` stops at them)."""
    return locator.evaluate(_DEEP_TEXT)


_WIDE = """(root) => {
    const wide = [];
    const walk = (node) => {
        if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
        if (node.nodeType === Node.ELEMENT_NODE) {
            const style = getComputedStyle(node);
            const scrolls = ["auto", "scroll"].includes(style.overflowX);
            if (node.clientWidth > 0 && node.scrollWidth > node.clientWidth + 2 && (scrolls || node === root)) {
                wide.push(`${node.tagName.toLowerCase()}.${node.className}: ${node.scrollWidth} > ${node.clientWidth}`);
            }
            if (node.shadowRoot) walk(node.shadowRoot);
        }
        for (const child of node.childNodes) walk(child);
    };
    walk(root);
    return wide;
}"""


def too_wide(locator) -> list[str]:
    """Elements inside ``locator`` (shadow roots included) whose content is wider than they are (a sideways scroll)."""
    return locator.evaluate(_WIDE)


def capacity_output(page):
    """The output of spectrum.py's capacity cell."""
    return outputs(page).filter(has_text=CAPACITY_LABEL).first


def wait_for_first_result(page, timeout: float = 120.0) -> None:
    """Wait until spectrum.py shows its capacity (a rendered figure, not the code behind it)."""
    capacity_output(page).get_by_text(CAPACITY_LABEL).first.wait_for(timeout=timeout * 1000)


def wait_for_first_view(page, timeout: float = 120.0) -> None:
    """Wait for the capacity, the witness picture and the spectrum chart of spectrum.py."""
    wait_for_first_result(page, timeout)
    charts = ".vega-embed canvas, .vega-embed svg"
    capacity_witness = outputs(page).filter(has_text="the outline of K").first
    capacity_witness.locator(charts).first.wait_for(timeout=timeout * 1000)
    outputs(page).filter(has_text="Action spectrum").first.locator(charts).first.wait_for(timeout=timeout * 1000)


def screenshot(out: Path, width: int = SCREENSHOT_WIDTH, height: int = SCREENSHOT_HEIGHT, command: str = "run") -> Path:
    """Write a screenshot of spectrum.py's first view to ``out`` (PNG)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with serve(command) as server, open_browser(width, height) as page:
        page.goto(server.url)
        wait_for_first_view(page)
        page.wait_for_timeout(500)  # let the charts finish their transitions
        page.screenshot(path=str(out), full_page=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "spectrum.png")
    parser.add_argument("--width", type=int, default=SCREENSHOT_WIDTH)
    parser.add_argument("--height", type=int, default=SCREENSHOT_HEIGHT)
    ns = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing; install it with .ci/install-browser.", file=sys.stderr)
        return 2
    path = screenshot(ns.out, ns.width, ns.height)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
