"""Test tiers, enforced: every collected test carries exactly one of the tier marks.

A test without a tier mark would never be selected (``-m smoke`` is the default), and one with two
would run in both; either is refused at collection, naming the tests.  Also: with
``VITERBO_REQUIRE_NATIVE=1`` (CI) the session refuses to start unless the compiled extension is in
use, so tests that skip without it (parity tests) cannot be skipped there.
"""

from __future__ import annotations

import os

import pytest

TIERS = ("smoke", "deep", "longhaul")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every test is checked
def pytest_collection_modifyitems(config, items):
    bad = []
    for item in items:
        tiers = sorted({mark.name for mark in item.iter_markers() if mark.name in TIERS})
        if len(tiers) != 1:
            bad.append(f"{item.nodeid}: " + ("no tier mark" if not tiers else f"tier marks {', '.join(tiers)}"))
    if bad:
        shown = "\n  ".join(bad[:40]) + (f"\n  ... ({len(bad)} in all)" if len(bad) > 40 else "")
        raise pytest.UsageError("every test needs exactly one tier mark, @pytest.mark.smoke, "
                                f"@pytest.mark.deep or @pytest.mark.longhaul:\n  {shown}")


def pytest_sessionstart(session):
    if os.environ.get("VITERBO_REQUIRE_NATIVE", "").strip().lower() not in {"1", "true", "yes"}:
        return
    from viterbo._native_support import native_available  # imports torch: only when asked to check

    if not native_available():
        raise pytest.UsageError("VITERBO_REQUIRE_NATIVE=1 is set but the compiled extension viterbo._native is "
                                "not in use (not built, or VITERBO_PURE_PYTHON=1): the parity tests would be "
                                "skipped. Build it: pip install -c constraints.txt -e '.[dev]'")
