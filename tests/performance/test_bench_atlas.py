"""Benchmark: an atlas of 10,000 random hulls of 6-30 points on this machine's cores (deep tier).

Run: pytest tests/performance/test_bench_atlas.py -m deep --benchmark-enable -s
(``VITERBO_ATLAS_BENCH_COUNT`` changes the count, ``VITERBO_ATLAS_BENCH_OUT`` keeps the atlas file)
Reports (extra_info and stdout) the wall time, rows per second, the per-polytope median and 99th
percentile, and the uncertified rows with their reasons.  Asserts what must hold regardless of
speed: every row present, certified rows consistent (sys = c^2 / 2 vol), uncertified rows explained.
"""

import os
import resource
from pathlib import Path

import numpy as np
import pytest

from viterbo.atlas import BuildSpec, build, load

pytestmark = pytest.mark.deep

COUNT = int(os.environ.get("VITERBO_ATLAS_BENCH_COUNT", "10000"))


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the pool's workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


@pytest.mark.timeout(7200)
def test_bench_atlas_10k_random_hulls(record, tmp_path):
    spec = BuildSpec(family="random_hull", size=(6, 30), count=COUNT, seed=2026, chunk_size=100)
    out = Path(os.environ.get("VITERBO_ATLAS_BENCH_OUT", tmp_path / "bench.parquet"))
    bench = record(family="random_hull", points="6..30", count=COUNT, workers=os.cpu_count())
    bench.group = "atlas build"
    cpu0 = _cpu_seconds()
    bench.pedantic(build, args=(spec, out), kwargs={"quiet": True, "overwrite": True}, rounds=1, iterations=1)
    df = load(out)
    assert len(df) == COUNT and list(df["index"]) == list(range(COUNT))
    cert = df[df.certified]
    assert np.allclose(cert.systolic_ratio, cert.capacity**2 / (2 * cert.volume), rtol=1e-12)
    assert df[~df.certified].reason.notna().all()
    wall = bench.stats.stats.max
    cpu = _cpu_seconds() - cpu0
    per = df.seconds.to_numpy()
    # CPU seconds / cores estimates the wall time on an otherwise idle machine (others share the cores).
    info = {"wall_s": wall, "cpu_s": cpu, "cpu_s_per_core": cpu / (os.cpu_count() or 1),
            "load_avg_1min_after": os.getloadavg()[0], "rows_per_s": COUNT / wall, "median_s": float(np.median(per)),
            "p99_s": float(np.percentile(per, 99)), "max_s": float(per.max()), "certified": int(len(cert)),
            "uncertified": int(COUNT - len(cert))}
    bench.extra_info.update(info)
    print("\natlas benchmark:", info)
    # uncertified rows by kind of reason (numbers stripped, so that equal reasons group)
    kinds = df[~df.certified].reason.str.replace(r"[-+0-9.e]{3,}", "#", regex=True).str.slice(0, 90)
    print(kinds.value_counts().to_string())
