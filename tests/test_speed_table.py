"""scripts/speed_table.py: the README's speed table is rendered from pytest-benchmark output."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("speed_table", ROOT / "scripts" / "speed_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bench(name, group, median, facets, **extra):
    return {"name": name, "group": group, "param": None,
            "extra_info": {"facets": facets, **extra},
            "stats": {"median": median, "iqr": median / 10, "rounds": 7}}


def test_rendered_from_the_measurements_with_machine_and_date():
    data = {"machine_info": {"node": "box", "python_version": "3.11.7", "cpu": {"brand_raw": "CPU X", "count": 2}},
            "commit_info": {"id": "abcdef0123", "dirty": False}, "datetime": "2026-12-01T10:20:30.1",
            "benchmarks": [_bench("test_bench_billiard[pentagon]", "capacity pentagon", 0.0021, 10,
                                  method="billiard", polytope="pentagon"),
                           _bench("test_bench_end_to_end_vs_search[12]", "haim_kislev: e2e", 0.0305, 12,
                                  method="haim_kislev", polytope="rh12", note="call / search 1.10"),
                           _bench("test_bench_end_to_end_vs_search[8]", "haim_kislev: e2e", 0.00061, 8,
                                  method="haim_kislev", polytope="rh8")]}
    block = _script().render(data, "python -m pytest ...")
    lines = block.splitlines()
    assert lines[0] == _script().BEGIN and lines[-1] == _script().END
    assert "2026-12-01 10:20 UTC on `box` (CPU X, 2 cores, Python 3.11.7), commit abcdef0" in block
    rows = [line for line in lines if line.startswith("| `")]
    assert rows == ["| `billiard` | pentagon (10 facets) | 2.1 ms | 210 µs | 7 |  |",
                    "| `haim_kislev` | rh8 (8 facets) | 610 µs | 61 µs | 7 |  |",
                    "| `haim_kislev` | rh12 (12 facets) | 30.5 ms | 3.05 ms | 7 | call / search 1.10 |"]


def test_readme_holds_a_generated_block(tmp_path):
    script = _script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(script.BEGIN), text.index(script.END)
    block = text[start:end]
    assert "Measured " in block and " UTC on `" in block and "| method | body | median |" in block
    assert block.count("\n| `") >= 5  # rows of measurements
    # --write replaces exactly the block
    copy = tmp_path / "README.md"
    copy.write_text(text, encoding="utf-8")
    script.write_readme(script.BEGIN + "\nnew\n" + script.END, copy)
    new = copy.read_text(encoding="utf-8")
    assert new == text[:start] + script.BEGIN + "\nnew\n" + script.END + text[end + len(script.END):]
