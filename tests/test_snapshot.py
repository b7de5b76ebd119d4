"""Weekly snapshots: schema, idempotence, atomicity, week names, disagreement, benchmark folding, trends."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

import viterbo as vb
from viterbo import cli, snapshot
from viterbo.capacity import _registry
from viterbo.capacity.area import area_capacity
from viterbo.capacity.result import CapacityResult, Orbit

pytestmark = pytest.mark.smoke

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)  # 2026-W48
TINY = ["regular_polygon:4", "random_polygon:8:1"]


def _planar(K):
    return None if K.dim == 2 else f"planar only; K is in R^{K.dim}"


@pytest.fixture
def only_area():
    """Hide every real method but "area" for one test, so row counts do not depend on what is registered."""
    saved = dict(_registry._METHODS)
    for name in list(_registry._METHODS):
        if name != "area":
            del _registry._METHODS[name]
    yield
    _registry._METHODS.clear()
    _registry._METHODS.update(saved)


@pytest.fixture
def registered(only_area):
    """Register fake methods for one test (beside "area" only), and remove them afterwards."""
    added = []

    def add(name, func, *, levers=(), why_not=_planar, counters=()):
        _registry.register(_registry.Method(name, func, why_not, auto_rank=90, summary="test double",
                                            levers=tuple(_registry.Lever(n, True, "test lever") for n in levers),
                                            counters=counters))
        added.append(name)

    yield add
    for name in added:
        _registry._METHODS.pop(name, None)


def _with_levers(K, *, budget, use_x=True, use_y=True):
    """The area method with two levers that only change its counters."""
    r = area_capacity(K, budget=budget)
    stats = {"nodes_expanded": 3 + int(use_x), "pruned_b": 2, "pruned_a": int(use_y), "seconds": 0.0}
    return CapacityResult(r.value, "fake_levers", r.orbit, stats, K, params={"use_x": use_x, "use_y": use_y})


def _twice_around(K, *, budget):
    """A verified closed characteristic that is not minimal: the boundary run twice (action 2 area)."""
    r = area_capacity(K, budget=budget)
    orbit = Orbit(torch.cat([r.orbit.breakpoints, r.orbit.breakpoints]), r.orbit.facets * 2)
    return CapacityResult(2 * r.value, "fake_double", orbit, {"subsets_examined": 7}, K)


def _until_budget(K, *, budget):
    while True:
        budget.check("fake search")
        time.sleep(0.005)


def _read(path):
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, r)) for r in reader]


# --------------------------------------------------------------------------- schema and naming


def test_schema_columns_and_types(tmp_path):
    path = snapshot.export("smoke", out=tmp_path, repeats=2, now=NOW)
    assert path == tmp_path / "2026-W48.csv"
    header, rows = _read(path)
    assert tuple(header) == snapshot.COLUMNS
    # One row per (polygon, applicable method): "area", and every other method that takes R^2.
    applicable = {key: {spec.name for spec in _registry.methods() if spec.why_not(snapshot.resolve_polytope(key)[0]) is None}
                  for key in snapshot.ROSTERS["smoke"]}
    assert all("area" in names for names in applicable.values())
    assert len(rows) == sum(len(_registry.get_method(n).grid()) for names in applicable.values() for n in names)
    for r in rows:
        assert r["week"] == "2026-W48" and r["timestamp"] == "2026-11-27T12:00:00Z"
        assert r["source"] == "snapshot" and r["benchmark"] == ""
        assert r["method"] in applicable[r["polytope"]]
        assert r["levers"] in {snapshot.format_levers(c) for c in _registry.get_method(r["method"]).grid()}
        assert r["status"] == "ok" and r["verified"] == "pass" and r["certified"] == "yes" and r["note"] == ""
        assert int(r["dim"]) == 2 and int(r["facets"]) == int(r["vertices"]) >= 3
        cap, vol = float(r["capacity"]), float(r["volume"])
        assert math.isclose(cap, vol, rel_tol=1e-12)  # c = area in the plane
        assert math.isclose(float(r["systolic_ratio"]), 1.0, rel_tol=1e-12)
        assert int(r["repeats"]) == 2
        assert 0 < float(r["seconds_min"]) <= float(r["seconds_median"]) <= float(r["seconds_max"])
        assert r["dtype"] == "float64" and r["device"] == "cpu" and r["native"] in {"0", "1"}
        assert r["machine"] and r["cpu"] and int(r["cores"]) >= 1
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", r["git_commit"])
        for col in ("viterbo_version", "python", "torch", "numpy", "scipy"):
            assert re.match(r"\d+\.\d+", r[col]), col
    seeds = {r["polytope"]: r["seed"] for r in rows}
    assert seeds["regular_polygon:4"] == "" and seeds["random_polygon:8:1"] == "1"


@pytest.mark.parametrize("day, label", [
    (dt.datetime(2026, 12, 31, 23, 59), "2026-W53"),
    (dt.datetime(2027, 1, 1, 0, 0), "2026-W53"),
    (dt.datetime(2027, 1, 4, 0, 0), "2027-W01"),
    (dt.datetime(2026, 3, 2, 8, 0), "2026-W10"),
])
def test_week_names_across_a_year_boundary(day, label, tmp_path):
    assert snapshot.week_label(day) == label
    assert snapshot.snapshot_path(tmp_path, day).name == f"{label}.csv"


def test_week_is_taken_in_utc():
    late = dt.datetime(2027, 1, 3, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # 2027-01-04 04:30 UTC
    assert snapshot.week_label(late) == "2027-W01"


def test_unknown_roster_and_bad_key_are_named():
    with pytest.raises(snapshot.SnapshotError, match="unknown roster 'nope'; choose one of deep, default"):
        snapshot.collect_rows("nope")
    with pytest.raises(vb.PolytopeError, match="family 'symplectic_image:cube:x': SEED = 'x' is not a whole number"):
        snapshot.resolve_polytope("symplectic_image:cube:x")


def test_roster_keys_resolve():
    for name in ("smoke", "default", "deep"):
        for key in snapshot.ROSTERS[name]:
            K, _ = snapshot.resolve_polytope(key)
            assert K.dim in (2, 4), key


# --------------------------------------------------------------------------- merging and atomicity


def test_export_twice_is_idempotent_and_keeps_other_rows(tmp_path):
    path = snapshot.export(TINY, out=tmp_path, now=NOW)
    _, first = _read(path)
    other = dict(first[0], machine="some-other-machine", seconds_median="9.0")
    snapshot.write_rows([other], tmp_path, now=NOW)
    snapshot.export(TINY, out=tmp_path, now=NOW)
    header, rows = _read(path)
    assert tuple(header) == snapshot.COLUMNS
    keys = [tuple(r[c] for c in snapshot.KEY) for r in rows]
    assert len(keys) == len(set(keys)) == len(first) + 1
    assert sum(r["machine"] == "some-other-machine" for r in rows) == 1
    assert {tuple(r[c] for c in snapshot.KEY) for r in first} < set(keys)
    stable = ("polytope", "seed", "dim", "facets", "vertices", "volume", "method", "levers", "capacity",
              "systolic_ratio", "nodes", "pruned", "verified", "status", "machine")
    again = {tuple(r[c] for c in snapshot.KEY): [r[c] for c in stable] for r in rows}
    assert all(again[tuple(r[c] for c in snapshot.KEY)] == [r[c] for c in stable] for r in first)
    assert [p.name for p in tmp_path.iterdir()] == ["2026-W48.csv"]  # no temporary files left


def test_every_lever_combination_gets_a_row(tmp_path, registered):
    registered("fake_levers", _with_levers, levers=("use_x", "use_y"), counters=("nodes_expanded",))
    rows = snapshot.collect_rows(["regular_polygon:4"], now=NOW)
    fake = {r["levers"]: r for r in rows if r["method"] == "fake_levers"}
    assert sorted(fake) == ["use_x=0;use_y=0", "use_x=0;use_y=1", "use_x=1;use_y=0", "use_x=1;use_y=1"]
    assert fake["use_x=1;use_y=0"]["nodes"] == 4 and fake["use_x=0;use_y=0"]["nodes"] == 3
    assert fake["use_x=1;use_y=1"]["pruned"] == "a=1;b=2" and fake["use_x=1;use_y=1"]["pruned_total"] == 3
    assert fake["use_x=1;use_y=0"]["pruned"] == "a=0;b=2"
    assert all(r["status"] == "ok" for r in rows)
    assert {r["method"] for r in rows} == {"area", "fake_levers"}


def test_row_over_budget_is_timeout_not_a_hang(tmp_path, registered):
    registered("fake_slow", _until_budget)
    start = time.monotonic()
    rows = snapshot.collect_rows(["regular_polygon:4"], time_budget=0.2, now=NOW)
    assert time.monotonic() - start < 10
    slow = [r for r in rows if r["method"] == "fake_slow"]
    assert slow[0]["status"] == "timeout" and "exceeded its time budget" in slow[0]["note"]
    assert slow[0]["capacity"] == "" and slow[0]["repeats"] == 0
    assert [r["status"] for r in rows if r["method"] == "area"] == ["ok"]


_KILLED_RUN = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    from viterbo.capacity._registry import Method, register

    marker = Path(sys.argv[2])

    def forever(K, *, budget):
        marker.write_text("started")
        while True:
            time.sleep(0.01)

    register(Method("fake_forever", forever, lambda K: None, auto_rank=99, summary="test double"))

    from viterbo import snapshot
    snapshot.export(["regular_polygon:4", "regular_polygon:5"], out=sys.argv[1],
                    now=dt.datetime(2026, 11, 27, 12, 0), time_budget=0)
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_run_leaves_the_old_file_byte_identical(tmp_path, sig):
    out = tmp_path / "snapshots"
    path = snapshot.export(["regular_polygon:3"], out=out, now=NOW)
    before = path.read_bytes()
    marker = tmp_path / "started"
    script = tmp_path / "run.py"
    script.write_text(_KILLED_RUN)
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(script), str(out), str(marker)],
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while not marker.exists():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the subprocess never reached the slow method"
                time.sleep(0.05)
            proc.send_signal(sig)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode != 0
    assert path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["2026-W48.csv"]
    if sig == signal.SIGINT:
        assert "KeyboardInterrupt" in log.read_text()


# --------------------------------------------------------------------------- agreement


def test_disagreeing_methods_are_marked_and_the_command_fails(tmp_path, registered, capsys):
    registered("fake_double", _twice_around, counters=("subsets_examined",))
    rows = snapshot.collect_rows(["regular_polygon:4"], now=NOW)
    assert {r["method"]: r["status"] for r in rows} == {"area": "disagree", "fake_double": "disagree"}
    assert all(r["verified"] == "pass" for r in rows)
    assert "methods disagree: area[-]: 2.0" in rows[0]["note"] and "fake_double[-]: 4.0" in rows[0]["note"]
    assert {r["nodes"] for r in rows} == {None, 7}

    code = cli.main(["snapshot", "--roster", "smoke", "--out", str(tmp_path), "--quiet"])
    assert code != 0
    (written,) = list(tmp_path.glob("*.csv"))
    _, file_rows = _read(written)
    assert {r["status"] for r in file_rows} == {"disagree"}
    assert "disagree: regular_polygon:4 fake_double" in capsys.readouterr().err


def test_a_failing_method_is_an_error_row_and_fails_the_command(tmp_path, registered):
    def broken(K, *, budget):
        raise RuntimeError("kaput")

    registered("fake_broken", broken)
    code = cli.main(["snapshot", "--roster", "smoke", "--out", str(tmp_path), "--quiet"])
    assert code == 1
    (written,) = list(tmp_path.glob("*.csv"))
    _, rows = _read(written)
    broken_rows = [r for r in rows if r["method"] == "fake_broken"]
    assert broken_rows and all(r["status"] == "error" and r["note"] == "RuntimeError: kaput" for r in broken_rows)
    assert all(r["status"] == "ok" for r in rows if r["method"] == "area")


def test_cli_progress_is_one_line_per_polytope_off_a_terminal(tmp_path, capsys, only_area):
    assert cli.main(["snapshot", "--roster", "smoke", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines[0] == "snapshot 0/4 regular_polygon:4" and lines[-1] == "snapshot 4/4 done"
    assert "ok 4, disagree 0, timeout 0, error 0" in captured.out
    assert cli.main(["snapshot", "--roster", "smoke", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- pytest-benchmark


def _bench_json(when: str, median: float) -> dict:
    stats = {"min": median * 0.9, "max": median * 1.5, "mean": median, "stddev": 0.0, "rounds": 10,
             "median": median, "iqr": 0.0, "q1": median, "q3": median, "iterations": 1}
    return {
        "machine_info": {"node": "bench-host", "python_version": "3.11.7",
                         "cpu": {"brand_raw": "Test CPU", "count": 8}},
        "commit_info": {"id": "a" * 40, "dirty": True},
        "benchmarks": [
            {"group": "reeb", "name": "test_reeb[cube]",
             "fullname": "tests/performance/test_bench_reeb.py::test_reeb[cube]",
             "extra_info": {"polytope": "cube", "method": "reeb", "levers": {"use_cF_budgets": True, "use_memo": False},
                            "facets": 8, "dtype": "float64", "device": "cpu", "capacity": 4.0, "pruned_cF": 5},
             "stats": stats},
            {"group": "kernels", "name": "test_clip", "fullname": "tests/performance/test_bench_polygon.py::test_clip",
             "extra_info": {}, "stats": stats},
        ],
        "datetime": when,
        "version": "5.2.3",
    }


def test_from_benchmarks_folds_the_newest_json(tmp_path, monkeypatch):
    monkeypatch.delenv("VITERBO_MACHINE_ID", raising=False)
    bench_dir = tmp_path / ".benchmarks" / "Linux-CPython-3.11-64bit"
    bench_dir.mkdir(parents=True)
    old = bench_dir / "0001_old.json"
    old.write_text(json.dumps(_bench_json("2026-11-20T10:00:00.000000+00:00", 9.0)))
    new = bench_dir / "0002_new.json"
    new.write_text(json.dumps(_bench_json("2027-01-01T10:00:00.000000+00:00", 0.5)))
    os.utime(old, (1_000_000, 1_000_000))
    out = tmp_path / "snapshots"
    code = cli.main(["snapshot", "--from-benchmarks", str(tmp_path / ".benchmarks"), "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["2026-W53.csv"]  # the benchmark run's week
    header, rows = _read(out / "2026-W53.csv")
    assert tuple(header) == snapshot.COLUMNS and len(rows) == 2
    reeb = next(r for r in rows if r["method"] == "reeb")
    assert reeb["source"] == "benchmark" and reeb["polytope"] == "cube"
    assert reeb["levers"] == "use_cF_budgets=1;use_memo=0" and reeb["facets"] == "8"
    assert reeb["pruned"] == "cF=5" and reeb["pruned_total"] == "5"
    assert float(reeb["seconds_median"]) == 0.5 and float(reeb["seconds_min"]) == 0.45
    assert float(reeb["seconds_max"]) == 0.75 and reeb["repeats"] == "10"
    assert reeb["machine"] == "bench-host" and reeb["cpu"] == "Test CPU" and reeb["cores"] == "8"
    assert reeb["git_commit"] == "a" * 40 + "-dirty" and reeb["timestamp"] == "2027-01-01T10:00:00Z"
    clip = next(r for r in rows if r["benchmark"].endswith("::test_clip"))
    assert clip["polytope"] == clip["method"] == clip["levers"] == clip["capacity"] == ""
    assert clip["status"] == "ok"


def test_from_benchmarks_without_files_says_what_to_run(tmp_path, capsys):
    code = cli.main(["snapshot", "--from-benchmarks", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert code == 2
    assert "--benchmark-autosave" in capsys.readouterr().err


# --------------------------------------------------------------------------- trends


def _trend_row(week, polytope, method, seconds, capacity, machine="m1", status="ok"):
    year, w = int(week[:4]), int(week[-2:])
    when = dt.datetime.fromisocalendar(year, w, 3).replace(tzinfo=dt.timezone.utc)
    row = {c: "" for c in snapshot.COLUMNS}
    row.update(week=week, timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"), source="snapshot", polytope=polytope,
               method=method, levers="-", capacity=capacity, seconds_median=seconds, status=status,
               machine=machine)
    return when, row


def _write_trend(folder, specs):
    by_week = {}
    for spec in specs:
        when, row = _trend_row(*spec)
        by_week.setdefault(when, []).append(row)
    for when, rows in by_week.items():
        snapshot.write_rows(rows, folder, now=when)


def test_regressions_and_capacity_changes_on_synthetic_weeks(tmp_path):
    _write_trend(tmp_path, [
        ("2026-W47", "cube", "reeb", 1.0, 4.0),
        ("2026-W48", "cube", "reeb", 1.2, 4.0 * (1 + 1e-12)),   # 20% slower: not flagged; same capacity
        ("2026-W47", "cell24", "reeb", 1.0, 2.0),
        ("2026-W48", "cell24", "reeb", 1.3, 2.0),               # 30% slower: flagged
        ("2026-W49", "cell24", "reeb", 1.3, 2.001),             # capacity changed: flagged
        ("2026-W47", "simplex", "reeb", 1.0, 0.25, "m1"),
        ("2026-W48", "simplex", "reeb", 5.0, 0.25, "m2"),       # other machine: no regression
        ("2026-W49", "simplex", "reeb", 1.1, 0.25, "m1"),       # vs W47 on m1: +10%
        ("2026-W48", "simplex", "reeb_timeout", 9.0, "", "m1", "timeout"),
    ])
    df = snapshot.load_snapshots(tmp_path)
    assert len(df) == 9 and set(df["week"]) == {"2026-W47", "2026-W48", "2026-W49"}
    reg = snapshot.find_regressions(df)
    assert list(reg.columns) == list(snapshot.REGRESSION_COLUMNS)
    assert reg[["polytope", "week", "previous_week"]].values.tolist() == [["cell24", "2026-W48", "2026-W47"]]
    assert reg["ratio"].iloc[0] == pytest.approx(1.3)
    assert len(snapshot.find_regressions(df, threshold=0.1)) == 2  # cube's +20% too
    changes = snapshot.find_capacity_changes(df)
    assert list(changes.columns) == list(snapshot.CAPACITY_CHANGE_COLUMNS)
    assert changes[["polytope", "week", "previous_week"]].values.tolist() == [["cell24", "2026-W49", "2026-W48"]]
    assert changes["rel_change"].iloc[0] == pytest.approx(0.001 / 2.001)


def test_trend_functions_on_an_empty_or_missing_folder(tmp_path):
    for folder in (tmp_path, tmp_path / "missing"):
        df = snapshot.load_snapshots(folder)
        assert df.empty and set(snapshot.COLUMNS) <= set(df.columns)
        assert snapshot.find_regressions(df).empty
        assert snapshot.find_capacity_changes(df).empty


def test_a_foreign_csv_in_the_folder_is_kept_aside_not_merged(tmp_path):
    foreign = tmp_path / "2026-W48.csv"
    foreign.write_text("a,b\n1,2\n")
    problems = []
    path = snapshot.write_rows(snapshot.collect_rows(["regular_polygon:4"], now=NOW), tmp_path, now=NOW,
                               on_problem=problems.append)
    (aside,) = tmp_path.glob("2026-W48.csv.rejected-*")
    assert aside.read_text() == "a,b\n1,2\n"
    assert "not a snapshot file (no column(s) polytope, method, levers, benchmark, machine)" in problems[0]
    assert f"kept unchanged as {aside}" in problems[-1]
    _, rows = _read(path)
    assert {r["polytope"] for r in rows} == {"regular_polygon:4"}


def _uncertified(K, *, budget):
    """The area value, labelled as not proved (as "reeb" does when a Type 2 orbit is not excluded)."""
    r = area_capacity(K, budget=budget)
    return CapacityResult(r.value, "fake_uncertified", r.orbit, {"seconds": 0.0}, K,
                          certified=False, reason="a Type 2 orbit is not excluded")


def test_uncertified_rows_are_labelled(tmp_path, registered):
    registered("fake_uncertified", _uncertified)
    path = snapshot.export(TINY, out=tmp_path, now=NOW)
    _, rows = _read(path)
    fake = [r for r in rows if r["method"] == "fake_uncertified"]
    assert len(fake) == len(TINY)
    for r in fake:
        assert r["status"] == "ok" and r["verified"] == "pass" and r["certified"] == "no"
        assert r["note"] == "not certified: a Type 2 orbit is not excluded"
    assert all(r["certified"] == "yes" for r in rows if r["method"] == "area")
