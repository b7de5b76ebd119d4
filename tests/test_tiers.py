"""The tier hook (tests/_tiers.py): a test without exactly one tier mark fails collection."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _pytest(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args, str(folder)],
                          cwd=folder, capture_output=True, text=True, timeout=120, env=env)


def _suite(tmp_path: Path, body: str) -> Path:
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                                          "from _tiers import pytest_collection_modifyitems, pytest_sessionstart\n")
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(body))
    return tmp_path


@pytest.mark.smoke
def test_a_test_without_a_tier_mark_fails_collection(tmp_path):
    folder = _suite(tmp_path, """
        import pytest

        @pytest.mark.smoke
        def test_marked():
            assert True

        def test_forgotten():
            assert True

        @pytest.mark.smoke
        @pytest.mark.deep
        def test_twice():
            assert True

        @pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.deep), 2])
        def test_param(x):
            assert x
    """)
    run = _pytest(folder, "-m", "smoke")
    assert run.returncode == 4, run.stdout + run.stderr
    err = run.stderr
    assert "every test needs exactly one tier mark" in err
    assert "test_sample.py::test_forgotten: no tier mark" in err
    assert "test_sample.py::test_twice: tier marks deep, smoke" in err
    assert "test_sample.py::test_param[2]: no tier mark" in err
    assert "test_marked" not in err and "test_param[1]" not in err


@pytest.mark.smoke
def test_a_fully_marked_suite_runs(tmp_path):
    folder = _suite(tmp_path, """
        import pytest

        pytestmark = pytest.mark.deep

        def test_one():
            assert True
    """)
    run = _pytest(folder, "-m", "deep")
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr


@pytest.mark.deep  # imports torch in a subprocess (~10 s here)
def test_require_native_refuses_to_run_without_the_extension(tmp_path):
    import os

    folder = _suite(tmp_path, """
        import pytest

        @pytest.mark.smoke
        def test_one():
            assert True
    """)
    env = {**os.environ, "VITERBO_REQUIRE_NATIVE": "1", "VITERBO_PURE_PYTHON": "1"}
    run = _pytest(folder, env=env)
    assert run.returncode == 4 and "VITERBO_REQUIRE_NATIVE=1" in run.stderr, run.stdout + run.stderr
