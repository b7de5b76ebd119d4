"""The result of a capacity computation and the independent re-check of its witness."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .._native_support import kernel_module
from ..errors import InvalidParameterError, VerificationError
from ..geometry.polytope import Polytope
from ._memo import memo

__all__ = ["Orbit", "CapacityResult", "orbit_action", "verify_orbit"]


class Orbit:
    """A closed polygonal characteristic on the boundary of a polytope.

    Parameters
    ----------
    breakpoints : array_like or torch.Tensor, shape (k, 2n)
        x_0, ..., x_{k-1}; segment i runs from x_i to x_{i+1} (indices mod k).
    facets : sequence of int
        Facet index (in the polytope's canonical order) of segment i.
    device : str, optional
        Device of the tensor :attr:`breakpoints` returns (default: that of a tensor passed in, else CPU).

    Attributes
    ----------
    breakpoints : torch.Tensor
        The breakpoints as a float64 tensor (``breakpoints_np``: the numpy array, no torch needed).
    facets : tuple[int, ...]
    """

    __slots__ = ("_X", "facets", "_device")

    def __init__(self, breakpoints, facets, *, device: str | None = None) -> None:
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(breakpoints, torch.Tensor):
            device = str(breakpoints.device) if device is None else device
            X = breakpoints.detach().to("cpu").double().numpy()
        else:
            X = np.asarray(breakpoints, dtype=np.float64)
        X = np.array(X, dtype=np.float64)
        X.flags.writeable = False
        facets = tuple(int(f) for f in facets)
        if X.ndim != 2 or X.shape[0] != len(facets):
            raise InvalidParameterError(
                f"Orbit: breakpoints have shape {X.shape} but there are {len(facets)} facets; "
                "need one facet per breakpoint (segment)."
            )
        object.__setattr__(self, "_X", X)
        object.__setattr__(self, "facets", facets)
        object.__setattr__(self, "_device", device or "cpu")

    @classmethod
    def _owning(cls, X: np.ndarray, facets: tuple[int, ...], *, device: str = "cpu") -> Orbit:
        """An Orbit that takes over X, a fresh float64 (k, 2n) array nobody else holds, and a tuple of ints
        (the methods' own results: no copy, no conversion)."""
        if X.dtype != np.float64 or X.ndim != 2 or X.shape[0] != len(facets):
            return cls(X, facets, device=device)
        X.flags.writeable = False
        orbit = object.__new__(cls)
        object.__setattr__(orbit, "_X", X)
        object.__setattr__(orbit, "facets", facets)
        object.__setattr__(orbit, "_device", device or "cpu")
        return orbit

    def __setattr__(self, name, value):
        raise AttributeError("Orbit is immutable")

    @property
    def breakpoints_np(self) -> np.ndarray:
        """The breakpoints, read-only float64 numpy array of shape (k, 2n)."""
        return self._X

    @property
    def breakpoints(self):
        """The breakpoints as a torch float64 tensor (imports torch)."""
        import torch

        return torch.tensor(np.array(self._X), dtype=torch.float64, device=self._device)

    @property
    def n_segments(self) -> int:
        return len(self.facets)

    def action(self) -> float:
        """The integral of lambda0 = 1/2 sum (q dp - p dq) around the loop."""
        return orbit_action(self._X)

    def to_dict(self) -> dict:
        return {"breakpoints": self._X.tolist(), "facets": list(self.facets)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Orbit):
            return NotImplemented
        return self.facets == other.facets and np.array_equal(self._X, other._X)

    def __hash__(self) -> int:
        return hash((self.facets, self._X.tobytes()))

    def __repr__(self) -> str:
        return f"Orbit(segments={len(self.facets)}, facets={self.facets})"


def orbit_action(points: np.ndarray) -> float:
    """Action of the closed polygon through ``points``: sum of 1/2 omega(x_i, x_{i+1}).

    Computed about the centroid of the points (the action of a closed loop is translation
    invariant), so that loops far from the origin do not lose digits to cancellation.
    """
    n = points.shape[1] // 2
    points = points - points.mean(axis=0)
    nxt = np.roll(points, -1, axis=0)
    return 0.5 * float((points[:, :n] * nxt[:, n:] - points[:, n:] * nxt[:, :n]).sum())


class _Findings(NamedTuple):
    """What the checks of :func:`verify_orbit` found, in the normal form (index -1: the check passed).

    The compiled kernel ``viterbo._native.verify_orbit_checks`` returns this tuple; :func:`_findings_python`
    is its numpy reference.  The messages are built from it by :func:`_messages`, the same for both.
    """

    outside_i: int  # breakpoint outside K (first of the largest excess), facet, slack / width
    outside_f: int
    outside_ratio: float
    start_i: int  # first segment whose start is off its facet, |slack| / width
    start_ratio: float
    end_i: int  # first segment whose end is off its facet
    end_ratio: float
    against_i: int  # first segment with <d, Jn> <= 0, and that product
    against: float
    leaves_i: int  # first segment off the Reeb direction, |across| / size
    leaves_ratio: float
    action: float  # action of the loop in the normal form
    action_bad: bool  # action differs from the value beyond tolerance and rounding floor
    times_sum: float  # sum of the flow times
    times_bad: bool  # flow times do not add up to the action


def verify_orbit(K: Polytope, orbit: Orbit, value: float, tol: float = 1e-9, *,
                 implementation: str | None = None) -> list[str]:
    """Re-check a witness from scratch; return the list of failures (empty when valid).

    Computed in the normal form of K (a translation, a power-of-two scale and an exactly symplectic
    map, derived from K alone, see :mod:`viterbo.geometry._frame`), where K is round and every
    check is scale free.  Checks: every breakpoint lies in K and on the facets of the segments it
    joins, within ``10 tol`` of the width of K along the facet normal; each segment is a positive
    multiple of the Reeb direction J n of its facet (J = -J0), off it by at most ``10 tol`` of the
    size of K; the flow times add up to the action; the action equals ``value`` to ``10 tol``
    relative.  Each bound also allows the rounding of the breakpoints to float64 in the caller's
    coordinates (a witness far from the origin cannot be more exact than its own coordinates).

    ``implementation``: None runs the checks in the compiled kernel when available
    (``viterbo._native.verify_orbit_checks``), "python" in the numpy reference (parity tests),
    "native" requires the kernel.  Both build the same messages.
    """
    X = orbit.breakpoints_np
    k, dim = X.shape
    if dim != K.dim:
        return [f"breakpoints are in R^{dim}, the polytope in R^{K.dim}"]
    if k < 2:
        return [f"an orbit needs at least 2 segments; got {k}"]
    if not (isinstance(value, (float, int, np.floating)) and math.isfinite(value) and value > 0):
        return [f"the reported value {value!r} is not a positive finite number"]
    m = K.n_facets
    if min(orbit.facets) < 0 or max(orbit.facets) >= m:
        bad = next(f for f in orbit.facets if f < 0 or f >= m)
        return [f"a segment names facet {bad}, which does not exist (K has {m})"]
    facets = np.asarray(orbit.facets)
    if not np.isfinite(X).all():
        return ["the breakpoints contain NaN or infinite entries"]
    frame, Kf = K._normal_form("symplectic")
    vf = frame.value_to_frame(float(value))
    N, H, w = Kf.normals_np, Kf.offsets_np, Kf.widths()
    size = memo(Kf, "verify:size", lambda: float(np.abs(Kf.vertices_np).max()))
    native = kernel_module(implementation, "verify_orbit_checks", "verify_orbit")
    if native is not None:  # the map to the normal form, the rounding floor and the checks in one call
        codes, data, abs_S = frame._program
        found = _Findings(*native.verify_orbit_checks(X, frame.centre, frame.exponent, codes, data, abs_S,
                                                      N, H, w, facets, size, vf, tol))
    else:
        Xf = frame.to_frame(X)
        E = frame.rounding_floor(X)  # per-entry bound on Xf's error from X's own rounding
        found = _findings_python(Xf, E, N, H, w, facets, size, vf, tol)
    return _messages(found, facets, frame, value, vf)


def _findings_python(Xf: np.ndarray, E: np.ndarray, N: np.ndarray, H: np.ndarray, w: np.ndarray,
                     facets: np.ndarray, size: float, vf: float, tol: float) -> _Findings:
    """The checks of :func:`verify_orbit` in numpy (reference of ``viterbo._native.verify_orbit_checks``)."""
    k, dim = Xf.shape
    pos_tol = 10 * tol
    slack = Xf @ N.T - H  # (k, m)
    allow = pos_tol * w[None, :] + E @ np.abs(N).T
    excess = slack - allow
    outside = (-1, -1, 0.0)
    if excess.max() > 0:
        i, f = np.unravel_index(np.argmax(excess), excess.shape)
        outside = (int(i), int(f), float(slack[i, f] / w[f]))
    nxt = np.roll(np.arange(k), -1)
    rows = np.arange(k)
    ends = []
    for idx in (rows, nxt):
        off = np.abs(slack[idx, facets])
        bad = np.flatnonzero(off > allow[idx, facets])
        ends.append((int(bad[0]), float(off[bad[0]] / w[facets[bad[0]]])) if bad.size else (-1, 0.0))
    n = dim // 2
    D = Xf[nxt] - Xf
    Nf = N[facets]
    U = np.concatenate([-Nf[:, n:], Nf[:, :n]], axis=1)  # J n, a unit vector
    along = (D * U).sum(axis=1)
    across = np.sqrt(((D - along[:, None] * U) ** 2).sum(axis=1))
    Enorm = np.sqrt((E * E).sum(axis=1))
    against = np.flatnonzero(along <= 0)
    against_at = (int(against[0]), float(along[against[0]])) if against.size else (-1, 0.0)
    leaves = np.flatnonzero(across > pos_tol * size + Enorm + Enorm[nxt])
    leaves_at = (int(leaves[0]), float(across[leaves[0]] / size)) if leaves.size else (-1, 0.0)
    action = orbit_action(Xf)
    # Rounding of X moves the action by at most 1/2 sum |E_i| . (|d_i| + |d_{i-1}|).
    floor = 0.5 * float((E * (np.abs(D) + np.abs(D[np.roll(rows, 1)]))).sum())
    action_bad = abs(action - vf) > pos_tol * abs(vf) + floor
    times = along * H[facets] / 2.0  # flow time on facet f: |d| h_f / 2 (any reference point: the loop is closed)
    times_sum = float(times.sum())
    times_bad = abs(times_sum - action) > pos_tol * abs(action) + floor + float(np.abs(H[facets]) @ Enorm)
    return _Findings(*outside, *ends[0], *ends[1], *against_at, *leaves_at, action, bool(action_bad), times_sum,
                     bool(times_bad))


def _messages(found: _Findings, facets: np.ndarray, frame, value: float, vf: float) -> list[str]:
    """The failures of :func:`verify_orbit`, one sentence each, from what its checks found."""
    problems: list[str] = []
    if found.outside_i >= 0:
        problems.append(f"breakpoint {found.outside_i} lies outside K (facet {found.outside_f} violated by "
                        f"{found.outside_ratio:.3g} of the width of K along its normal)")
    for label, i, ratio in (("start", found.start_i, found.start_ratio), ("end", found.end_i, found.end_ratio)):
        if i >= 0:
            problems.append(f"segment {i} {label} is {ratio:.3g} (of the width) off its facet {facets[i]}")
    if found.against_i >= 0:
        i = found.against_i
        problems.append(f"segment {i} runs against the Reeb direction of facet {facets[i]} "
                        f"(<d, Jn> = {found.against:.3g} in the normal form)")
    if found.leaves_i >= 0:
        i = found.leaves_i
        problems.append(f"segment {i} leaves the Reeb direction of facet {facets[i]} by {found.leaves_ratio:.3g} "
                        "of the size of K")
    if found.action_bad:
        problems.append(f"action of the witness is {frame.value_from_frame(found.action)!r}, the reported value is "
                        f"{value!r} (relative difference {abs(found.action - vf) / vf:.3g})")
    if found.times_bad:
        problems.append(f"flow times add up to {found.times_sum / found.action:.12g} times the action")
    return problems


@dataclass(frozen=True)
class CapacityResult:
    """The outcome of :func:`viterbo.capacity`.

    Attributes
    ----------
    value : float
        c_EHZ(K).  ``float(result)`` gives it too.
    method : str
        The method that ran (for ``method="auto"``, the one it chose).
    orbit : Orbit
        The witness closed characteristic, with action ``value``.
    stats : dict
        Search counters (examined, pruned by rule, ...) and ``seconds``.
    polytope : Polytope
        The input.
    params : dict
        The method's keyword arguments (levers), echoed.
    certified : bool
        True when the method proved ``value``; False with ``reason`` otherwise.
    reason : str or None
        Why the result is not certified.
    """

    value: float
    method: str
    orbit: Orbit
    stats: dict[str, Any]
    polytope: Polytope
    params: dict[str, Any] = field(default_factory=dict)
    certified: bool = True
    reason: str | None = None

    def __float__(self) -> float:
        return float(self.value)

    def systolic_ratio(self) -> float:
        """c^n / (n! vol(K)), computed scale free (the volume of a body of size 1e100 overflows)."""
        return systolic_from(self.value, self.polytope)

    def verify(self, tol: float = 1e-9) -> bool:
        """Re-check the witness independently of the method.

        Returns
        -------
        bool
            True when every check passes.

        Raises
        ------
        VerificationError
            Listing each failed check.
        """
        problems = verify_orbit(self.polytope, self.orbit, self.value, tol)
        if problems:
            raise VerificationError(f"witness of method {self.method!r} failed verify(): " + "; ".join(problems))
        return True

    def to_dict(self) -> dict:
        """JSON-ready summary (value, method, systolic ratio, stats, orbit)."""
        return {"value": self.value, "method": self.method, "systolic_ratio": self.systolic_ratio(),
                "certified": self.certified, "reason": self.reason, "params": dict(self.params),
                "stats": dict(self.stats), "orbit": self.orbit.to_dict()}

    def __repr__(self) -> str:
        flag = "" if self.certified else ", certified=False"
        return f"CapacityResult(value={self.value!r}, method={self.method!r}{flag})"


def systolic_from(value: float, K: Polytope) -> float:
    """c^n / (n! vol(K)) by logarithms: scale invariant, so no t^{2n} under- or overflow."""
    n = K.dim // 2
    lv = K._log2_volume()
    if -900 < lv < 900 and 1e-150 < value < 1e150:
        return value**n / (math.factorial(n) * K.volume())
    return 2.0 ** (n * math.log2(value) - math.log2(math.factorial(n)) - lv)
