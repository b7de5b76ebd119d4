"""Shared test configuration: hypothesis profiles per tier; tier marks enforced (tests/_tiers.py)."""

import os

from _tiers import pytest_collection_modifyitems, pytest_sessionstart  # noqa: F401  (hooks)
from hypothesis import HealthCheck, settings

settings.register_profile("smoke", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("VITERBO_HYPOTHESIS_PROFILE", "smoke"))
