"""Search results: the best certified polytope per size of a ``viterbo search`` run, re-checked.

A search run (``viterbo search ... --out RUN.parquet``) keeps every start's best point in the atlas
format.  :func:`best_per_size` picks the best certified row per size n, rebuilds the polytope from its
vertices alone and re-computes its systolic ratio with every applicable method
(:func:`~viterbo.search.recheck`, each witness verified); :func:`write_bests` stores those records as a
small JSON file (``artefacts/search/bests.json``) and :func:`load_bests` reads it back, with each
witness as a :class:`~viterbo.Polytope`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from ..geometry.polytope import Polytope

__all__ = ["best_per_size", "write_bests", "load_bests", "AGREEMENT_RTOL"]

#: Relative spread of the re-checked values under which the methods are said to agree.
AGREEMENT_RTOL = 1e-9


def best_per_size(path: str | Path, recheck_budget: float | None = 600.0) -> list[dict]:
    """The best certified start per size n of the search run stored at ``path``, re-checked.

    Parameters
    ----------
    path : str or Path
        A finished ``viterbo search --out`` file.
    recheck_budget : float, optional
        Seconds per method for the re-check.

    Returns
    -------
    list of dict
        One record per size: ``family``, ``n``, ``systolic_ratio`` (the search's certified value),
        ``method`` (the method that certified it), ``recheck`` (method -> sys, None where a method
        could not certify), ``agree`` (at least two independent computations - methods, or a
        method and its pure-Python reference - certified it, all within :data:`AGREEMENT_RTOL` of
        the search's value), ``starts``, ``budget``, ``seed``,
        ``evaluations`` and ``seconds`` (summed over the starts of that size), ``timed_out``
        (whether ``--max-seconds`` cut a start short: then the value depends on the machine's speed), ``best_start``,
        ``n_vertices``, ``n_facets``, ``polytope`` (:meth:`Polytope.to_dict` of the witness) and
        ``command`` (the ``viterbo search`` line that reproduces the run).  A size with no
        certified start has ``systolic_ratio`` None and ``certified`` False.

    Raises
    ------
    viterbo.atlas.AtlasStoreError
        ``path`` is not a finished atlas file.
    SearchSpecError
        ``path`` holds no search run (its manifest is not a search's).
    """
    from ..atlas.store import load, manifest_of
    from .ascent import recheck
    from .cli import SIZE_FLAG
    from .parametrisations import SearchSpecError

    manifest = manifest_of(path)
    if manifest.get("kind") != "search":
        raise SearchSpecError(f"{path}: not a search run (its manifest is {manifest or 'missing'}); "
                              "pass a file written by `viterbo search --out`.")
    df = load(path)
    params = [json.loads(p) for p in df.params]
    lo, hi = manifest["size"]
    flag = SIZE_FLAG[manifest["family"]]
    out = []
    for n in range(lo, hi + 1):
        rows = [i for i, p in enumerate(params) if p["n"] == n]
        sub = df.iloc[rows]
        record = {"family": manifest["family"], "n": n, "starts": len(rows), "budget": manifest["budget"],
                  "seed": manifest["seed"], "strategy": manifest["strategy"],
                  "evaluations": int(sum(params[i]["evaluations"] for i in rows)),
                  "seconds": float(sub.seconds.sum()),
                  "command": (f"viterbo search --family {manifest['family']} --{flag} {n}..{n} "
                              f"--starts {manifest['starts']} --budget {manifest['budget']} --seed {manifest['seed']} "
                              f"--strategy {manifest['strategy']}"
                              + (f" --max-seconds {manifest['max_seconds']:g}" if manifest.get("max_seconds") else "")
                              + " --workers 1 --out RUN.parquet"),
                  "timed_out": any(params[i].get("timed_out", False) for i in rows)}
        certified = sub[sub.certified.astype(bool)]
        if not len(certified):
            record.update(systolic_ratio=None, certified=False, method=None, recheck={}, agree=False)
            out.append(record)
            continue
        best = certified.loc[certified.systolic_ratio.idxmax()]
        K = Polytope.from_vertices(np.stack(best.vertices))
        checks = {m: (v if math.isfinite(v) else None) for m, v in recheck(K, time_budget=recheck_budget).items()}
        s = float(best.systolic_ratio)
        good = [v for v in checks.values() if v is not None]
        record.update(systolic_ratio=s, certified=True, method=best.method, recheck=checks,
                      agree=len(good) >= 2 and all(abs(v - s) <= AGREEMENT_RTOL * s for v in good),
                      best_start=int(best.seed), n_vertices=int(best.n_vertices), n_facets=int(best.n_facets),
                      polytope=K.to_dict())
        out.append(record)
    return out


def write_bests(records: list[dict], path: str | Path) -> Path:
    """Merge ``records`` into the JSON file at ``path`` (one record per family and n; a better value
    replaces a worse one), written atomically.  Returns the path."""
    p = Path(path)
    kept = {(r["family"], r["n"]): r for r in (_read(p) if p.is_file() else [])}
    for r in records:
        old = kept.get((r["family"], r["n"]))
        if old is None or (r["systolic_ratio"] or -1.0) >= (old["systolic_ratio"] or -1.0):
            kept[(r["family"], r["n"])] = r
    text = json.dumps([kept[k] for k in sorted(kept)], indent=1, allow_nan=False)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, p)
    return p


def load_bests(path: str | Path) -> list[dict]:
    """The records of :func:`write_bests`, each with its witness as a Polytope under ``"K"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> import viterbo
    >>> bests = load_bests(Path(viterbo.__file__).parents[1] / "artefacts" / "search" / "bests.json")  # doctest: +SKIP
    >>> [(r["family"], r["n"], round(r["systolic_ratio"], 6)) for r in bests][:1]  # doctest: +SKIP
    [('lagrangian_product', 5, 1.047214)]
    """
    out = _read(Path(path))
    for r in out:
        r["K"] = Polytope.from_dict(r["polytope"]) if r.get("polytope") else None
    return out


def _read(p: Path) -> list[dict]:
    from .parametrisations import SearchSpecError

    try:
        return json.loads(p.read_text())
    except (OSError, ValueError) as exc:
        raise SearchSpecError(f"{p}: not a readable search results file ({exc}); "
                              "write one with scripts/search_results.py.") from exc
