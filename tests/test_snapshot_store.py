"""The week's file under hostile conditions: concurrent writers, undecodable bytes, garbage rows
(issue 11).  Nothing is lost, nothing foreign is merged, the original is kept aside."""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing

import pytest

from viterbo import snapshot

pytestmark = pytest.mark.smoke

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def _row(polytope: str, method: str = "m", capacity: float = 1.0) -> dict:
    row = {c: "" for c in snapshot.COLUMNS}
    row.update(week="2026-W48", polytope=polytope, method=method, levers="-", status="ok", capacity=capacity,
               machine="test")
    return row


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _writer(folder, worker, n, barrier):
    barrier.wait()
    for i in range(n):
        snapshot.write_rows([_row(f"w{worker}-{i}")], folder, now=NOW, on_problem=lambda line: None)


def test_concurrent_writers_keep_every_row(tmp_path):
    """Two processes merging into the same week at the same instant: without the lock one replace
    overwrote the other's merge (a row lost in 10 of 10 trials)."""
    ctx = multiprocessing.get_context("fork")
    workers, per_worker = 3, 15
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_writer, args=(tmp_path, w, per_worker, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = _read(tmp_path / "2026-W48.csv")
    assert sorted(r["polytope"] for r in rows) == sorted(f"w{w}-{i}" for w in range(workers) for i in range(per_worker))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-W48.csv"]  # no temporary or lock file left


@pytest.mark.parametrize("content, expected", [
    (b"week,polytope\n2026-W48,caf\xe9\n", "not UTF-8 text (byte 26)"),
    (bytes(range(256)) * 8, "not UTF-8 text"),
    (b"\x00\x01\x02PK\x03\x04", "binary data (NUL bytes)"),
], ids=["latin-1 byte", "binary garbage", "NUL bytes"])
def test_an_unreadable_week_file_is_kept_aside_and_reported(tmp_path, content, expected):
    week = tmp_path / "2026-W48.csv"
    week.write_bytes(content)
    problems = []
    path = snapshot.write_rows([_row("new")], tmp_path, now=NOW, on_problem=problems.append)
    (aside,) = tmp_path.glob("2026-W48.csv.rejected-*")
    assert aside.read_bytes() == content
    assert expected in problems[0] and str(aside) in problems[-1]
    assert [r["polytope"] for r in _read(path)] == ["new"]


def test_garbage_rows_under_a_valid_header_are_reported_not_merged(tmp_path):
    good = _row("kept", capacity=2.5)
    week = tmp_path / "2026-W48.csv"
    text = snapshot.store.render([good])
    text += "garbage,,,\n"  # too few cells
    text += ",".join("x" for _ in snapshot.COLUMNS) + "\n"  # status and numbers that cannot be
    text += snapshot.store.render([_row("other-week") | {"week": "2026-W47"}]).split("\n", 1)[1]
    week.write_text(text, encoding="utf-8")
    before = week.read_bytes()
    problems = []
    path = snapshot.write_rows([_row("new")], tmp_path, now=NOW, on_problem=problems.append)
    assert [line.split(": ", 2)[-1] for line in problems[:-1]] == [
        "fewer cells than the header has",
        "status 'x' is not one of ok, disagree, timeout, error",
        "a row of week '2026-W47' in the file of 2026-W48",
    ]
    assert "3 unreadable or foreign row(s)" in problems[-1]
    (aside,) = tmp_path.glob("2026-W48.csv.rejected-*")
    assert aside.read_bytes() == before
    rows = {r["polytope"]: r for r in _read(path)}
    assert set(rows) == {"kept", "new"} and rows["kept"]["capacity"] == "2.5"


def test_a_clean_file_is_merged_without_a_copy(tmp_path):
    snapshot.write_rows([_row("a")], tmp_path, now=NOW)
    problems = []
    snapshot.write_rows([_row("b"), _row("a", capacity=3.0)], tmp_path, now=NOW, on_problem=problems.append)
    assert problems == [] and sorted(p.name for p in tmp_path.iterdir()) == ["2026-W48.csv"]
    assert {r["polytope"]: r["capacity"] for r in _read(tmp_path / "2026-W48.csv")} == {"a": "3.0", "b": "1.0"}


def test_out_must_be_a_folder(tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with pytest.raises(snapshot.SnapshotError, match="is a file, not a folder"):
        snapshot.write_rows([_row("a")], not_a_folder, now=NOW)


def test_read_rows_names_the_problem_and_load_snapshots_lists_it(tmp_path):
    (tmp_path / "2026-W48.csv").write_bytes(b"\xff\xfe")
    with pytest.raises(snapshot.SnapshotError, match="not UTF-8 text"):
        snapshot.read_rows(tmp_path / "2026-W48.csv")
    df = snapshot.load_snapshots(tmp_path)
    assert len(df) == 0 and "not UTF-8 text" in df.attrs["problems"][0]
