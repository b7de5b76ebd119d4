"""Time budgets fire (issue 2)."""

import time

import pytest

from viterbo.runtime import Budget, TimeBudgetExceededError, default_timeout, enforce_time_budget

pytestmark = pytest.mark.smoke


@enforce_time_budget
def _spin(seconds, *, budget):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        budget.check("spinning")
    return "finished"


def test_budget_fires():
    start = time.monotonic()
    with pytest.raises(TimeBudgetExceededError, match="exceeded its time budget of 0.05 s"):
        _spin(5.0, time_budget=0.05)
    assert time.monotonic() - start < 1.0


def test_budget_allows_short_work():
    assert _spin(0.01, time_budget=5.0) == "finished"


def test_env_default(monkeypatch):
    monkeypatch.setenv("VITERBO_SOLVER_TIMEOUT", "0.05")
    assert default_timeout() == 0.05
    with pytest.raises(TimeBudgetExceededError):
        _spin(5.0)
    monkeypatch.setenv("VITERBO_SOLVER_TIMEOUT", "0")
    assert default_timeout() is None
    assert _spin(0.01) == "finished"
    monkeypatch.setenv("VITERBO_SOLVER_TIMEOUT", "abc")
    with pytest.raises(ValueError, match="not a number"):
        default_timeout()


def test_budget_object():
    b = Budget(None)
    assert b.remaining() == float("inf") and b.remaining_or_negative() == -1.0 and not b.expired()
    b = Budget(0.0)
    assert b.seconds is None


def test_decorator_requires_budget_parameter():
    with pytest.raises(TypeError, match="budget"):
        enforce_time_budget(lambda x: x)
