"""The conformance suite every capacity method must pass (scikit-learn's estimator checks, our way).

:func:`conformance_cases` yields ``(method_name, check)`` pairs; each check is a
plain function ``check(method_name) -> None`` that raises ``AssertionError``
with a message saying what to fix, or ``unittest.SkipTest`` with the reason a
check does not apply.  Applicability is decided by the method's own
``why_not``: a method only gets the polytopes it accepts.  Each check carries
``tier`` ("smoke" or "deep") for the test runner.

Checks (ids name them, so ``pytest -k reference_cube`` works):

* ``reference_<body>``: the value on a body of conventions.md's table, and ``verify()``.
* ``translation``, ``scaling``, ``symplectic_invariance``, ``monotonicity``.
* ``witness_verifies``, ``deterministic``, ``input_unchanged``.
* ``inapplicable_raises``: a polytope the method rejects raises MethodNotApplicableError naming it.
* ``tiny_budget_raises``: a budget of 1e-9 s raises TimeBudgetExceededError.
* ``contract``: the method's registry row holds: the counters it declares are integers in ``stats``,
  ``stats["implementation"]`` says which path ran and follows ``implementation=``, ``params`` echoes
  every lever, an unknown keyword raises LeverError naming the levers.

New methods are picked up from the registry; nothing here lists them except
:data:`BUDGET_EXEMPT` (closed forms with no loop to interrupt) and
:data:`KNOWN_FAILURES` (strict xfail).
"""

from __future__ import annotations

import copy
import math
import unittest
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .._native_support import native_available
from ..errors import LeverError, MethodNotApplicableError, TimeBudgetExceededError
from ..geometry import families
from ..geometry.polytope import Polytope
from ..geometry.symplectic import random_symplectic_matrix
from ._registry import Method, get_method
from .agreement import AGREEMENT_REL_TOL, values_agree

__all__ = ["conformance_cases", "checks_for", "REFERENCES", "KNOWN_FAILURES", "BUDGET_EXEMPT",
           "SMOKE_MAX_FACETS", "REL_TOL"]

#: Agreement with reference values and invariances, relative (the one rule: :mod:`.agreement`).
REL_TOL = AGREEMENT_REL_TOL
#: Reference bodies with at most this many facets run in the smoke tier, the rest in deep.
SMOKE_MAX_FACETS = 10

#: Methods that are closed forms: nothing to interrupt, so a tiny budget cannot be triggered.
BUDGET_EXEMPT: dict[str, str] = {
    "area": "closed form (shoelace area), no search loop that could check a budget",
}

#: {(method, check name): reason}: run as strict xfail, so a fixed gap turns red until removed.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Reference:
    """A body with a published capacity (docs/math/conventions.md)."""

    name: str
    build: Callable[[], Polytope]
    value: float
    source: str


def _hexagon() -> Polytope:
    return families.regular_polygon(6)


def _triangle_product() -> Polytope:
    return families.by_name("triangle_x_triangle")


REFERENCES: tuple[Reference, ...] = (
    Reference("hexagon", _hexagon, 1.5 * math.sqrt(3), "planar polygon: c = area"),
    Reference("square_split", lambda: families.symplectic_product(families.regular_polygon(4),
                                                                  families.regular_polygon(3)),
              3 * math.sqrt(3) / 4, "split product: min(area 2, area 3 sqrt 3 / 4)"),
    Reference("simplex", families.simplex, 0.25, "Chaidez–Hutchings; Zediker"),
    Reference("triangle_x_triangle", _triangle_product, 1.5, "brute force (conventions.md)"),
    Reference("cube", families.cube, 4.0, "Haim-Kislev 2019"),
    Reference("pentagon_counterexample", families.pentagon_counterexample,
              2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5)), "Haim-Kislev–Ostrover 2024"),
    Reference("cross_polytope", families.cross_polytope, 1.0, "brute-force Haim-Kislev"),
    Reference("cell24", families.cell24, 2.0, "Chaidez–Hutchings"),
)


