"""Rebuild artefacts/atlas/small.parquet: the small atlas notebooks/atlas.py opens by default.

Four `viterbo atlas build` runs (random hulls, random halfspaces, Lagrangian products of polygons,
symplectic images) plus, when given, search results, concatenated into one file whose metadata
lists every build's manifest.  Usage: python scripts/build_small_atlas.py [SEARCH.parquet ...]
"""

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from viterbo.atlas import BuildSpec, build, manifest_of
from viterbo.atlas.store import METADATA_KEY, SCHEMA, write_table_atomic

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "artefacts" / "atlas" / "small.parquet"
SPECS = [
    BuildSpec("random_hull", (6, 20), 160, seed=1, chunk_size=20, with_spectrum=True),
    BuildSpec("random_halfspaces", (6, 12), 60, seed=1, chunk_size=20, with_spectrum=True),
    BuildSpec("lagrangian_product", (3, 7), 60, seed=1, chunk_size=20),
    BuildSpec("symplectic_image", (6, 14), 30, seed=1, chunk_size=10, with_spectrum=True),
]


def main(extra: list[str]) -> None:
    parts, manifests = [], []
    work = ROOT / "artefacts" / "atlas" / ".build"
    work.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        path = work / f"{spec.family}.parquet"
        build(spec, path, quiet=True)
        parts.append(pq.read_table(path, schema=SCHEMA))
        manifests.append(manifest_of(path))
    for p in extra:
        parts.append(pq.read_table(p, schema=SCHEMA))
        manifests.append(manifest_of(p))
    table = pa.concat_tables(parts).replace_schema_metadata(
        {METADATA_KEY: json.dumps({"combined": manifests}, sort_keys=True).encode()})
    write_table_atomic(table, OUT)
    print(f"{OUT}: {table.num_rows} rows, {OUT.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])
