"""One computation of spectrum.py (capacity and spectrum for one choice of levers) and the runs kept on screen.

A :class:`Request` is what the controls ask for; a :class:`Run` is what one click (or one automatic
recomputation) produced.  The notebook keeps the last few runs, shows the newest one, marks it stale
when the controls ask for something else, and compares the last two runs on the same polytope.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..capacity import capacity
from ..capacity.reeb import spectrum as reeb_spectrum
from ..capacity.reeb.spectrum import DEFAULT_ACTION_FACTOR
from ..errors import (LeverError, MethodNotApplicableError, TimeBudgetExceededError, VerificationError,
                      ViterboError)
from ..geometry.lagrangian import lagrangian_two_faces
from ..geometry.polytope import Polytope
from ._counters import COUNTER_GROUPS, counters_frame
from ._format import fmt_levers, fmt_number, fmt_seconds, round_numbers_in
from ._methods import acting_levers, capacity_levers, resolve_method

__all__ = ["Request", "Run", "DEFAULT_ACTION_FACTOR", "polytope_key", "make_request", "compute_run", "remember",
           "recall", "has_run", "Screen", "run_on_screen", "comparison_pair", "comparison_frame",
           "spectrum_unavailable_reason"]

#: Runs kept in memory (the newest is shown, the last two on one polytope are compared).
KEEP_RUNS = 8


def polytope_key(K: Polytope) -> str:
    """A short fingerprint of K's facets (equal polytopes built twice get the same key)."""
    digest = hashlib.sha1()
    digest.update(np.ascontiguousarray(np.round(K.normals_np, 12)).tobytes())
    digest.update(np.ascontiguousarray(np.round(K.offsets_np, 12)).tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Request:
    """What the controls ask for: a polytope, a method, the levers that act, the spectrum's range."""

    polytope: str
    polytope_name: str
    facets: int
    method: str
    method_used: str | None
    levers: tuple[tuple[str, Any], ...]
    spectrum_action_factor: float
    spectrum_rotation: float
    spectrum_levers: tuple[tuple[str, Any], ...] = ()
    implementation: str | None = None

    def describe(self) -> str:
        """One line: method and levers (what differs between two requests on one polytope)."""
        method = self.method if self.method_used in (None, self.method) else f"{self.method} ({self.method_used})"
        return f"{method}; {fmt_levers(dict(self.levers))}"

    def differences(self, other: "Request") -> list[str]:
        """What changed from ``other`` to this request, in words."""
        if self.polytope != other.polytope:
            return [f"the polytope ({other.polytope_name} -> {self.polytope_name})"]
        changes = []
        if self.method != other.method:
            changes.append(f"method {other.method} -> {self.method}")
        if self.implementation != other.implementation:
            changes.append(f"implementation {other.implementation or 'default'} -> {self.implementation or 'default'}")
        old, new = dict(other.levers), dict(self.levers)
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                changes.append(f"{name} {fmt_levers({name: old.get(name)}).split(' ', 1)[1]} -> "
                               f"{fmt_levers({name: new.get(name)}).split(' ', 1)[1]}")
        if (self.spectrum_action_factor, self.spectrum_rotation) != (other.spectrum_action_factor,
                                                                      other.spectrum_rotation):
            changes.append("the spectrum's range")
        old_s, new_s = dict(other.spectrum_levers), dict(self.spectrum_levers)
        moved = [n for n in sorted(set(old_s) | set(new_s)) if old_s.get(n) != new_s.get(n) and n not in new]
        if moved:
            changes.append(f"the spectrum's levers ({', '.join(moved)})")
        return changes


@dataclass(frozen=True)
class Run:
    """The outcome of one request: a capacity result or a plain-words error, and the spectrum or why not."""

    request: Request
    result: Any = None
    error: str | None = None
    spectrum: Any = ()  # a viterbo Spectrum (a list with .complete and .reason) once computed
    spectrum_note: str | None = None
    seconds: float = 0.0
    spectrum_seconds: float | None = None
    stamp: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.result is not None


def make_request(K: Polytope, method: str, chosen: dict[str, dict[str, Any]], *,
                 action_factor: float = DEFAULT_ACTION_FACTOR, rotation: float = 3.0,
                 implementation: str | None = None) -> Request:
    """The request for K with the picker's method and the chosen levers (``{method: {lever: value}}``).

    Only the levers that can act on K's capacity go into the request (:func:`acting_levers`), so
    that a lever that cannot act does not make the shown result stale.
    """
    try:
        used = resolve_method(K, method)
    except MethodNotApplicableError:
        used = None
    levers = tuple(sorted(acting_levers(K, method, chosen).items())) if used else ()
    reeb = chosen.get("reeb", {})
    spectrum_levers = tuple(sorted((k, v) for k, v in reeb.items() if k in ("use_cF_budgets", "use_memo")))
    return Request(polytope_key(K), K.name or "(unnamed)", K.n_facets, method, used, levers, float(action_factor),
                   float(rotation), spectrum_levers, implementation)


def spectrum_unavailable_reason(K: Polytope) -> str | None:
    """Why K has no spectrum here, in plain words with what to do; None when the spectrum can be computed.

    The spectrum comes from the Reeb-orbit search only (no other method lists orbits), so the
    advice names polytopes, never other methods.
    """
    from ..capacity.reeb.method import why_not_reeb

    if K.dim != 4:
        return (f"The spectrum is computed for polytopes in R^4; K is in R^{K.dim}. The capacity above does not "
                "need it. Pick a polytope in R^4 to see a spectrum.")
    why = why_not_reeb(K)
    if why is None:
        return None
    faces = lagrangian_two_faces(K)
    advice = ("The capacity above is not affected. To see a spectrum, pick a polytope without such faces: the "
              "cross-polytope, the 24-cell or a random hull.")
    if faces:
        shown = ", ".join(f"{i}∩{j}" for i, j in faces[:4]) + (", ..." if len(faces) > 4 else "")
        return (f"No spectrum for this polytope: {len(faces)} of its 2-faces are Lagrangian (ω vanishes on them; "
                f"facets {shown}), and the Reeb flow that the spectrum lists is not defined across such faces. "
                "No method in viterbo computes a spectrum there. " + advice
                + " (A symplectic map keeps Lagrangian faces Lagrangian, so moving K does not help.)")
    return ("No spectrum for this polytope: some of its 2-faces are so close to Lagrangian that double precision "
            "cannot follow the Reeb flow across them. " + advice + " A random hull with another seed usually works.")


def _error_text(exc: Exception, time_budget: float) -> str:
    text = round_numbers_in(str(exc))
    if isinstance(exc, TimeBudgetExceededError):
        return (f"The computation stopped at its time budget of {fmt_number(time_budget, 4)} s ({text}). Raise the "
                "time budget under Levers, lower rotation_cap, or pick a polytope with fewer facets.")
    if isinstance(exc, VerificationError):
        return (f"The witness failed its independent re-check, so no value is shown: {text}. This is a bug in the "
                'method; please report it with the polytope (its vertices are in "paste or upload vertices").')
    if isinstance(exc, MethodNotApplicableError):
        return text
    if isinstance(exc, LeverError):
        return (f"These settings do not fit the method: {text} Change the lever or the implementation under "
                "Levers (or choose method \"auto\").")
    return f"The computation failed: {text}"


def compute_run(K: Polytope, request: Request, chosen: dict[str, dict[str, Any]], *,
                time_budget: float = 60.0) -> Run:
    """Run ``capacity`` (re-checked by ``verify()``) and, where it exists, the spectrum for ``request``.

    Errors a user can meet (no method applies, out of time, a failed re-check) come back as
    ``Run.error`` in plain words; the spectrum's absence as ``Run.spectrum_note``.
    """
    start = time.perf_counter()
    try:
        resolve_method(K, request.method)  # a plain message when the method does not apply
        result = capacity(K, method=request.method, time_budget=float(time_budget),
                          implementation=request.implementation, **capacity_levers(request.method, chosen))
        result.verify()
    except ViterboError as exc:
        return Run(request, error=_error_text(exc, time_budget), seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    note = spectrum_unavailable_reason(K)
    orbits: Any = ()
    spectrum_seconds = None
    if note is None:
        remaining = max(1.0, float(time_budget) - seconds)
        reeb = chosen.get("reeb", {})
        t0 = time.perf_counter()
        try:
            orbits = reeb_spectrum(K, max_action=request.spectrum_action_factor * float(result.value),
                                   rotation_cap=request.spectrum_rotation,
                                   use_cF_budgets=bool(reeb.get("use_cF_budgets", True)),
                                   use_memo=bool(reeb.get("use_memo", True)), time_budget=remaining,
                                   implementation=request.implementation)
        except TimeBudgetExceededError as exc:
            note = (f"The spectrum search stopped at its time budget ({round_numbers_in(str(exc))}). Lower the "
                    "spectrum's action or rotation range, or raise the time budget.")
        except ViterboError as exc:
            note = f"No spectrum: {round_numbers_in(str(exc))}"
        spectrum_seconds = time.perf_counter() - t0
    return Run(request, result=result, spectrum=orbits, spectrum_note=note, seconds=seconds,
               spectrum_seconds=spectrum_seconds)


def remember(history: list[Run], run: Run, keep: int = KEEP_RUNS) -> list[Run]:
    """``history`` with ``run`` last: a run for the same request is replaced, the newest ``keep`` are kept.

    Returns a new list (the old one is untouched).  Passing a run already in ``history`` moves it to
    the end: going back to earlier settings shows their result again without recomputing, and the
    comparison is then between the settings seen last.
    """
    return [*(r for r in history if r.request != run.request), run][-keep:]


def recall(history: list[Run], request: Request) -> list[Run] | None:
    """``history`` with the run for ``request`` moved to the end, or None when there is none or it is already last."""
    known = next((r for r in history if r.request == request), None)
    if known is None or history[-1] is known:
        return None
    return remember(history, known)


def has_run(history: list[Run], request: Request) -> bool:
    """Whether ``history`` holds a run (successful or not) for exactly ``request``."""
    return any(run.request == request for run in history)


@dataclass(frozen=True)
class Screen:
    """What spectrum.py shows for a request.

    ``run``: the successful run on screen (None before any); ``changes``: what differs between the
    request and ``run`` (empty when ``run`` is up to date, else it is shown marked stale);
    ``failure``: the run for exactly this request when it failed (its ``error`` says why).
    """

    run: Run | None
    changes: tuple[str, ...] = ()
    failure: Run | None = None


def run_on_screen(history: list[Run], request: Request) -> Screen:
    """The run to show for ``request``: its own when it succeeded, else the last one that worked, marked stale.

    The last successful run on the same polytope is preferred to one on another polytope, so that a
    failed or pending setting keeps that polytope's last result on screen.
    """
    exact = next((r for r in reversed(history) if r.request == request), None)
    if exact is not None and exact.ok:
        return Screen(exact)
    good = [r for r in history if r.ok]
    same = [r for r in good if r.request.polytope == request.polytope]
    shown = (same or good or [None])[-1]
    changes = tuple(request.differences(shown.request) or ["the settings"]) if shown is not None else ()
    return Screen(shown, changes, exact)


def comparison_pair(history: list[Run]) -> tuple[Run, Run] | None:
    """The last two successful runs on the newest run's polytope with different settings, oldest first."""
    good = [r for r in history if r.ok]
    if len(good) < 2:
        return None
    newest = good[-1]
    for run in reversed(good[:-1]):
        if run.request.polytope == newest.request.polytope and run.request != newest.request:
            return run, newest
    return None


def _change(before: Any, after: Any) -> str:
    if isinstance(before, bool) or isinstance(after, bool) or before is None or after is None:
        return "same" if before == after else "changed"
    if isinstance(before, str) or isinstance(after, str):
        return "same" if before == after else "changed"
    b, a = float(before), float(after)
    if a == b:
        return "same"
    if b == 0:
        return f"{a - b:+.4g}"
    return f"{a - b:+.4g} ({(a - b) / abs(b):+.0%})"


def comparison_frame(before: Run, after: Run) -> Any:
    """Side by side: capacity, certification, method, time and every counter of two runs.

    Columns ``quantity``, ``group``, ``before``, ``after``, ``change`` (text, rounded for reading).
    """
    import pandas as pd

    rb, ra = before.result, after.result
    rows = [("capacity", "result", rb.value, ra.value, fmt_number), ("certified", "result", rb.certified,
                                                                      ra.certified, fmt_number),
            ("method", "result", rb.method, ra.method, str),
            ("time", "result", float(rb.stats.get("seconds", before.seconds)),
             float(ra.stats.get("seconds", after.seconds)), fmt_seconds)]
    cb = counters_frame(rb.stats, rb.method).set_index("counter")
    ca = counters_frame(ra.stats, ra.method).set_index("counter")
    names = list(ca.index) + [n for n in cb.index if n not in ca.index]
    counter_rows = []
    for name in names:
        group = ca.loc[name, "group"] if name in ca.index else cb.loc[name, "group"]
        vb = int(cb.loc[name, "count"]) if name in cb.index else None
        va = int(ca.loc[name, "count"]) if name in ca.index else None
        counter_rows.append((name, group, vb, va, fmt_number))
    counter_rows.sort(key=lambda r: COUNTER_GROUPS.index(r[1]) if r[1] in COUNTER_GROUPS else len(COUNTER_GROUPS))
    out = []
    for name, group, b, a, fmt in rows + counter_rows:
        change = (f"{a / b:.2f}x" if b else "") if name == "time" else _change(b, a)
        out.append({"quantity": name, "group": group, "before": fmt(b), "after": fmt(a), "change": change})
    return pd.DataFrame(out, columns=["quantity", "group", "before", "after", "change"])