# ---------------------------------------------------------------------------------------------- pools
def _probe_pool() -> list[Polytope]:
    """Small polytopes of every kind, cheapest first: the first one a method accepts is its probe."""
    return [families.regular_polygon(5),
            families.lagrangian_product(families.regular_polygon(3), families.regular_polygon(4, angle=0.3)),
            families.symplectic_product(families.regular_polygon(3), families.regular_polygon(4)),
            families.simplex(),
            families.random_halfspaces(6, 4, seed=1),
            families.random_halfspaces(7, 4, seed=2)]


def _rejected_pool() -> list[Polytope]:
    """Polytopes of different kinds; a method must reject at least one of them with a message."""
    return [families.regular_polygon(4), families.cross_polytope(), families.simplex(),
            families.lagrangian_product(families.regular_polygon(5), families.regular_polygon(3)),
            families.cube(6), families.random_halfspaces(30, 4, seed=5)]


def _budget_pool() -> list[Polytope]:
    """Large inputs, largest first: the first one a method accepts gets a tiny budget."""
    return [families.lagrangian_product(families.regular_polygon(20), families.regular_polygon(20, angle=0.1)),
            families.symplectic_product(families.regular_polygon(20), families.regular_polygon(12)),
            families.random_halfspaces(12, 4, seed=3),
            families.cross_polytope(), families.simplex(), families.regular_polygon(40)]


def _monotone_pairs() -> list[tuple[Polytope, Polytope]]:
    """(inner, outer) with inner ⊆ outer, of every kind."""
    tri, hexa = families.regular_polygon(3), families.regular_polygon(6)
    square = families.regular_polygon(4, radius=math.sqrt(2), angle=math.pi / 4)  # [-1, 1]^2 ⊃ tri
    K = families.random_halfspaces(7, 4, seed=4)
    H = K.offsets_np.copy()
    H[0] += 0.3
    return [(tri, hexa),
            (families.lagrangian_product(tri, tri), families.lagrangian_product(hexa, tri)),
            (families.symplectic_product(tri, square), families.symplectic_product(square, square)),
            (K, Polytope.from_halfspaces(K.normals_np, H)),
            (families.simplex(), families.cross_polytope())]


def _applies(spec: Method, K: Polytope) -> bool:
    return spec.why_not(K) is None


def _first(spec: Method, pool: list[Polytope]) -> Polytope | None:
    return next((K for K in pool if _applies(spec, K)), None)


# ---------------------------------------------------------------------------------------------- helpers
def _run(method: str, K: Polytope, **kw):
    from . import capacity  # late import: this module is imported by the package
    return capacity(K, method=method, **kw)


def _assert_value(method: str, K: Polytope, got: float, want: float, what: str) -> None:
    assert values_agree(got, want), (f'method "{method}" on {K.name or K!r}: {what} gives {got!r}, expected '
                               f'{want!r} (relative error {abs(got - want) / max(abs(want), 1e-300):.3g} '
                               f'> {REL_TOL:g}). A method disagreeing with a reference value is a bug to find.')


def _named(name: str, tier: str, func: Callable[[str], None]) -> Callable[[str], None]:
    func.__name__ = name
    func.__qualname__ = name
    func.tier = tier  # type: ignore[attr-defined]
    return func


