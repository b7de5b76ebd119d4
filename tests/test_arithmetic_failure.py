"""An ArithmeticError inside a method is a numerical failure of that method, never a value or a traceback."""

import importlib

import pytest

import viterbo as vb
from viterbo import families

capacity_module = importlib.import_module("viterbo.capacity")


@pytest.mark.smoke
def test_arithmetic_error_in_a_method_becomes_a_numerical_failure(monkeypatch):
    K = families.random_hull(8, seed=0)
    ref = vb.capacity(K)
    assert ref.method == "reeb"
    run = capacity_module.run_in_frame

    def reeb_divides_by_zero(spec, *args, **kwargs):
        if spec.name == "reeb":
            return 1 / 0
        return run(spec, *args, **kwargs)

    monkeypatch.setattr(capacity_module, "run_in_frame", reeb_divides_by_zero)
    with pytest.raises(vb.NumericalFailureError, match="reeb: arithmetic failure.*ZeroDivisionError"):
        vb.capacity(K, method="reeb")
    # "auto" moves on to the next applicable method and still answers, certified.
    r = vb.capacity(K)
    assert r.method != "reeb" and r.certified
    assert r.value == pytest.approx(ref.value, rel=1e-9)
