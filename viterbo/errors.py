"""The exceptions viterbo raises.

Every error is a :class:`ViterboError`; the ones about bad input are also
``ValueError`` so that existing ``except ValueError`` clauses keep working.
Messages say who complained, what was received and what to do instead.
"""

from __future__ import annotations

__all__ = [
    "ViterboError",
    "PolytopeError",
    "DimensionError",
    "MethodNotApplicableError",
    "TimeBudgetExceededError",
    "NativeExtensionError",
    "VerificationError",
    "NativeInputError",
    "LeverError",
    "NumericalFailureError",
    "InvalidParameterError",
]


class ViterboError(Exception):
    """Root of every error raised by viterbo."""


class PolytopeError(ViterboError, ValueError):
    """The points or halfspaces do not describe a usable convex polytope."""


class DimensionError(PolytopeError):
    """The dimension does not fit what was asked (e.g. odd where 2n is needed)."""


class MethodNotApplicableError(ViterboError, ValueError):
    """A capacity method was asked for a polytope it cannot handle."""


class TimeBudgetExceededError(ViterboError, TimeoutError):
    """A computation ran past its time budget; no unproved value is returned."""


class NativeExtensionError(ViterboError, ImportError):
    """The compiled extension viterbo._native is missing or was built wrongly."""


class VerificationError(ViterboError):
    """A witness orbit failed its independent re-check."""


class NativeInputError(ViterboError, ValueError):
    """The compiled extension refused malformed arrays (wrong shape, dtype or index range).

    Raised from C++ (``std::invalid_argument`` is translated onto this class in ext/module.cpp), so a
    bad call into ``viterbo._native`` is an error with a message, never undefined behaviour.
    """


class NumericalFailureError(MethodNotApplicableError):
    """A method's numerical kernel could not finish on this input (e.g. an LP that did not reach an optimum,
    or data that overflow float64 inside the kernel).

    No value is returned.  It is a :class:`MethodNotApplicableError`, so ``method="auto"`` treats it as
    "this method cannot answer" and moves on to the next applicable method.
    """


class LeverError(ViterboError, ValueError, TypeError):
    """A capacity method was given a keyword it does not have, or a lever value of the wrong kind.

    Also ``TypeError`` (what Python raises for an unexpected keyword) and ``ValueError`` (a bad value),
    so existing ``except`` clauses of either kind keep working.  The message lists the method's levers.
    """


class InvalidParameterError(ViterboError, ValueError, TypeError):
    """An argument has the wrong type or value (e.g. ``time_budget="5"``, ``Polytope(...)`` called directly).

    Also a ``ValueError`` and a ``TypeError`` (as scikit-learn's ``InvalidParameterError``), so that
    existing ``except`` clauses for either keep working.
    """
