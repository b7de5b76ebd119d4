"""The method contract (viterbo/capacity/_registry.py): levers checked at the door, one table, one
implementation switch recorded in stats, results built once."""

import math
import os
import re

import pytest

import viterbo as vb
from viterbo import profiling, snapshot
from viterbo.capacity import _registry
from viterbo.capacity.agreement import AGREEMENT_REL_TOL, disagreement, values_agree

pytestmark = pytest.mark.smoke

CUBE = vb.families.cube()
CROSS = vb.families.cross_polytope()


# ---------------------------------------------------------------------------------------------- levers
@pytest.mark.parametrize("method, kwargs, named", [
    ("auto", {"bogus": 1}, ["bogus", "rotation_cap", "use_memo", "swap_rule", "inertia_rule"]),
    ("reeb", {"bogus": 1}, ["bogus", "rotation_cap", "use_cF_budgets", "use_memo"]),
    ("haim_kislev", {"use_memo": True}, ["use_memo", "swap_rule", "commute_rule", "inertia_rule", "variant"]),
    ("split_product", {"use_memo": True}, ["use_memo", "levers are: none"]),
])
def test_unknown_keyword_is_a_lever_error_naming_the_levers(method, kwargs, named):
    K = CROSS if method == "reeb" else CUBE
    with pytest.raises(vb.LeverError) as info:
        vb.capacity(K, method=method, **kwargs)
    assert all(word in str(info.value) for word in named), str(info.value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, vb.ViterboError)


@pytest.mark.parametrize("method, kwargs, expected", [
    ("haim_kislev", {"swap_rule": 1}, "swap_rule=1; expected True or False"),
    ("haim_kislev", {"variant": "fast"}, "variant='fast'; expected 'auto' or 'general' or 'symmetric'"),
    ("reeb", {"rotation_cap": 1.5}, "rotation_cap=1.5; expected a number >= 2 (fast pass: search orbits"),
    ("reeb", {"rotation_cap": math.nan}, "rotation_cap=nan; expected a number >= 2"),
    ("reeb", {"rotation_cap": "2"}, "rotation_cap='2'; expected a number >= 2"),
    ("auto", {"use_memo": "no"}, "use_memo='no'; expected True or False"),
    ("split_product", {"implementation": "native"}, '"split_product" has no compiled kernel'),
    ("haim_kislev", {"implementation": "cpp"}, 'implementation=\'cpp\'; choose "native"'),
    ("auto", {"implementation": "gpu"}, 'implementation=\'gpu\'; choose "native"'),
])
def test_bad_lever_values_are_refused_with_what_was_expected(method, kwargs, expected):
    K = CROSS if method == "reeb" else CUBE
    with pytest.raises(vb.LeverError, match=re.escape(expected)):
        vb.capacity(K, method=method, **kwargs)


def test_auto_reports_a_lever_the_method_that_ran_lacks():
    r = vb.capacity(CUBE, use_memo=False)
    assert r.method == "split_product" and r.params == {}
    assert r.stats["levers_ignored"] == "use_memo=False (not a lever of split_product)"


def test_auto_passes_each_method_the_levers_it_has():
    r = vb.capacity(CROSS, use_memo=False, swap_rule=False)
    assert r.method == "reeb"
    assert r.params == {"rotation_cap": 2.0, "use_cF_budgets": True, "use_memo": False}
    assert r.stats["pruned_memo"] == 0 and "swap_rule=False (not a lever of reeb)" in r.stats["levers_ignored"]


def test_params_echo_every_lever_with_its_default():
    r = vb.capacity(CUBE, method="haim_kislev", commute_rule=False)
    assert r.params == {"variant": "auto", "swap_rule": True, "commute_rule": False, "inertia_rule": True,
                        "progress": None}


# ---------------------------------------------------------------------------------------------- the table
def test_the_docstring_table_is_the_registry():
    assert _registry.format_table() in _registry.__doc__


def test_every_lever_is_documented_in_its_function():
    for m in _registry.methods():
        for lever in m.levers:
            assert re.search(rf"^\s+{lever.name}\b.*:", m.func.__doc__, re.M), (
                f"{m.func.__qualname__} does not document the lever {lever.name} in its Parameters section")
        if m.kernel:
            assert re.search(r"^\s+implementation : ", m.func.__doc__, re.M), m.name


def test_signature_and_row_must_agree():
    area = _registry.get_method("area")

    def with_lever(K, *, budget, use_x=True):
        return area.func(K, budget=budget)

    with pytest.raises(TypeError, match="declares"):
        _registry.register(_registry.Method("bad", with_lever, area.why_not, 99, "test double"))
    with pytest.raises(TypeError, match="defaults to False in the registry but to True"):
        _registry.register(_registry.Method("bad", with_lever, area.why_not, 99, "test double",
                                            levers=(_registry.Lever("use_x", False, "x"),)))
    assert "bad" not in [m.name for m in _registry.methods()]


def test_one_list_of_work_counters():
    expected = tuple(m.work_counter for m in _registry.methods() if m.work_counter)
    assert _registry.work_counters() == expected == profiling.WORK_COUNTERS == snapshot.WORK_COUNTERS
    assert set(expected) >= {"nodes_expanded", "subsets_examined", "lp_solved"}


