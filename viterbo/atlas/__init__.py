"""Atlases: many polytopes, one Parquet row each, built in chunks on a process pool or a Dask cluster.

``viterbo.atlas.load(path)`` reads an atlas as a pandas DataFrame; :func:`build` computes one
(``viterbo atlas build`` on the command line); :func:`format_summary` is ``viterbo atlas summary``.
Columns: :data:`viterbo.atlas.rows.COLUMNS` (and README.md, "Atlases").

Names are loaded on first use, so that ``viterbo --help`` does not import pyarrow and pandas;
``import viterbo`` does not load this package at all.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "build": "builder", "BuildSpec": "builder", "BuildReport": "builder", "compute_chunk": "builder",
    "load": "store", "read_table": "store", "manifest_of": "store", "SCHEMA": "store", "AtlasStoreError": "store",
    "COLUMNS": "rows", "MEASURED_COLUMNS": "rows", "compute_row": "rows",
    "generate": "generators", "parse_range": "generators", "GENERATORS": "generators", "AtlasSpecError": "generators",
    "format_summary": "summary", "summary_tables": "summary",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'viterbo.atlas' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))
