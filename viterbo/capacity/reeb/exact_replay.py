"""What the two exact phases share (jump_exact.py, type1_exact.py; reeb-certification.md §3, §4).

Both replay branches the float searches recorded as beyond float64, grouped by
start into tries of node paths (a shared prefix is replayed once), and finish
the subtree below each branch's last node in exact arithmetic on the exact
polytope (exact_polytope.py).  This module holds the bookkeeping: the tries,
the node and per-branch budgets, the deadline, the exact sign check of the flow
graph's rates, and the tally of what was resolved.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Callable

from .exact_polytope import ExactUnavailable, _dot
from .flow_graph import FlowGraph
from .search_reference import SearchOutcome
from .tolerances import ACTION_TIE

__all__ = ["ExactReplay", "OverBudget", "replay_branches", "exact_stat_keys"]


class OverBudget(Exception):
    """A branch's subtree needs more exact nodes than its budget."""


def exact_stat_keys(prefix: str) -> tuple[str, ...]:
    """The counters of one exact phase (``prefix`` "jump" or "type1")."""
    return tuple(f"{prefix}_exact_{k}" for k in ("branches", "resolved", "nodes", "unavailable", "over_budget",
                                                  "cycles_closed"))


class ExactReplay:
    """Base of an exact phase: subclasses define ``expand(*state, trie)`` and ``run_start(key, trie)``.

    ``status`` maps a recorded branch (its index) to "resolved", "budget" or "unavailable".
    """

    prefix = ""

    def __init__(self, G: FlowGraph, P, out: SearchOutcome, stats: dict, deadline: float | None,
                 node_budget: int, branch_budget: int):
        self.G, self.P, self.out, self.st, self.deadline = G, P, out, stats, deadline
        self.node_budget, self.branch_budget = node_budget, branch_budget
        self.nodes_key = f"{self.prefix}_exact_nodes"
        self.status: dict[int, str] = {}
        self.signs_checked: set[int] = set()
        self.lam = P.lam
        self.lam2 = P.lam * P.lam
        self.neighbours = [[] for _ in range(G.n_facets)]  # (other facet, True for an exit)
        for f in range(G.n_faces):
            a, b = int(G.face_facets[f, 0]), int(G.face_facets[f, 1])
            self.neighbours[a].append((b, True))
            self.neighbours[b].append((a, False))
        self.timed_out = False
        self.leaf_left: int | None = None
        self._cut_v, self._cut_q = None, None

    @property
    def incumbent(self) -> float:
        return self.out.best.action if self.out.best is not None else math.inf

    def cut_value(self) -> Fraction | None:
        """v (1 - ACTION_TIE) in the lam-frame (None: no incumbent yet)."""
        v = self.incumbent
        if not math.isfinite(v):
            return None
        if v != self._cut_v:
            self._cut_v, self._cut_q = v, Fraction(v) * (1 - Fraction(ACTION_TIE)) * self.lam2
        return self._cut_q

    def stopped(self) -> bool:
        return self.timed_out or self.st[self.nodes_key] >= self.node_budget

    def count_node(self) -> bool:
        """Count one expanded node against the budgets and the deadline; True when the phase must stop."""
        st = self.st
        st[self.nodes_key] += 1
        if self.leaf_left is not None:
            self.leaf_left -= 1
            if self.leaf_left < 0:
                raise OverBudget
        if self.deadline is not None and (st[self.nodes_key] & 63) == 0 and time.monotonic() > self.deadline:
            self.timed_out = True
        return self.stopped()

    def check_signs(self, E: int, JE) -> None:
        """The exact rates <n_G, R_E> of E's 2-face neighbours have the flow graph's signs (exits > 0,
        entrances < 0), so the exits list is exactly where the flow through E can leave it."""
        if E in self.signs_checked:
            return
        for other, is_exit in self.neighbours[E]:
            rate = _dot(self.P.facet(other)[0], JE)  # times 2 / h_E > 0
            if rate == 0 or (rate > 0) != is_exit:
                raise ExactUnavailable(f"the exact rate of facet {other} along R_{E} has the wrong sign")
        self.signs_checked.add(E)

    def mark(self, trie, status: str) -> None:
        for sub in trie.values():
            if isinstance(sub, dict):
                self.mark(sub, status)
            else:
                self.status.setdefault(sub, status)

    def descend(self, depth: int, *state, trie: dict) -> None:
        """expand() along a trie node: what it leaves unmarked below is excluded exactly (resolved), unless
        the phase ran out of nodes or time.  ``depth``: the witness stack's length to restore on failure."""
        try:
            self.expand(*state, trie)
        except ExactUnavailable:
            del self.stack[depth:]
            self.mark(trie, "unavailable")
            return
        self.mark(trie, "budget" if self.stopped() else "resolved")

    def leaf(self, leaf: int, *state) -> None:
        """The full exact subtree below a recorded branch's last node, within the per-branch budget."""
        depth = len(self.stack)
        self.leaf_left = self.branch_budget
        try:
            self.expand(*state, None)
            self.status[leaf] = "budget" if self.stopped() else "resolved"
        except OverBudget:
            self.status[leaf] = "budget"
        except ExactUnavailable:
            self.status[leaf] = "unavailable"
        finally:
            del self.stack[depth:]
            self.leaf_left = None

    def follow(self, node, sub, *state) -> None:
        """Go on below ``node`` (already on the stack): the whole subtree (``sub`` None), the recorded
        branches below it (a trie) or a recorded branch's subtree (a leaf index)."""
        if sub is None:
            self.expand(*state, None)
        elif isinstance(sub, dict):
            self.descend(len(self.stack), *state, trie=sub)
        else:
            self.leaf(sub, *state)


def replay_branches(X: ExactReplay, todo: list, split: Callable[[tuple], tuple]) -> list[tuple]:
    """Replay the branches ``todo`` (entries (kind, bound, |A|, path)) with ``X``; returns those left open.

    ``split(path)`` gives (start key, the nodes after the start); branches are grouped by start into
    tries (equal paths replayed once) and the starts run in sorted order.  Counts ``*_resolved``,
    ``*_unavailable``, ``*_over_budget`` in X's stats.
    """
    p, st = X.prefix, X.st
    tries: dict = {}
    first: dict = {}  # path -> index of its first entry
    for idx, entry in enumerate(todo):
        path = tuple(entry[3])
        if path in first:
            continue
        first[path] = idx
        key, rest = split(path)
        node = tries.setdefault(key, {})
        for step in rest[:-1]:
            node = node.setdefault(step, {})
            if not isinstance(node, dict):
                break  # below another recorded branch (its subtree was not followed): stays open
        else:
            if rest[-1] not in node:  # a prefix of another recorded branch: stays open
                node[rest[-1]] = idx
    for key, trie in sorted(tries.items()):
        if X.stopped():
            X.mark(trie, "budget")
            continue
        X.run_start(key, trie)
    left = []
    for entry in todo:
        status = X.status.get(first[tuple(entry[3])], "budget")
        if status == "resolved":
            st[f"{p}_exact_resolved"] += 1
            continue
        st[f"{p}_exact_unavailable" if status == "unavailable" else f"{p}_exact_over_budget"] += 1
        left.append(entry)
    return left
