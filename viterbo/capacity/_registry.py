"""The method contract and the one table of capacity methods.

Every client reads :data:`METHODS` (through :func:`methods` and :func:`get_method`): ``capacity()``
and "auto", the CLI's options, the notebook's controls, the lever sweep, the snapshot grid and the
conformance suite.  A method is

* its **name** and **function** ``func(K, *, budget, [implementation,] **levers) -> CapacityResult``;
* **applicability**: ``why_not(K)`` is None when it applies, else a sentence saying why not;
* typed **levers** (:class:`Lever`): keyword arguments with a default, a kind, a one-line doc and, for
  a pruning rule, the ``stats`` counter that shows it firing;
* the **implementation switch**: a method with a compiled ``kernel`` (a function of ``viterbo._native``)
  takes ``implementation=None | "native" | "python"`` and records the path that ran as
  ``result.stats["implementation"]``;
* its **counters**: ``stats`` keys it always reports, the work counter first.

The signature of each function is checked against its row when the table is built: a lever added to
a function but not to the table (or with another default) fails at import, so the two cannot drift.

=============  ====  ==============================================================  ==============  ================
method         rank  levers (default; bare = on)                                     implementation  work counter
=============  ====  ==============================================================  ==============  ================
area           0     -                                                               python          -
split_product  5     -                                                               python          -
billiard       10    -                                                               native, python  lp_solved
reeb           30    rotation_cap=2.0 use_cF_budgets use_memo                        native, python  nodes_expanded
haim_kislev    50    variant=auto swap_rule commute_rule inertia_rule progress=None  native, python  subsets_examined
=============  ====  ==============================================================  ==============  ================

(:func:`format_table` prints this table from the rows below; a test keeps the two equal.)
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .._native_support import IMPLEMENTATIONS, check_implementation
from ..errors import LeverError, MethodNotApplicableError
from ..geometry.polytope import Polytope

__all__ = ["Lever", "Method", "METHODS", "register", "unregister", "methods", "get_method", "on_off_grid",
           "work_counters", "lever_names", "describe", "format_table"]

_KINDS = (bool, int, float, str)


@dataclass(frozen=True)
class Lever:
    """A keyword argument of a capacity method: typed, with a default and a one-line doc.

    Attributes
    ----------
    name : str
        The keyword.
    default : bool, int, float, str or None
        The function's default (checked against its signature).
    doc : str
        One line for ``--help``, tooltips and the docs table.
    kind : type, optional
        bool, int, float or str; taken from ``default`` unless the default is None.
    choices : tuple, optional
        The allowed values of a text lever.
    minimum : float, optional
        Numbers must be at least this.
    counter : str, optional
        The ``stats`` counter that counts the lever's rule firing (``pruned_memo``, ...).
    sweep : bool
        Part of the on/off lever grid (default: every boolean lever with a boolean default).
    """

    name: str
    default: Any
    doc: str
    kind: type | None = None
    choices: tuple | None = None
    minimum: float | None = None
    counter: str | None = None
    sweep: bool | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            if self.default is None:
                raise TypeError(f"Lever {self.name!r}: give kind= when the default is None")
            object.__setattr__(self, "kind", type(self.default))
        if self.kind not in _KINDS:
            raise TypeError(f"Lever {self.name!r}: kind must be one of bool, int, float, str; got {self.kind!r}")
        if self.sweep is None:
            object.__setattr__(self, "sweep", self.kind is bool and isinstance(self.default, bool))

    def expects(self) -> str:
        """What the lever accepts, in words (for messages and --help)."""
        if self.choices:
            text = " or ".join(repr(c) for c in self.choices)
        elif self.kind is bool:
            text = "True or False"
        elif self.kind is str:
            text = "a string"
        else:
            text = f"a {'whole ' if self.kind is int else ''}number" + (
                f" >= {self.minimum:g}" if self.minimum is not None else "")
        return text + (" or None" if self.default is None else "")

    def check(self, value: Any, who: str) -> Any:
        """``value`` in the lever's kind (numbers as float/int), or a LeverError naming what it expects."""
        if value is None and self.default is None:
            return None
        ok = False
        if self.kind is bool:
            ok = isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy bool too
            value = bool(value) if ok else value
        elif self.kind in (int, float):
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
            if ok and self.kind is int:
                ok = float(value) == int(value)
            if ok:
                value = self.kind(value)
                ok = self.minimum is None or value >= self.minimum
        elif self.kind is str:
            ok = isinstance(value, str)
        if ok and self.choices is not None:
            ok = value in self.choices
        if not ok:
            raise LeverError(f"{who}: {self.name}={value!r}; expected {self.expects()} ({self.doc}).")
        return value


