"""viterbo.profiling and `viterbo profile`: .prof files where promised, readable, with a top-functions table."""

import inspect
import pstats
import re
import urllib.request

import pytest

import viterbo as vb
from viterbo import profiling
from viterbo.capacity import _registry
from viterbo.cli import main

pytestmark = pytest.mark.smoke

SQUARE = vb.families.regular_polygon(4)


def test_profile_capacity_writes_named_prof(tmp_path):
    run = profiling.profile_capacity(SQUARE, "auto", out_dir=tmp_path)
    assert run.path.parent == tmp_path and run.path.is_file()
    assert re.fullmatch(r"4-gon-area-\d{8}T\d{6}\.\d{6}Z\.prof", run.path.name)
    assert run.result.method == "area" and run.result.value == pytest.approx(2.0)
    assert run.seconds > 0
    stats = pstats.Stats(str(run.path))
    assert any(func == "capacity" for (_file, _line, func) in stats.stats)


def test_top_functions_sorted_and_non_empty(tmp_path):
    run = profiling.profile_capacity(SQUARE, "area", out_dir=tmp_path)
    cumulative = profiling.top_functions(run.path, n=10)
    own = run.top(n=10, sort="own")
    assert 0 < len(cumulative) <= 10 and 0 < len(own) <= 10
    assert [r["cumulative_seconds"] for r in cumulative] == sorted((r["cumulative_seconds"] for r in cumulative),
                                                                   reverse=True)
    assert [r["own_seconds"] for r in own] == sorted((r["own_seconds"] for r in own), reverse=True)
    assert any(r["name"] == "area_capacity" for r in profiling.top_functions(run.path, n=1000))
    assert all(r["calls"] >= 1 for r in cumulative)
    table = profiling.format_top(cumulative)
    assert table.splitlines()[0].split() == ["calls", "own", "s", "cum", "s", "function"]
    assert len(table.splitlines()) == len(cumulative) + 1


def test_top_functions_rejects_unknown_sort(tmp_path):
    run = profiling.profile_capacity(SQUARE, "area", out_dir=tmp_path)
    with pytest.raises(ValueError, match="sort='tottime'; choose 'cumulative' or 'own'"):
        profiling.top_functions(run.path, sort="tottime")


def test_failed_call_writes_nothing(tmp_path):
    with pytest.raises(vb.MethodNotApplicableError, match="applies in R\\^2 only"):
        profiling.profile_call(vb.capacity, vb.families.cube(), method="area", path=tmp_path / "x.prof")
    assert not (tmp_path / "x.prof").exists()


def test_snakeviz_command_and_server(tmp_path):
    run = profiling.profile_capacity(SQUARE, "area", out_dir=tmp_path)
    cmd = profiling.snakeviz_command(run.path, port=8765)
    assert cmd.endswith(f"-s -H 127.0.0.1 -p 8765 {run.path}") and "snakeviz" in cmd
    server = profiling.start_snakeviz(run.path)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            assert b"snakeviz" in response.read().lower()
    finally:
        server.stop()
    assert not server.running()


def test_start_snakeviz_needs_a_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no profile at"):
        profiling.start_snakeviz(tmp_path / "missing.prof")


def test_cli_profile_file_default_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "square.csv").write_text("0,0\n2,0\n2,2\n0,2\n")
    assert main(["profile", "square.csv", "--method", "area", "--top", "7"]) == 0
    out = capsys.readouterr().out
    written = list((tmp_path / ".profiles").glob("square-area-*.prof"))
    assert len(written) == 1
    pstats.Stats(str(written[0]))
    assert f"profile         {written[0].relative_to(tmp_path)}" in out
    assert "snakeviz -s -H 127.0.0.1 -p 8080" in out or "-m snakeviz -s -H 127.0.0.1 -p 8080" in out
    table = out.split("top 7 by cumulative time:\n")[1].split("open it with")[0].strip().splitlines()
    assert 2 <= len(table) <= 8