def test_lever_grid_is_the_same_for_sweep_and_snapshot():
    for m in _registry.methods():
        assert profiling.lever_grid(m.name) == snapshot.lever_combinations(m) == m.grid()
    assert len(_registry.get_method("haim_kislev").grid()) == 8 and len(_registry.get_method("reeb").grid()) == 4


# ---------------------------------------------------------------------------------------------- implementation
def test_every_kernel_exists_in_the_extension():
    if not vb.native_available():
        pytest.skip("compiled extension not in use")
    from viterbo import _native

    for m in _registry.methods():
        if m.kernel:
            assert callable(getattr(_native, m.kernel, None)), f"{m.name}: viterbo._native.{m.kernel} is missing"


def test_native_kernels_ran():
    """Under VITERBO_REQUIRE_NATIVE=1 (CI) the extension must be in use and every compiled kernel must run."""
    required = os.environ.get("VITERBO_REQUIRE_NATIVE", "") == "1"
    if not vb.native_available():
        assert not required, "VITERBO_REQUIRE_NATIVE=1 but the compiled extension is not in use"
        pytest.skip("compiled extension not in use")
    probes = {"billiard": vb.families.pentagon_counterexample(), "reeb": CROSS, "haim_kislev": CUBE}
    for m in _registry.methods():
        if m.kernel:
            r = vb.capacity(probes[m.name], method=m.name)
            assert r.stats["implementation"] == "native", f"{m.name} ran {r.stats['implementation']!r}"


def test_require_native_refuses_a_silent_fallback(monkeypatch):
    from viterbo._native_support import kernel_module

    monkeypatch.setenv("VITERBO_PURE_PYTHON", "1")
    monkeypatch.setenv("VITERBO_REQUIRE_NATIVE", "1")
    with pytest.raises(vb.NativeExtensionError, match="VITERBO_PURE_PYTHON=1"):
        vb.capacity(CROSS, method="reeb")
    assert kernel_module("python", "reeb_search", "test") is None  # asking for the reference is no fallback
    monkeypatch.delenv("VITERBO_REQUIRE_NATIVE")
    assert vb.capacity(CROSS, method="reeb").stats["implementation"] == "python"


# ---------------------------------------------------------------------------------------------- results
def test_capacity_never_mutates_the_result_a_method_built(monkeypatch):
    built = []
    area = _registry.get_method("area")

    def recording(K, *, budget):
        r = area.func(K, budget=budget)
        built.append((r, dict(r.stats)))
        return r

    monkeypatch.setitem(_registry._METHODS, "area", _registry.Method("area", recording, area.why_not, 0, "test"))
    final = vb.capacity(vb.families.regular_polygon(5), use_memo=True)
    (original, stats_then), = built
    assert original.stats == stats_then and final is not original
    assert final.stats["levers_ignored"] and final.stats["implementation"] == "python"


def test_systolic_ratio_is_computed_in_one_place():
    K = vb.families.pentagon_counterexample()
    r = vb.capacity(K)
    assert vb.systolic_ratio(K) == r.systolic_ratio() == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-12)


# ---------------------------------------------------------------------------------------------- agreement
def test_one_agreement_rule():
    assert AGREEMENT_REL_TOL == snapshot.REL_TOL == 1e-9
    assert values_agree(4.0, 4.0 * (1 + 5e-10)) and not values_agree(4.0, 4.0 * (1 + 2e-9))
    assert not values_agree(1e-12, 2e-12)  # relative: no absolute floor that makes small bodies equal
    assert not values_agree(math.nan, math.nan)
    assert disagreement({"a": 1e-12, "b": 2e-12}, what="methods") == "the methods disagree: a: 1e-12, b: 2e-12"
    from types import SimpleNamespace as R

    from viterbo import notebook_support as nbs

    assert nbs.methods_disagreement({"a": R(value=1e-12), "b": R(value=2e-12)}) is not None


# ---------------------------------------------------------------------------------------------- generated clients
def test_readme_methods_table_is_generated_from_the_registry():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("methods_table", root / "scripts" / "methods_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    block = module.readme_block((root / "README.md").read_text(encoding="utf-8"))
    assert block == module.render(), "README.md's methods table is stale: run python scripts/methods_table.py --write"
    for m in _registry.methods():
        assert f"| `{m.name}` |" in block and all(f"`{lv.name}`" in block for lv in m.levers)


def test_notebook_controls_are_the_registry_levers():
    from viterbo import notebook_support as nbs

    controls = {c["name"]: c for c in nbs.lever_controls()}
    assert set(controls) == set(_registry.lever_names())
    assert controls["variant"]["kind"] == "choice" and controls["variant"]["choices"] == ["auto", "general", "symmetric"]
    assert controls["rotation_cap"] == {"name": "rotation_cap", "kind": "number", "default": 2.0,
                                        "doc": _registry.get_method("reeb").lever("rotation_cap").doc,
                                        "choices": None, "minimum": 2.0, "methods": ["reeb"],
                                        "counter": "pruned_rotation", "sweep": False}
    assert [c["name"] for c in nbs.lever_controls("haim_kislev") if c["sweep"]] == ["swap_rule", "commute_rule",
                                                                                   "inertia_rule"]