@dataclass(frozen=True)
class Method:
    """A capacity method: one row of :data:`METHODS` (see the module docstring)."""

    name: str
    func: Callable
    why_not: Callable[[Polytope], str | None]
    auto_rank: int
    summary: str
    levers: tuple[Lever, ...] = ()
    kernel: str | None = None
    counters: tuple[str, ...] = ()
    exact: bool = True
    #: The normal form the method computes on (:mod:`viterbo.capacity._frame`): "symplectic" (translated,
    #: scaled, made round by an exactly symplectic map: any symplectic polytope) or "similarity"
    #: (translation and power-of-two scale only: methods that read the coordinate product structure).
    frame: str = "symplectic"

    @property
    def implementations(self) -> tuple[str, ...]:
        """("native", "python") for a method with a compiled kernel, else ("python",)."""
        return IMPLEMENTATIONS if self.kernel else ("python",)

    @property
    def work_counter(self) -> str | None:
        """The ``stats`` key that measures the method's work (first of ``counters``), or None."""
        return self.counters[0] if self.counters else None

    @property
    def lever_names(self) -> tuple[str, ...]:
        return tuple(lever.name for lever in self.levers)

    def lever(self, name: str) -> Lever | None:
        """The lever called ``name``, or None."""
        return next((lever for lever in self.levers if lever.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """Every lever at its default."""
        return {lever.name: lever.default for lever in self.levers}

    def grid(self) -> list[dict[str, bool]]:
        """Every on/off assignment of the sweep levers, all on first; ``[{}]`` when there are none."""
        return on_off_grid(lever.name for lever in self.levers if lever.sweep)

    def describe_levers(self) -> str:
        """``"rotation_cap=2.0 use_memo"``: each lever with its default (a boolean lever bare when on), or "-"."""
        return " ".join(lv.name if lv.default is True else f"{lv.name}={_show(lv.default)}"
                        for lv in self.levers) or "-"

    def check_levers(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The levers in ``params`` checked and converted; a LeverError for an unknown name or a bad value."""
        unknown = [k for k in params if self.lever(k) is None]
        if unknown:
            have = ", ".join(self.lever_names) or "none"
            impl = ' and implementation="native"|"python"' if self.kernel else ""
            raise LeverError(f'capacity(method="{self.name}"): unknown keyword{"s" if len(unknown) > 1 else ""} '
                             f"{', '.join(unknown)}; its levers are: {have}{impl}.")
        return {k: self.lever(k).check(v, f'capacity(method="{self.name}")') for k, v in params.items()}

    def check_implementation(self, implementation: str | None) -> str | None:
        """``implementation`` when this method can honour it; a LeverError otherwise."""
        check_implementation(implementation, f'capacity(method="{self.name}")')
        if implementation == "native" and not self.kernel:
            raise LeverError(f'capacity(method="{self.name}"): implementation="native", but "{self.name}" has '
                             'no compiled kernel (it is pure Python); leave implementation unset or use "python".')
        return implementation


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def on_off_grid(names: Iterable[str]) -> list[dict[str, bool]]:
    """Every True/False assignment of the boolean levers ``names``, all-True first; ``[{}]`` for none."""
    names = tuple(names)
    return [dict(zip(names, values)) for values in itertools.product((True, False), repeat=len(names))]


def _check_signature(method: Method) -> None:
    """The function's keyword-only parameters must be exactly budget, the levers (same defaults)
    and, for a method with a compiled kernel, implementation=None."""
    params = inspect.signature(method.func).parameters
    keywords = {n: p for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    expected = {"budget", *method.lever_names} | ({"implementation"} if method.kernel else set())
    if set(keywords) != expected:
        raise TypeError(f"method {method.name!r}: {method.func.__qualname__} takes keywords {sorted(keywords)}, "
                        f"but its registry row declares {sorted(expected)}; change one to match the other.")
    for lever in method.levers:
        if keywords[lever.name].default != lever.default:
            raise TypeError(f"method {method.name!r}: lever {lever.name} defaults to {lever.default!r} in the "
                            f"registry but to {keywords[lever.name].default!r} in {method.func.__qualname__}.")
    if method.kernel and keywords["implementation"].default is not None:
        raise TypeError(f"method {method.name!r}: implementation must default to None (native when available).")


_METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a method (a new row, or a test double) after checking its signature against its levers."""
    _check_signature(method)
    if method.frame not in ("symplectic", "similarity"):
        raise ValueError(f'method {method.name!r}: frame={method.frame!r}; choose "symplectic" or "similarity".')
    _METHODS[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method added with :func:`register` (test doubles)."""
    _METHODS.pop(name, None)


def methods() -> list[Method]:
    """The registered methods, in "auto" order."""
    return sorted(_METHODS.values(), key=lambda s: (s.auto_rank, s.name))


def get_method(name: str) -> Method:
    try:
        return _METHODS[name]
    except (KeyError, TypeError):
        valid = ", ".join(['"auto"'] + [f'"{s.name}"' for s in methods()])
        raise MethodNotApplicableError(f"unknown capacity method {name!r}; choose one of {valid}.") from None


def lever_names() -> dict[str, list[str]]:
    """Lever name -> the methods that have it (for "auto", which accepts the union)."""
    out: dict[str, list[str]] = {}
    for m in methods():
        for lever in m.levers:
            out.setdefault(lever.name, []).append(m.name)
    return out


def work_counters() -> tuple[str, ...]:
    """The work counter of each method that has one, in "auto" order: the one list every client reads."""
    return tuple(dict.fromkeys(m.work_counter for m in methods() if m.work_counter))


def describe() -> list[dict[str, str]]:
    """The table of the module docstring, one dict per method (name, rank, levers, implementation, counter)."""
    return [{"method": m.name, "rank": str(m.auto_rank), "levers (default; bare = on)": m.describe_levers(),
             "implementation": ", ".join(m.implementations), "work counter": m.work_counter or "-"}
            for m in methods()]


def format_table(rows: list[dict[str, str]] | None = None) -> str:
    """:func:`describe` as a reStructuredText simple table (the one in this module's docstring)."""
    rows = describe() if rows is None else rows
    columns = list(rows[0])
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in columns]
    rule = "  ".join("=" * w for w in widths)
    line = lambda cells: "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([rule, line(columns), rule, *(line([r[c] for c in columns]) for r in rows), rule])


# ------------------------------------------------------------------------------------------------ the table
def _table() -> tuple[Method, ...]:
    from . import area, billiard, haim_kislev, split_product
    from .reeb import method as reeb

    return (
        Method("area", area.area_capacity, area._why_not, auto_rank=0,
               summary="polygons in R^2: c = area"),
        Method("split_product", split_product.split_product_capacity, split_product._why_not, auto_rank=5,
               summary="K1 x K2 in the (q1,p1)- and (q2,p2)-planes (recognised from the facets): "
                       "c = min(area K1, area K2)", frame="similarity"),
        Method("billiard", billiard.billiard_capacity, billiard._why_not, auto_rank=10,
               summary="Lagrangian products K x T of polygons (recognised from the facets): shortest closed "
                       "(K,T)-Minkowski billiard with 2 or 3 bounces, one small LP per combinatorial type "
                       "(Rudolf; Haim-Kislev–Ostrover)",
               kernel="billiard_minimum", counters=("lp_solved", "types"), frame="similarity"),
        Method("reeb", reeb.reeb_capacity, reeb.why_not_reeb, auto_rank=30,
               summary="symplectic polytopes in R^4 (no Lagrangian 2-face): Chaidez–Hutchings combinatorial Reeb "
                       "orbits, depth-first search over the 2-face flow graph with exact polygonal domains",
               levers=(
                   Lever("rotation_cap", 2.0, "fast pass: search orbits with rotation number <= this first (2 "
                         "suffices for c_EHZ, CH Cor 1.15); what it cuts is searched by the certification pass, so "
                         "the value never depends on it", minimum=2.0, counter="pruned_rotation"),
                   Lever("use_cF_budgets", True, "fast pass: defer paths whose c_F sum plus the cheapest return "
                         "exceeds the cap to the certification pass", counter="pruned_cF_budget"),
                   Lever("use_memo", True, "dominance memo at faces a path returns to", counter="pruned_memo"),
               ),
               kernel="reeb_capacity_search",
               counters=("nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
                         "pruned_memo", "pruned_facet_repeat", "cycles_closed")),
        Method("haim_kislev", haim_kislev.haim_kislev_capacity, haim_kislev._why_not, auto_rank=50,
               summary="any polytope in R^{2n} with m <= 24 facets (32 antipodal pairs when centrally symmetric): "
                       "Haim-Kislev's formula, a maximum over ordered facet subsets with exact KKT solves "
                       "and exact pruning rules",
               levers=(
                   Lever("variant", "auto", 'formula: "symmetric" (K = -K, HK Cor 1.2), "general", or "auto"',
                         choices=("auto", "general", "symmetric")),
                   Lever("swap_rule", True, "drop orders with omega(n_next, n_prev) < 0 at an adjacent pair",
                         counter="pruned_swap"),
                   Lever("commute_rule", True, "one order per class of swaps of omega-commuting facets",
                         counter="pruned_commute"),
                   Lever("inertia_rule", True, "compiled search: drop prefixes failing the second-order "
                         "condition", counter="pruned_inertia"),
                   Lever("progress", None, "a progress line on stderr every 2 s (None: when stderr is a terminal)",
                         kind=bool),
               ),
               kernel="haim_kislev_search",
               counters=("subsets_examined", "kkt_solves", "pruned_swap", "pruned_commute")),
    )


#: The methods, in "auto" order (lower rank first: faster, narrower).
METHODS: tuple[Method, ...] = tuple(register(m) for m in _table())