def test_cli_profile_cube(tmp_path, capsys):
    """`viterbo profile --family cube --method M` for every registered method that applies to the cube."""
    cube = vb.families.cube()
    usable = [s.name for s in _registry.methods() if s.why_not(cube) is None]
    if not usable:  # nothing in this build handles R^4: the command must say so, not crash
        assert main(["profile", "--family", "cube", "--out-dir", str(tmp_path)]) == 2
        assert "no capacity method applies" in capsys.readouterr().err
        return
    for name in usable:
        assert main(["profile", "--family", "cube", "--method", name, "--out-dir", str(tmp_path), "--top", "5"]) == 0
        out = capsys.readouterr().out
        assert list(tmp_path.glob(f"cube-{name}-*.prof")), out
        assert "capacity(method=" in out and "open it with" in out


def test_lever_sweep_without_levers():
    frame = profiling.lever_sweep(SQUARE, "auto", repeats=2)
    assert list(frame["combo"]) == ["(no levers)", "(no levers)"]
    assert list(frame["repeat"]) == [0, 1]
    assert list(frame["value"]) == pytest.approx([2.0, 2.0]) and (frame["seconds"] > 0).all()
    assert profiling.sweep_disagreement(frame) is None
    summary = profiling.sweep_summary(frame)
    assert len(summary) == 1 and summary["runs"].iloc[0] == 2
    assert summary["seconds_min"].iloc[0] <= summary["seconds_median"].iloc[0] <= summary["seconds_max"].iloc[0]


def test_lever_sweep_rejects_zero_repeats():
    with pytest.raises(ValueError, match="repeats=0"):
        profiling.lever_sweep(SQUARE, "area", repeats=0)


def test_lever_grid_reads_the_registry(monkeypatch):
    """The grid is every on/off assignment of the boolean levers; other levers stay at their defaults."""
    area = _registry.get_method("area")

    def with_levers(K, *, budget, use_a=True, use_b=False, cap=2.0):
        return area.func(K, budget=budget)

    levers = (_registry.Lever("use_a", True, "a"), _registry.Lever("use_b", False, "b"), _registry.Lever("cap", 2.0, "c"))
    spec = _registry.Method("levered_area", with_levers, area.why_not, 99, "test double", levers=levers)
    monkeypatch.setitem(_registry._METHODS, "levered_area", spec)
    assert profiling.lever_defaults("levered_area") == {"use_a": True, "use_b": False, "cap": 2.0}
    grid = profiling.lever_grid("levered_area")
    assert grid == [{"use_a": a, "use_b": b} for a in (True, False) for b in (True, False)]
    frame = profiling.lever_sweep(SQUARE, "levered_area", repeats=1)
    assert list(frame["combo"])[0] == "use_a=on use_b=on" and len(frame) == 4
    assert profiling.sweep_disagreement(frame) is None
    assert "budget" in inspect.signature(with_levers).parameters


def test_sweep_disagreement_names_the_outlier():
    import pandas as pd

    frame = pd.DataFrame({"combo": ["a=on", "a=off"], "repeat": [0, 0], "value": [1.0, 1.5]})
    message = profiling.sweep_disagreement(frame)
    assert message is not None and "a=off (repeat 0): 1.5" in message and "a=on gives 1.0" in message


def test_lever_sweep_reeb_values_agree():
    K = vb.families.cross_polytope()
    frame = profiling.lever_sweep(K, "reeb", repeats=1)
    assert len(frame) == 4 and set(frame["use_memo"]) == {True, False}
    assert profiling.sweep_disagreement(frame) is None
    assert frame["value"].iloc[0] == pytest.approx(1.0)
    assert (frame["nodes_expanded"] > 0).all() and profiling.work_counter(frame) == "nodes_expanded"
    cf_off = frame[~frame["use_cF_budgets"]]
    assert (cf_off["pruned_cF_budget"] == 0).all()  # a lever that is off never fires
    summary = profiling.sweep_summary(frame)
    assert {"nodes_expanded_min", "nodes_expanded_median", "nodes_expanded_max"} <= set(summary.columns)


def test_lever_sweep_haim_kislev_switches_only_booleans():
    frame = profiling.lever_sweep(vb.families.cube(), "haim_kislev", repeats=1)
    switches = [n for n, v in profiling.lever_defaults("haim_kislev").items() if isinstance(v, bool)]
    assert switches and len(frame) == 2 ** len(switches)
    assert all("=on" in c or "=off" in c for c in frame["combo"]) and not any("None" in c for c in frame["combo"])
    assert profiling.sweep_disagreement(frame) is None and frame["value"].iloc[0] == pytest.approx(4.0)
