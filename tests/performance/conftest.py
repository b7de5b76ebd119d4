"""Shared benchmark helpers: record dtype, device, native flag with every bench."""

import platform

import pytest

import viterbo


@pytest.fixture
def record(benchmark):
    """Attach the facts every benchmark row carries, then return the benchmark fixture."""

    def _record(**extra):
        benchmark.extra_info.update({"dtype": "float64", "device": "cpu",
                                     "native": viterbo.native_available(),
                                     "machine": platform.node(), **extra})
        return benchmark

    return _record
