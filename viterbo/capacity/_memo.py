"""Data a method derives from a polytope alone, kept with the polytope."""

from __future__ import annotations

from ..geometry.polytope import Polytope

__all__ = ["memo"]


def memo(K: Polytope, key: str, compute):
    """``compute()`` kept with K under ``key``: data a method derives from K alone (a Polytope is immutable).

    A method called again on the same K (a notebook cell re-run, a benchmark, "auto" retrying) then
    pays for it once.  Keys are prefixed with the method's name.
    """
    cache = K._cache
    if key not in cache:
        cache[key] = compute()
    return cache[key]
