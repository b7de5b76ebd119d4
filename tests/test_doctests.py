"""The Examples sections of public docstrings run (numpydoc style, issue 2)."""

import doctest
import importlib
import pkgutil

import pytest

import viterbo

pytestmark = pytest.mark.smoke

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(viterbo.__path__, prefix="viterbo.")
    if not m.name.startswith("viterbo._native") and m.name != "viterbo.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
