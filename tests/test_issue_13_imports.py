"""Issue 13: importing viterbo and running the CLI never import torch (it costs seconds).

torch is imported only when a tensor is asked for (``K.vertices``, ``orbit.breakpoints``) or
passed in; computations and the CLI work on numpy.  Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.smoke


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_import_viterbo_does_not_import_torch():
    assert _run("""
        import sys
        import viterbo
        print("torch" in sys.modules)
    """) == "False"


def test_cli_capacity_does_not_import_torch():
    assert _run("""
        import sys
        from viterbo.cli import main
        code = main(["capacity", "--family", "cell24"])
        print(code, "torch" in sys.modules)
    """) == "0 False"


def test_a_whole_computation_does_not_import_torch():
    assert _run("""
        import sys
        import viterbo as vb
        for K in (vb.families.cell24(), vb.families.pentagon_counterexample(), vb.families.cube()):
            r = vb.capacity(K)
            assert r.certified and r.verify()
        vb.systolic_ratio(vb.families.random_hull(12, 4, 3))
        orbits = vb.spectrum(vb.families.random_hull(14, 4, 7))  # what spectrum.py computes on opening
        assert orbits and orbits[0].breakpoints_np.shape[1] == 4 and len(orbits[0].to_dict()["breakpoints"][0]) == 4
        print("torch" in sys.modules)
    """) == "False"


def test_tensors_still_come_back_as_tensors():
    torch = pytest.importorskip("torch")
    import viterbo as vb

    K = vb.Polytope.from_vertices(torch.tensor(vb.families.cube().vertices_np))
    r = vb.capacity(K)
    assert isinstance(K.vertices, torch.Tensor) and K.vertices.dtype == torch.float64
    assert isinstance(r.orbit.breakpoints, torch.Tensor) and isinstance(K.interior_point(), torch.Tensor)
    assert str(K.device) == "cpu" and bool(K.contains(torch.zeros(4)))
    orbit = vb.spectrum(vb.families.cross_polytope())[0]
    assert isinstance(orbit.breakpoints, torch.Tensor) and orbit.breakpoints.shape == orbit.breakpoints_np.shape


def test_import_viterbo_defers_scipy_optimize_and_spatial():
    """scipy.optimize and scipy.spatial cost ~0.5 s at import: they load when a hull or LP is first needed."""
    assert _run("""
        import sys
        import viterbo
        print(sorted(m for m in ("scipy.optimize", "scipy.spatial", "torch") if m in sys.modules))
    """) == "[]"
