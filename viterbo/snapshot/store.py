"""The week's CSV on disk: read back (every unreadable or foreign row reported), merged under a file
lock, written atomically.

Writing: rows are computed first; then, holding an exclusive lock (``fcntl.flock`` on the folder,
so two processes writing the same week at the same instant both keep their rows), the week's file is read, merged (a new row replaces the row with the same
:data:`~viterbo.snapshot.schema.KEY`, the others are kept), written to a temporary file in the same
folder and moved into place with :func:`os.replace`.  An interrupted run leaves the previous file
untouched.

A row of the existing file that is not a snapshot row (undecodable bytes, a broken CSV line, a
missing key, a status or number that cannot be, another week's row) is never merged and never
dropped silently: before the week's file is replaced, the original is kept byte for byte beside it
as ``<week>.csv.rejected-<UTC time>`` and each problem is reported (``on_problem``, stderr by
default).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import fcntl
import io
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .schema import COLUMNS, KEY, NUMERIC, STATUSES, WEEK_FILE, SnapshotError, cell, row_key, snapshot_path, utc

__all__ = ["read_rows", "read_file", "write_rows", "check_folder", "render", "locked"]


def _row_problem(row: dict[str, Any], week: str | None) -> str | None:
    """Why a parsed CSV row is not a snapshot row, or None."""
    if None in row:
        return f"{len(row[None])} cell(s) more than the header has"
    if any(row.get(c) is None for c in row if c is not None):
        return "fewer cells than the header has"
    if not row.get("polytope") or not row.get("method"):
        return "no polytope or method"
    status = row.get("status") or ""
    if status not in STATUSES:
        return f"status {status[:40]!r} is not one of {', '.join(STATUSES)}"
    for c in NUMERIC:
        text = row.get(c) or ""
        if text:
            try:
                value = float(text)
            except ValueError:
                return f"{c} = {text[:40]!r} is not a number"
            if math.isinf(value):
                return f"{c} = {text[:40]!r} is not finite"
    if week and row.get("week") and row["week"] != week:
        return f"a row of week {row['week'][:40]!r} in the file of {week}"
    return None


def read_file(path: str | Path) -> tuple[list[dict[str, str]], list[str]]:
    """The snapshot rows of a CSV (dicts of strings over COLUMNS) and a list of problems, one per bad row.

    Never raises on content: undecodable bytes, a foreign header and garbage rows become problems
    (each names the line); the rows returned are the good ones.

    Raises
    ------
    SnapshotError
        The file cannot be opened (permissions, a folder in its place).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{p}: cannot read it ({exc.strerror or exc}).") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [f"{p}: not UTF-8 text (byte {exc.start}); no row of it can be read"]
    if "\x00" in text:
        return [], [f"{p}: binary data (NUL bytes); no row of it can be read"]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        return [], [f"{p}: the header is not a CSV line ({exc})"]
    if header is None:
        return [], []
    missing = [c for c in KEY if c not in header]
    if missing:
        return [], [f"{p}: not a snapshot file (no column(s) {', '.join(missing)})"]
    week = p.stem if WEEK_FILE.match(p.name) else None
    rows, problems = [], []
    while True:
        try:
            r = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{p}:{reader.line_num}: not a CSV line ({exc})")
            continue
        why = _row_problem(r, week)
        if why is not None:
            problems.append(f"{p}:{reader.line_num}: {why}")
            continue
        rows.append({c: (r.get(c) or "") for c in COLUMNS})
    return rows, problems


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a snapshot CSV as dicts of strings over COLUMNS (missing columns empty).

    Raises
    ------
    SnapshotError
        The file cannot be read, or holds anything that is not a snapshot row (the message lists it).
    """
    rows, problems = read_file(path)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; ... ({len(problems)} in all)" if len(problems) > 5 else "")
        raise SnapshotError(f"{shown}. Move the file out of the snapshots folder, or let `viterbo snapshot` "
                            "keep it aside.")
    return rows


def render(rows: Iterable[dict[str, Any]]) -> str:
    """The CSV text of ``rows`` (header :data:`COLUMNS`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([cell(row.get(c, "")) for c in COLUMNS])
    return buf.getvalue()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the snapshots folder itself (blocks until free; no lock file left behind).

    Every writer of the folder takes it around its read-merge-replace, so concurrent writers queue
    instead of each replacing the file with a merge that lacks the other's rows.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise SnapshotError(f"{folder}: cannot open the snapshots folder ({exc.strerror or exc}).") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _replace(target: Path, text: str) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _keep_aside(target: Path, when: _dt.datetime) -> Path:
    """Copy the original file, byte for byte, to ``<name>.rejected-<UTC time>`` beside it."""
    stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
    aside = target.with_name(f"{target.name}.rejected-{stamp}")
    data = target.read_bytes()
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return aside


def check_folder(out: str | Path) -> Path:
    """The snapshots folder, created when missing; a SnapshotError when it is a file or cannot be written.

    ``viterbo snapshot`` calls it before running the roster, so a bad ``--out`` fails in a second.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SnapshotError(f"{folder}: is a file, not a folder; give --out a folder for the weekly CSVs.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise SnapshotError(f"{folder}: cannot write snapshots there ({exc.strerror or exc}); give --out a "
                            "folder you can write.") from exc
    return folder


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def write_rows(rows: Sequence[dict[str, Any]], out: str | Path = "artefacts/snapshots",
               now: _dt.datetime | None = None, *, on_problem: Callable[[str], None] | None = None) -> Path:
    """Merge rows into the week's CSV, under a file lock, atomically; return its path.

    Parameters
    ----------
    rows : sequence of dict
        Rows over :data:`~viterbo.snapshot.schema.COLUMNS`.
    out : str or Path
        The snapshots folder (created if missing).
    now : datetime, optional
        Chooses the week's file; default: the current UTC time.
    on_problem : callable, optional
        Called with one line per unreadable or foreign row of the existing file, and once with where
        the original was kept; default: print to stderr.

    Raises
    ------
    SnapshotError
        ``out`` is a file or cannot be written; the week's path is a folder.
    """
    report = on_problem or _stderr
    folder = check_folder(out)
    target = snapshot_path(folder, now)
    if target.exists() and not target.is_file():
        raise SnapshotError(f"{target}: is not a file; move it away.")
    with locked(folder):
        merged: dict[tuple[str, ...], dict[str, Any]] = {}
        if target.exists():
            old, problems = read_file(target)
            if problems:
                aside = _keep_aside(target, utc(None))
                for line in problems:
                    report(f"snapshot: skipped {line}")
                report(f"snapshot: {target} had {len(problems)} unreadable or foreign row(s); the original "
                       f"is kept unchanged as {aside}")
            for row in old:
                merged[row_key(row)] = row
        for row in rows:
            merged[row_key(row)] = row
        try:
            _replace(target, render(merged[k] for k in sorted(merged)))
        except OSError as exc:
            raise SnapshotError(f"{target}: cannot write it ({exc.strerror or exc}).") from exc
    return target
