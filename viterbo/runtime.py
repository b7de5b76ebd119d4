"""Time budgets for long computations.

A budget is an explicit object passed down to the loops that check it; no
signals and no global state.  ``VITERBO_SOLVER_TIMEOUT`` (seconds) sets the
default; a value <= 0, ``inf`` or anything above :data:`NO_LIMIT_ABOVE`
disables the budget; unset means 300 seconds.  NaN, strings and other
non-numbers are refused with :class:`~viterbo.errors.InvalidParameterError`.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import time
from typing import Any, Callable, TypeVar

from .errors import InvalidParameterError, TimeBudgetExceededError

__all__ = ["Budget", "TimeBudgetExceededError", "default_timeout", "enforce_time_budget", "parse_seconds"]

DEFAULT_TIMEOUT_SECONDS = 300.0

#: Budgets above this many seconds (about 31 years) mean "no limit": a deadline that far away
#: only risks overflow in the clocks of compiled code.
NO_LIMIT_ABOVE = 1e9


def parse_seconds(value: Any, who: str = "time_budget") -> float | None:
    """A budget in seconds from a number: None for no limit (<= 0, inf, > NO_LIMIT_ABOVE).

    Raises
    ------
    InvalidParameterError
        ``value`` is not a real number (a string, a bool, None where a number is needed) or is NaN.

    Examples
    --------
    >>> parse_seconds(5), parse_seconds(0), parse_seconds(float("inf"))
    (5.0, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{who} must be a number of seconds (e.g. 60, or 0 / inf for no limit); got {value!r} "
            f"of type {type(value).__name__}."
        )
    seconds = float(value)
    if math.isnan(seconds):
        raise InvalidParameterError(f"{who} is NaN; pass a number of seconds (0 or inf for no limit).")
    if seconds <= 0 or seconds > NO_LIMIT_ABOVE:
        return None
    return seconds

F = TypeVar("F", bound=Callable[..., Any])


def default_timeout() -> float | None:
    """The budget in seconds from ``VITERBO_SOLVER_TIMEOUT``, None when disabled."""
    raw = os.environ.get("VITERBO_SOLVER_TIMEOUT")
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidParameterError(
            f"VITERBO_SOLVER_TIMEOUT={raw!r} is not a number of seconds; "
            "set it to e.g. 60, or to 0 (or inf) to disable the budget."
        ) from exc
    return parse_seconds(value, f"VITERBO_SOLVER_TIMEOUT={raw!r}")


class Budget:
    """A deadline on the monotonic clock.

    Parameters
    ----------
    seconds : float or None
        Allowed wall time; None, <= 0, inf or above :data:`NO_LIMIT_ABOVE` mean no limit.
    what : str
        Name of the computation, used in the error message.

    Raises
    ------
    InvalidParameterError
        ``seconds`` is not a number, or is NaN.
    """

    def __init__(self, seconds: float | None, what: str = "computation") -> None:
        self.seconds = None if seconds is None else parse_seconds(seconds, f"{what}: time budget")
        self.what = what
        self.start = time.monotonic()
        self.deadline = None if self.seconds is None else self.start + self.seconds

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        """Seconds left; ``inf`` without a limit (never negative)."""
        if self.deadline is None:
            return float("inf")
        return max(0.0, self.deadline - time.monotonic())

    def remaining_or_negative(self) -> float:
        """Seconds left for native code: -1.0 means no limit."""
        return -1.0 if self.deadline is None else self.remaining()

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def check(self, progress: str = "") -> None:
        """Raise :class:`TimeBudgetExceededError` once the deadline has passed."""
        if self.expired():
            raise self.exceeded(progress)

    def exceeded(self, progress: str = "") -> TimeBudgetExceededError:
        detail = f" ({progress})" if progress else ""
        return TimeBudgetExceededError(
            f"{self.what} exceeded its time budget of {self.seconds:g} s{detail}; "
            "no unproved value is returned. Pass a larger time_budget= or set "
            "VITERBO_SOLVER_TIMEOUT (seconds, <= 0 disables)."
        )


def enforce_time_budget(func: F) -> F:
    """Give ``func`` a keyword ``time_budget`` (seconds) and a :class:`Budget`.

    The wrapped function must accept a keyword-only ``budget`` argument and call
    ``budget.check()`` in its long loops.  Callers pass ``time_budget=`` (None
    means the default from ``VITERBO_SOLVER_TIMEOUT``; <= 0 disables).

    Examples
    --------
    >>> @enforce_time_budget
    ... def count(n, *, budget):
    ...     for _ in range(n):
    ...         budget.check()
    ...     return n
    >>> count(3, time_budget=1.0)
    3
    """
    if "budget" not in inspect.signature(func).parameters:
        raise TypeError(f"{func.__qualname__} must accept a keyword argument 'budget'")

    @functools.wraps(func)
    def wrapper(*args: Any, time_budget: float | None = None, budget: Budget | None = None,
                **kwargs: Any) -> Any:
        if budget is None:
            seconds = default_timeout() if time_budget is None else parse_seconds(time_budget)
            budget = Budget(seconds, what=func.__qualname__)
        return func(*args, budget=budget, **kwargs)

    return wrapper  # type: ignore[return-value]
