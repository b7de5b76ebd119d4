"""viterbo/_native.pyi lists exactly what the compiled extension exports (scripts/gen_native_stub.py)."""

import ast
import importlib.util
from pathlib import Path

import pytest

import viterbo as vb

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_native_stub", ROOT / "scripts" / "gen_native_stub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signatures(text: str) -> dict[str, list[str] | None]:
    """Name -> parameter names (None for a class) of every top-level definition of a stub."""
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = [a.arg for a in node.args.args]
        elif isinstance(node, ast.ClassDef):
            out[node.name] = None
    return out


def test_stub_names_and_parameters_equal_the_module():
    if not vb.native_available():
        pytest.skip("compiled extension not in use")
    from viterbo import _native

    stub = _signatures((ROOT / "viterbo" / "_native.pyi").read_text(encoding="utf-8"))
    generator = _generator()
    names = generator.public_names(_native)
    assert sorted(stub) == names, ("viterbo/_native.pyi is out of date: run python scripts/gen_native_stub.py "
                                   f"(stub only: {sorted(set(stub) - set(names))}, module only: "
                                   f"{sorted(set(names) - set(stub))})")
    assert stub == _signatures(generator.render(_native)), "parameters changed: run python scripts/gen_native_stub.py"
