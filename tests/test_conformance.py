"""Every registered capacity method against the one conformance suite (viterbo.capacity._conformance).

Methods registered later (haim_kislev, reeb, ...) are picked up from the registry automatically;
only the checks a method's ``why_not`` admits are generated.  ``pytest -k reference_cube`` selects a check.
"""

import pytest

import viterbo  # noqa: F401  (imports every method module, so all are registered)
from viterbo.capacity._conformance import KNOWN_FAILURES, conformance_cases
from viterbo.capacity._registry import methods


def _cases():
    for method, check in conformance_cases(methods()):
        marks = [getattr(pytest.mark, check.tier)]
        reason = KNOWN_FAILURES.get((method, check.__name__))
        if reason is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        yield pytest.param(method, check, marks=marks, id=f"{method}-{check.__name__}")


@pytest.mark.parametrize("method, check", list(_cases()))
def test_method_conforms(method, check):
    check(method)


@pytest.mark.smoke
def test_suite_covers_every_registered_method():
    covered = {method for method, _ in conformance_cases(methods())}
    assert covered == {spec.name for spec in methods()}