def _symplectic_maps(dim: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """Symplectic maps to try: generic first, then ones that preserve product structures."""
    n = dim // 2
    out = [("random", random_symplectic_matrix(n, seed).cpu().numpy())]
    if dim == 4:
        rng = np.random.default_rng(seed)
        A = np.eye(2) + 0.4 * rng.normal(size=(2, 2))
        # block-diag(A, A^{-T}) maps K x T to AK x A^{-T}T: still a Lagrangian product
        out.append(("diag(A, A^-T)", np.block([[A, np.zeros((2, 2))], [np.zeros((2, 2)), np.linalg.inv(A).T]])))
        # S1 on (q1, p1) and S2 on (q2, p2), det 1 each: still a split product
        S = []
        for _ in range(2):
            B = np.eye(2) + 0.4 * rng.normal(size=(2, 2))
            if np.linalg.det(B) < 0:
                B = B[:, ::-1].copy()
            S.append(B / math.sqrt(np.linalg.det(B)))
        M = np.zeros((4, 4))
        M[np.ix_([0, 2], [0, 2])] = S[0]
        M[np.ix_([1, 3], [1, 3])] = S[1]
        out.append(("SL2 x SL2 split", M))
    elif dim == 2:
        out = [("SL2", out[0][1])]
    return out


# ---------------------------------------------------------------------------------------------- checks
def _reference_check(ref: Reference) -> Callable[[str], None]:
    def check(method: str) -> None:
        K = ref.build()
        result = _run(method, K)
        _assert_value(method, K, result.value, ref.value, f"the reference value ({ref.source})")
        result.verify()

    return check


def checks_for(spec: Method) -> Iterator[Callable[[str], None]]:
    """The checks that apply to one method (by its ``why_not``)."""
    for ref in REFERENCES:
        K = ref.build()
        if _applies(spec, K):
            tier = "smoke" if K.n_facets <= SMOKE_MAX_FACETS else "deep"
            yield _named(f"reference_{ref.name}", tier, _reference_check(ref))
    probe = _first(spec, _probe_pool())
    if probe is not None:
        yield from _probe_checks(spec, probe)
    yield _named("monotonicity", "smoke", _check_monotonicity)
    yield _named("inapplicable_raises", "smoke", _check_inapplicable)
    yield _named("tiny_budget_raises", "smoke", _check_tiny_budget)


def _probe_checks(spec: Method, probe: Polytope) -> Iterator[Callable[[str], None]]:
    def translation(method: str) -> None:
        base = _run(method, probe).value
        v = np.linspace(0.3, -0.7, probe.dim)
        moved = probe.translate(v)
        if not _applies(spec, moved):
            raise unittest.SkipTest(f"translate(K) is not accepted by {method}: {spec.why_not(moved)}")
        _assert_value(method, moved, _run(method, moved).value, base, "c(K + v) vs c(K)")

    def scaling(method: str) -> None:
        base = _run(method, probe).value
        for t in (0.5, 3.0):
            _assert_value(method, probe, _run(method, probe.scale(t)).value, t * t * base, f"c({t} K) vs {t}^2 c(K)")

    def symplectic_invariance(method: str) -> None:
        base = _run(method, probe).value
        tried = []
        for seed in (0, 1):
            for label, M in _symplectic_maps(probe.dim, seed):
                image = probe.transform(M)
                if not _applies(spec, image):
                    tried.append(label)
                    continue
                _assert_value(method, image, _run(method, image).value, base, f"c(M K) vs c(K) for M = {label}")
                return
        raise unittest.SkipTest(f"no symplectic image of the probe is accepted by {method} (tried {tried})")

    def witness_verifies(method: str) -> None:
        result = _run(method, probe)
        assert result.method == method, f'capacity(method="{method}") reports method {result.method!r}'
        assert result.orbit.breakpoints.shape[1] == probe.dim
        result.verify()

    def deterministic(method: str) -> None:
        a, b = _run(method, probe), _run(method, probe)
        assert a.value == b.value, f'method "{method}" is not deterministic: {a.value!r} then {b.value!r}'
        assert a.orbit.facets == b.orbit.facets, f'method "{method}": witness facets differ between runs'
        assert np.array_equal(a.orbit.breakpoints.cpu().numpy(), b.orbit.breakpoints.cpu().numpy()), \
            f'method "{method}": witness breakpoints differ between runs'

    def input_unchanged(method: str) -> None:
        K = probe
        before = (K.vertices_np.copy(), K.normals_np.copy(), K.offsets_np.copy(), copy.deepcopy(K.structure),
                  hash(K), K.name)
        _run(method, K)
        after = (K.vertices_np, K.normals_np, K.offsets_np, K.structure, hash(K), K.name)
        for x, y, what in zip(before, after, ("vertices", "normals", "offsets", "structure", "hash", "name")):
            same = (np.array_equal(x, y) if isinstance(x, np.ndarray)
                    else _same_structure(x, y) if what == "structure" else x == y)
            assert same, f'method "{method}" changed its input polytope ({what})'

    def contract(method: str) -> None:
        result = _run(method, probe)
        for counter in spec.counters:
            value = result.stats.get(counter)
            assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, (
                f'method "{method}" declares the counter {counter!r} in its registry row, but stats[{counter!r}] '
                f"is {value!r}; report it as a non-negative int (or drop it from the row)")
        assert result.params == spec.defaults(), (
            f'method "{method}": result.params is {result.params!r}, expected every lever at its default '
            f"{spec.defaults()!r}")
        expected = "native" if spec.kernel and native_available() else "python"
        assert result.stats.get("implementation") == expected, (
            f'method "{method}": stats["implementation"] is {result.stats.get("implementation")!r}, expected '
            f"{expected!r} (the compiled kernel {spec.kernel!r} runs by default when available)")
        for forced in spec.implementations:
            if forced == "native" and not native_available():
                continue
            got = _run(method, probe, implementation=forced)
            assert got.stats["implementation"] == forced, (
                f'method "{method}" with implementation="{forced}" ran {got.stats["implementation"]!r}')
            _assert_value(method, probe, got.value, result.value, f'implementation="{forced}"')
        try:
            _run(method, probe, no_such_lever=1)
        except LeverError as exc:
            assert "no_such_lever" in str(exc) and all(name in str(exc) for name in spec.lever_names), (
                f'method "{method}": the LeverError should name the keyword and the levers; got {exc}')
        else:
            raise AssertionError(f'method "{method}" accepted an unknown keyword')

    for func in (translation, scaling, symplectic_invariance, witness_verifies, deterministic, input_unchanged,
                 contract):
        yield _named(func.__name__, "smoke", func)


def _same_structure(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(
        np.array_equal(a[k], b[k]) if isinstance(a[k], np.ndarray) else a[k] == b[k] for k in a)


def _check_monotonicity(method: str) -> None:
    spec = get_method(method)
    for inner, outer in _monotone_pairs():
        if _applies(spec, inner) and _applies(spec, outer):
            a, b = _run(method, inner).value, _run(method, outer).value
            assert a <= b * (1 + REL_TOL), (f'method "{method}": c(inner) = {a!r} > c(outer) = {b!r} for '
                                            f'{inner!r} ⊆ {outer!r}; capacities are monotone')
            return
    raise unittest.SkipTest(f"no (inner, outer) pair of the pool is accepted by {method}")


def _check_inapplicable(method: str) -> None:
    spec = get_method(method)
    K = next((K for K in _rejected_pool() if not _applies(spec, K)), None)
    if K is None:
        raise unittest.SkipTest(f"{method} accepts every polytope of the pool")
    try:
        _run(method, K)
    except MethodNotApplicableError as exc:
        assert method in str(exc) and len(str(exc)) > 40, (
            f'method "{method}": the MethodNotApplicableError message should name the method and say why; '
            f"got {str(exc)!r}")
    else:
        raise AssertionError(f'method "{method}" accepted {K!r} although its why_not says: {spec.why_not(K)}')


def _check_tiny_budget(method: str) -> None:
    if method in BUDGET_EXEMPT:
        raise unittest.SkipTest(f"{method}: {BUDGET_EXEMPT[method]}")
    spec = get_method(method)
    K = _first(spec, _budget_pool())
    if K is None:
        raise unittest.SkipTest(f"no polytope of the budget pool is accepted by {method}")
    try:
        _run(method, K, time_budget=1e-9)
    except TimeBudgetExceededError as exc:
        assert "budget" in str(exc)
    else:
        raise AssertionError(f'method "{method}" returned a value on {K!r} within a budget of 1e-9 s; it must '
                             "check its Budget (budget.check()) and raise TimeBudgetExceededError")


def conformance_cases(specs: list[Method]) -> Iterator[tuple[str, Callable[[str], None]]]:
    """Every (method name, check) pair that applies, for the methods given (e.g. all registered).

    Examples
    --------
    >>> from viterbo.capacity._registry import methods
    >>> cases = list(conformance_cases([s for s in methods() if s.name == "billiard"]))
    >>> "reference_pentagon_counterexample" in {check.__name__ for _, check in cases}
    True
    """
    for spec in specs:
        for check in checks_for(spec):
            yield spec.name, check
