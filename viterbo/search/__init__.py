"""Searches for polytopes of large systolic ratio (``viterbo search``).

:func:`maximize_systolic_ratio` runs local ascent (CMA-ES, gradient steps through
:mod:`viterbo.differentiable`) from random starts; every point it keeps is exact and certified.
"""

from .ascent import (FINDING_THRESHOLD, STRATEGIES, SearchResult, StartResult, exact_sys, maximize_systolic_ratio,
                     recheck)
from .parametrisations import FAMILIES, SearchSpecError, family

from .results import best_per_size, load_bests, write_bests

__all__ = ["maximize_systolic_ratio", "recheck", "FINDING_THRESHOLD", "SearchResult", "StartResult", "exact_sys",
           "STRATEGIES", "FAMILIES", "family", "SearchSpecError", "best_per_size", "write_bests", "load_bests"]
