"""The viterbo command: info and capacity; bad files exit 2 with a one-line reason."""

import json
import subprocess
import sys

import pytest

from viterbo.cli import main

pytestmark = pytest.mark.smoke


def test_info_pentagon(capsys):
    assert main(["info", "--family", "pentagon_counterexample"]) == 0
    out = capsys.readouterr().out
    assert "facets       10" in out and "vertices     25" in out
    assert "volume       5.65317810742" in out
    assert "2-faces      35 (15 Lagrangian)" in out


def test_info_json(capsys):
    assert main(["info", "--family", "cell24", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["facets"] == 24 and info["vertices"] == 24 and info["symplectic_polytope"] is True
    assert info["lagrangian_two_faces"] == []


def test_capacity_of_polygon_file(tmp_path, capsys):
    f = tmp_path / "square.csv"
    f.write_text("0,0\n2,0\n2,2\n0,2\n1,1\n")
    assert main(["capacity", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["capacity"] == pytest.approx(4.0) and out["method"] == "area" and out["verified"]


def test_capacity_json_list_file(tmp_path, capsys):
    f = tmp_path / "tri.json"
    f.write_text("[[0, 0], [1, 0], [0, 1]]")
    assert main(["capacity", str(f)]) == 0
    assert "capacity        0.5" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, suffix, reason",
    [
        (None, ".csv", "no such file"),
        ("0,0\n1,x\n0,1\n", ".csv", "line 2, coordinate 2 is 'x', not a number"),
        ("0,0\n1,0,3\n0,1\n", ".csv", "line 2 has 3 coordinates but line 1 has 2"),
        ("", ".csv", "no points given"),
        ("0,0\n1,0\n", ".csv", "at least 3 affinely independent points"),
        ("[[0, 0], [1", ".json", "not valid JSON"),
    ],
    ids=["missing", "not-numbers", "ragged", "empty", "too-few", "bad-json"],
)
def test_bad_files_exit_2(tmp_path, capsys, content, suffix, reason):
    f = tmp_path / f"points{suffix}"
    if content is not None:
        f.write_text(content)
    assert main(["capacity", str(f)]) == 2
    err = capsys.readouterr().err
    assert reason in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_family_exit_2(capsys):
    assert main(["info", "--family", "dodecahedron"]) == 2
    assert "unknown family" in capsys.readouterr().err


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "viterbo", "info", "--family", "cube"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "facets       8" in proc.stdout


def test_lever_options_come_from_the_registry(capsys):
    from viterbo.capacity._registry import methods
    from viterbo.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices
    for command in ("capacity", "profile"):
        flags = {s for a in sub[command]._actions for s in a.option_strings}
        for m in methods():
            for lever in m.levers:
                assert "--" + lever.name.replace("_", "-") in flags, (command, lever.name)
        assert "--implementation" in flags
    assert main(["capacity", "--family", "cross_polytope", "--method", "reeb", "--rotation-cap", "2.5",
                 "--no-use-memo", "--implementation", "python", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"] == {"rotation_cap": 2.5, "use_cF_budgets": True, "use_memo": False}
    assert out["stats"]["implementation"] == "python" and out["capacity"] == pytest.approx(1.0)
    assert main(["capacity", "--family", "cube", "--method", "split_product", "--no-use-memo"]) == 2
    assert "unknown keyword use_memo; its levers are: none" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["regular_polygon:5", "random_polygon:8:1", "symplectic_image:cube:1",
                                  "random_hull:12:1", "symplectic_image:random_hull:12:1:5"])
def test_every_snapshot_name_is_accepted_by_family(name, capsys):
    """The names the snapshot prints in its polytope column go back into --family as they are."""
    assert main(["info", "--family", name, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == name
