"""``viterbo atlas build``: compute an atlas chunk by chunk on an existing engine.

Chunks (``chunk_size`` consecutive row indices) are the unit of work and of storage.  They run

- in this process (``workers=1``),
- on a local process pool (:class:`concurrent.futures.ProcessPoolExecutor`, the default), or
- on a Dask cluster (``scheduler="tcp://HOST:PORT"``, :mod:`dask.distributed`),

and only this process writes files: workers return rows, so a cluster needs no shared disk.
Each row depends on (family, size range, seed, index) alone, hence the same dataset whatever
the engine, the number of workers or the order chunks finish in.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from .._environment import git_commit
from .generators import check_family, generate
from .rows import compute_row
from .store import ChunkStore

__all__ = ["BuildSpec", "BuildReport", "build", "compute_chunk", "run_chunks", "FORMAT_VERSION"]

#: Bumped when the row format changes (a restart across versions is refused).
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BuildSpec:
    """The arguments that define an atlas (its manifest): same spec, same rows."""

    family: str
    size: tuple[int, int]
    count: int
    seed: int = 0
    chunk_size: int = 50
    time_budget: float | None = 120.0
    with_spectrum: bool = False
    format_version: int = FORMAT_VERSION

    def manifest(self) -> dict:
        d = asdict(self)
        d["size"] = list(self.size)
        return d

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.count / self.chunk_size)

    def chunk_indices(self, k: int) -> range:
        return range(k * self.chunk_size, min(self.count, (k + 1) * self.chunk_size))


@dataclass
class BuildReport:
    """What a build did: where, how many rows, how many chunks it computed (vs found done)."""

    path: Path
    rows: int
    chunks_computed: int
    chunks_skipped: int
    already_finished: bool = False


def _stamp() -> tuple[str, str]:
    from .. import __version__

    return __version__, git_commit()


def compute_chunk(spec: BuildSpec, k: int, version: str, commit: str) -> list[dict]:
    """Rows of chunk ``k`` (runs in a worker: a pure function of its arguments)."""
    _single_thread()
    rows = []
    for i in spec.chunk_indices(k):
        g = generate(spec.family, spec.size, spec.seed, i)
        row = compute_row(g.polytope, time_budget=spec.time_budget, with_spectrum=spec.with_spectrum)
        row.update(index=i, family=spec.family, params=g.params_json, build_seed=spec.seed, seed=g.poly_seed,
                   viterbo_version=version, git_commit=commit)
        rows.append(row)
    return rows


def _single_thread() -> None:
    """One BLAS/torch thread per worker: the pool already uses every core."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


class _Progress:
    def __init__(self, total: int, initial: int, quiet: bool, unit: str = "polytope") -> None:
        self.bar = None
        if not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit=unit, dynamic_ncols=True, smoothing=0.05,
                            file=sys.stderr)

    def update(self, n: int, uncertified: int) -> None:
        if self.bar is not None:
            self.bar.update(n)
            if uncertified:
                self.bar.set_postfix(uncertified=uncertified, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build(spec: BuildSpec, out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
          quiet: bool = False, overwrite: bool = False) -> BuildReport:
    """Build (or resume) the atlas ``spec`` into the Parquet file ``out``.

    Parameters
    ----------
    spec : BuildSpec
        Family, size range, count, seed, chunk size, per-polytope time budget, spectrum on/off.
    out : str or Path
        The ``.parquet`` file to write (chunks go to ``out.parts/`` until the build finishes).
    workers : int, optional
        Local processes (default: the machine's cores); 1 computes in this process.
        Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``) or a ``distributed.Client``.
    quiet : bool
        No progress bar.
    overwrite : bool
        Discard an existing atlas or partial build at ``out``.

    Returns
    -------
    BuildReport

    Raises
    ------
    AtlasSpecError
        Unknown family or bad size range.
    AtlasStoreError
        ``out`` belongs to a build with other arguments.
    """
    check_family(spec.family, spec.size)
    if spec.count < 1 or spec.chunk_size < 1:
        from .generators import AtlasSpecError

        raise AtlasSpecError(f"atlas build: count = {spec.count}, chunk_size = {spec.chunk_size}; both must be >= 1.")
    store = ChunkStore(out, spec.manifest())
    store.open(overwrite=overwrite)
    if store.finished_manifest() == store.manifest:
        return BuildReport(store.out, spec.count, 0, spec.n_chunks, already_finished=True)
    done = store.done_chunks()
    todo = [k for k in range(spec.n_chunks) if k not in done]
    rows_done = sum(len(spec.chunk_indices(k)) for k in done)
    run_chunks(compute_chunk, spec, todo, store, total=spec.count, rows_done=rows_done, workers=workers,
               scheduler=scheduler, quiet=quiet)
    path = store.finish(spec.n_chunks)
    return BuildReport(path, spec.count, len(todo), len(done))


def run_chunks(task, spec, todo: list[int], store: ChunkStore, *, total: int, rows_done: int = 0,
               workers: int | None = None, scheduler=None, quiet: bool = False, unit: str = "polytope") -> None:
    """Compute ``task(spec, k, version, commit)`` for every chunk k in ``todo`` and write each as it lands.

    The engine: this process (one worker or one chunk), a local process pool, or a Dask scheduler.
    ``task`` must be a module-level function (it is pickled to the workers).
    """
    version, commit = _stamp()
    progress = _Progress(total, rows_done, quiet, unit)
    try:
        if scheduler is not None:
            _run_dask(task, spec, todo, store, version, commit, scheduler, progress)
        elif (workers or os.cpu_count() or 1) <= 1 or len(todo) <= 1:
            bad = 0
            for k in todo:
                rows = task(spec, k, version, commit)
                store.write_chunk(k, rows)
                bad += _uncertified(rows)
                progress.update(len(rows), bad)
        else:
            _run_pool(task, spec, todo, store, version, commit, workers or os.cpu_count() or 1, progress)
    finally:
        progress.close()


def _uncertified(rows: list[dict]) -> int:
    return sum(not r["certified"] for r in rows)


def _run_pool(task, spec, todo, store, version, commit, workers, progress) -> None:
    # spawn: workers start clean (no inherited torch/OpenMP thread state, which fork can deadlock on).
    ctx = multiprocessing.get_context("spawn")
    bad = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending = {}
        queue = list(todo)
        try:
            # At most 2 chunks per worker in flight: an interruption loses little, memory stays small.
            while queue or pending:
                while queue and len(pending) < 2 * workers:
                    k = queue.pop(0)
                    pending[pool.submit(task, spec, k, version, commit)] = k
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    k = pending.pop(fut)
                    rows = fut.result()
                    store.write_chunk(k, rows)
                    bad += _uncertified(rows)
                    progress.update(len(rows), bad)
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(task, spec, todo, store, version, commit, scheduler, progress) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the install
        from .generators import AtlasSpecError

        raise AtlasSpecError("--scheduler needs dask.distributed: pip install 'viterbo[cluster]'.") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    bad = 0
    try:
        futures = [client.submit(task, spec, k, version, commit, key=f"{task.__name__}-{k}-{os.getpid()}",
                                 pure=False) for k in todo]
        index = {f.key: k for f, k in zip(futures, todo)}
        try:
            for fut in as_completed(futures):
                rows = fut.result()
                store.write_chunk(index[fut.key], rows)
                bad += _uncertified(rows)
                progress.update(len(rows), bad)
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if own:
            client.close()
