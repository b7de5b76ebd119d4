"""Atlas storage: Parquet through pyarrow, written chunk by chunk, finished atomically.

Layout of a build with ``--out NAME.parquet``:

- ``NAME.parquet.parts/manifest.json``: the build's arguments (a restart must match them);
- ``NAME.parquet.parts/chunk-000007.parquet``: rows ``7 * chunk_size ...`` of the build, each written
  to a temporary name and renamed into place, so a chunk file is either complete or absent;
- ``NAME.parquet``: when every chunk exists, the chunks in index order as one file (again written
  to a temporary name and renamed), with the manifest in the schema metadata; the parts folder
  is then removed.

An interrupted build (Ctrl-C, SIGKILL, a lost machine) therefore loses only the chunks in flight,
and a restart with the same arguments computes only the missing chunks.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ViterboError

__all__ = ["SCHEMA", "AtlasStoreError", "ChunkStore", "rows_to_table", "read_table", "load", "manifest_of",
           "METADATA_KEY", "write_table_atomic"]

#: Schema metadata key holding the build manifest (JSON).
METADATA_KEY = b"viterbo.atlas"

_VEC = pa.list_(pa.float64())
SCHEMA = pa.schema([
    ("index", pa.int64()), ("family", pa.string()), ("params", pa.string()), ("build_seed", pa.int64()),
    ("seed", pa.int64()), ("dim", pa.int32()), ("n_facets", pa.int32()), ("n_vertices", pa.int32()),
    ("vertices", pa.list_(_VEC)), ("normals", pa.list_(_VEC)), ("offsets", _VEC), ("volume", pa.float64()),
    ("capacity", pa.float64()), ("systolic_ratio", pa.float64()), ("method", pa.string()),
    ("certified", pa.bool_()), ("reason", pa.string()), ("orbit_facets", pa.list_(pa.int32())),
    ("orbit_type", pa.string()), ("rotation", pa.float64()), ("cz", pa.int32()), ("A2", pa.float64()),
    ("work", pa.string()), ("seconds", pa.float64()), ("capacity_seconds", pa.float64()),
    ("viterbo_version", pa.string()), ("git_commit", pa.string()),
])


class AtlasStoreError(ViterboError, ValueError):
    """An atlas file or folder that cannot be used as asked (missing, other arguments, not an atlas)."""


def rows_to_table(rows: list[dict], manifest: dict | None = None) -> pa.Table:
    """Rows (dicts with every column of :data:`SCHEMA`) as a table with the atlas schema."""
    missing = [f.name for f in SCHEMA if rows and f.name not in rows[0]]
    if missing:
        raise AtlasStoreError(f"atlas rows lack column(s) {missing}; every row needs all of {SCHEMA.names}.")
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    if manifest is not None:
        table = table.replace_schema_metadata({METADATA_KEY: json.dumps(manifest, sort_keys=True).encode()})
    return table


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write to ``path.tmp-PID`` and rename into place (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


class ChunkStore:
    """The parts folder of one build: which chunks are done, writing one, finishing the build."""

    def __init__(self, out: str | Path, manifest: dict) -> None:
        self.out = Path(out)
        self.parts = self.out.with_name(self.out.name + ".parts")
        self.manifest = dict(manifest)

    # ------------------------------------------------------------------ state
    def finished_manifest(self) -> dict | None:
        """The manifest of a finished atlas at ``out`` (None when there is none)."""
        if not self.out.exists():
            return None
        return manifest_of(self.out)

    def open(self, overwrite: bool = False) -> None:
        """Create the parts folder, or check that an existing one belongs to the same build.

        Raises
        ------
        AtlasStoreError
            ``out`` or its parts folder belongs to a build with other arguments (and not ``overwrite``).
        """
        if overwrite:
            shutil.rmtree(self.parts, ignore_errors=True)
            if self.out.exists():
                self.out.unlink()
        done = self.finished_manifest()
        if done is not None and done != self.manifest:
            raise AtlasStoreError(
                f"{self.out} already holds an atlas built with other arguments ({_diff(done, self.manifest)}). "
                "Choose another --out, or pass --overwrite to rebuild it.")
        path = self.parts / "manifest.json"
        if self.parts.exists() and path.exists():
            old = json.loads(path.read_text())
            if old != self.manifest:
                raise AtlasStoreError(
                    f"{self.parts} holds a partial build with other arguments ({_diff(old, self.manifest)}). "
                    "Restart with the same arguments to resume it, or pass --overwrite to start afresh.")
            return
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(parents=True, exist_ok=True)
        tmp = self.parts / ".manifest.json.tmp"
        tmp.write_text(json.dumps(self.manifest, sort_keys=True, indent=1))
        os.replace(tmp, path)

    def chunk_path(self, k: int) -> Path:
        return self.parts / f"chunk-{k:06d}.parquet"

    def done_chunks(self) -> set[int]:
        """Indices of the chunks already written (complete files only: partial ones have tmp names)."""
        if not self.parts.exists():
            return set()
        return {int(p.stem.split("-")[1]) for p in self.parts.glob("chunk-*.parquet")}

    # ------------------------------------------------------------------ writing
    def write_chunk(self, k: int, rows: list[dict]) -> None:
        write_table_atomic(rows_to_table(rows), self.chunk_path(k))

    def finish(self, n_chunks: int) -> Path:
        """Concatenate chunks 0..n_chunks-1 into ``out`` (atomically) and remove the parts folder."""
        missing = sorted(set(range(n_chunks)) - self.done_chunks())
        if missing:
            raise AtlasStoreError(f"cannot finish {self.out}: chunk(s) {missing[:10]} missing.")
        tables = [pq.read_table(self.chunk_path(k), schema=SCHEMA) for k in range(n_chunks)]
        table = pa.concat_tables(tables).replace_schema_metadata(
            {METADATA_KEY: json.dumps(self.manifest, sort_keys=True).encode()})
        write_table_atomic(table, self.out)
        shutil.rmtree(self.parts, ignore_errors=True)
        return self.out


def _diff(a: dict, b: dict) -> str:
    keys = sorted(set(a) | set(b))
    return ", ".join(f"{k}: {a.get(k)!r} there, {b.get(k)!r} now" for k in keys if a.get(k) != b.get(k))


def manifest_of(path: str | Path) -> dict:
    """The build manifest stored in an atlas file's metadata ({} when it has none)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise AtlasStoreError(f"{path}: not a readable Parquet file ({exc}).") from exc
    raw = meta.get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def read_table(path: str | Path, partial: bool = False) -> pa.Table:
    """The atlas at ``path`` as a pyarrow Table.

    With ``partial=True`` and no finished file, the chunks written so far (an unfinished build).

    Raises
    ------
    AtlasStoreError
        No such atlas, or not a Parquet file.
    """
    p = Path(path)
    if not p.name:
        raise AtlasStoreError(f"{str(path)!r} is not an atlas file name; pass the .parquet file.")
    parts = p.with_name(p.name + ".parts")
    if p.is_file():
        try:
            return pq.read_table(p)
        except (OSError, pa.ArrowInvalid) as exc:
            raise AtlasStoreError(f"{p}: not a readable Parquet file ({exc}).") from exc
    if parts.is_dir():
        if not partial:
            raise AtlasStoreError(f"{p} is not finished yet (its chunks are in {parts}); resume the build "
                                  "with the same arguments, or pass partial=True to read the chunks written so far.")
        files = sorted(parts.glob("chunk-*.parquet"))
        if not files:
            return SCHEMA.empty_table()
        return pa.concat_tables([pq.read_table(f, schema=SCHEMA) for f in files])
    raise AtlasStoreError(f"{p}: no such atlas (build one with `viterbo atlas build --out {p}`).")


def load(path: str | Path, partial: bool = False):
    """An atlas as a pandas DataFrame, one row per polytope.

    Parameters
    ----------
    path : str or Path
        The ``.parquet`` file written by ``viterbo atlas build`` (or ``viterbo search``).
    partial : bool
        Read an unfinished build's chunks when the finished file does not exist yet.

    Returns
    -------
    pandas.DataFrame
        The columns of README.md's "Atlases" table; list columns hold numpy arrays.

    Raises
    ------
    AtlasStoreError
        No such atlas, or not readable.

    Examples
    --------
    >>> import viterbo.atlas
    >>> df = viterbo.atlas.load("artefacts/atlas/small.parquet")  # doctest: +SKIP
    >>> df.groupby("family").systolic_ratio.max()  # doctest: +SKIP
    """
    return read_table(path, partial=partial).to_pandas()
