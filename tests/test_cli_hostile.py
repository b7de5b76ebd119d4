"""Hostile input to the viterbo command (issue 11): one line on stderr, exit 2, no traceback, no hang.

The smoke tier calls ``viterbo.cli.main`` in-process (a hang is caught by the per-test timeout); the
deep tier runs the same cases as real subprocesses with a wall-clock limit each.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from viterbo.cli import main
from viterbo.points_io import MAX_POINTS


def _binary(tmp: Path) -> list[str]:
    f = tmp / "points.csv"
    f.write_bytes(bytes(range(256)) * 64)
    return ["capacity", str(f)]


def _latin1(tmp: Path) -> list[str]:
    f = tmp / "points.csv"
    f.write_bytes(b"0,0\n1,0\n0,1\n# caf\xe9\n")
    return ["capacity", str(f)]


def _huge_int(tmp: Path) -> list[str]:
    f = tmp / "points.json"
    f.write_text("[[1" + "0" * 400 + ", 0], [0, 1], [1, 1]]")
    return ["capacity", str(f)]


def _huger_int(tmp: Path) -> list[str]:
    f = tmp / "points.json"
    f.write_text("[[1" + "0" * 5000 + ", 0], [0, 1], [1, 1]]")  # past Python's int-from-text limit
    return ["capacity", str(f)]


def _nested(tmp: Path) -> list[str]:
    f = tmp / "points.json"
    f.write_text("[" * 200_000 + "]" * 200_000)
    return ["capacity", str(f)]


def _too_many_points(tmp: Path) -> list[str]:
    f = tmp / "points.csv"
    f.write_text("0.5,0.25\n" * (MAX_POINTS + 1))
    return ["capacity", str(f)]


def _profile_into_a_file(tmp: Path) -> list[str]:
    f = tmp / "not-a-folder"
    f.write_text("x")
    return ["profile", "--family", "cube", "--out-dir", str(f)]


def _snapshot_into_a_file(tmp: Path) -> list[str]:
    f = tmp / "not-a-folder"
    f.write_text("x")
    return ["snapshot", "--roster", "smoke", "--out", str(f), "--quiet"]


CASES = {
    "binary file": (_binary, "a binary file"),
    "invalid UTF-8": (_latin1, "not UTF-8 text (byte 17)"),
    "JSON huge integer": (_huge_int, "beyond float64"),
    "JSON integer past the digit limit": (_huger_int, "not usable JSON"),
    "deeply nested JSON": (_nested, "nested too deeply"),
    "/proc/self/mem": (lambda tmp: ["capacity", "/proc/self/mem"], "cannot read it"),
    "negative seed": (lambda tmp: ["capacity", "--family", "random_halfspaces:8:-1"], "SEED = -1 is out of range"),
    "old argument order": (lambda tmp: ["info", "--family", "random_halfspaces:-1:8"], "M = -1 is out of range"),
    "absurd family size": (lambda tmp: ["capacity", "--family", "random_hull:20000000:1"],
                           "N = 20000000 is out of range; use 1 <= N <= 100000"),
    "absurd size, old argument order": (lambda tmp: ["capacity", "--family", "random_hull:1:20000000"],
                                        "n_points = 1; need at least dim + 1 = 5"),
    "too many points": (_too_many_points, f"the limit is {MAX_POINTS:,}"),
    "profile --out-dir is a file": (_profile_into_a_file, "is a file, not a folder"),
    "profile --out-dir unwritable": (lambda tmp: ["profile", "--family", "cube", "--out-dir",
                                                  "/proc/viterbo-profiles"], "cannot write profiles there"),
    "snapshot --out is a file": (_snapshot_into_a_file, "is a file, not a folder"),
    "lever options work": (lambda tmp: ["capacity", "--family", "cube", "--method", "haim_kislev",
                                         "--implementation", "python", "--variant", "symmetric",
                                         "--no-swap-rule"], None),
}


def _check(code: int, err: str, expected: str | None) -> None:
    if expected is None:  # a valid call that must work
        assert code == 0, err
        return
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("viterbo "), err
    assert expected in err, err


@pytest.mark.smoke
@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_in_process(case, tmp_path, capsys):
    make, expected = CASES[case]
    code = main(make(tmp_path))
    _check(code, capsys.readouterr().err, expected)


@pytest.mark.deep
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_as_a_subprocess(case, tmp_path):
    make, expected = CASES[case]
    run = subprocess.run([sys.executable, "-m", "viterbo", *make(tmp_path)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    _check(run.returncode, run.stderr, expected)


@pytest.mark.deep
def test_a_50_mb_csv_is_read_at_io_speed_and_refused_naming_the_limit(tmp_path):
    f = tmp_path / "big.csv"
    with open(f, "wb") as fh:
        fh.write(b"0.125,-0.5,0.75,0.0625\n" * 2_300_000)  # 52 MB, 2.3 million points
    run = subprocess.run([sys.executable, "-m", "viterbo", "capacity", str(f)], capture_output=True, text=True,
                         timeout=300)
    _check(run.returncode, run.stderr, f"2,300,000 points; the limit is {MAX_POINTS:,}")
