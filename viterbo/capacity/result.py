"""The result of a capacity computation and the independent re-check of its witness."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import VerificationError
from ..geometry.polytope import Polytope

__all__ = ["Orbit", "CapacityResult", "orbit_action", "verify_orbit"]


@dataclass(frozen=True)
class Orbit:
    """A closed polygonal characteristic on the boundary of a polytope.

    Attributes
    ----------
    breakpoints : torch.Tensor, shape (k, 2n)
        x_0, ..., x_{k-1}; segment i runs from x_i to x_{i+1} (indices mod k).
    facets : tuple[int, ...]
        Facet index (in the polytope's canonical order) of segment i.
    """

    breakpoints: torch.Tensor
    facets: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.breakpoints.ndim != 2 or self.breakpoints.shape[0] != len(self.facets):
            raise ValueError(
                f"Orbit: breakpoints have shape {tuple(self.breakpoints.shape)} but there are "
                f"{len(self.facets)} facets; need one facet per breakpoint (segment)."
            )

    @property
    def n_segments(self) -> int:
        return len(self.facets)

    def action(self) -> float:
        """The integral of lambda0 = 1/2 sum (q dp - p dq) around the loop."""
        return orbit_action(self.breakpoints.detach().cpu().numpy())

    def to_dict(self) -> dict:
        return {"breakpoints": self.breakpoints.detach().cpu().tolist(), "facets": list(self.facets)}


def orbit_action(points: np.ndarray) -> float:
    """Action of the closed polygon through ``points``: sum of 1/2 omega(x_i, x_{i+1}).

    Computed about the centroid of the points (the action of a closed loop is translation
    invariant), so that loops far from the origin do not lose digits to cancellation.
    """
    n = points.shape[1] // 2
    points = points - points.mean(axis=0)
    nxt = np.roll(points, -1, axis=0)
    return 0.5 * float((points[:, :n] * nxt[:, n:] - points[:, n:] * nxt[:, :n]).sum())


def verify_orbit(K: Polytope, orbit: Orbit, value: float, tol: float = 1e-9) -> list[str]:
    """Re-check a witness from scratch; return the list of failures (empty when valid).

    Checks, with tolerances relative to the size of K and to ``value``: every
    breakpoint lies in K and on the facets of the segments it joins; each
    segment is a positive multiple of the Reeb direction J n of its facet
    (J = -J0); the flow times (2/h)^{-1}|d| add up to the action; the action
    (integral of lambda0) equals ``value``.
    """
    problems: list[str] = []
    X = orbit.breakpoints.detach().cpu().numpy().astype(np.float64)
    N, H, V = K.normals_np, K.offsets_np, K.vertices_np
    k, dim = X.shape
    if dim != K.dim:
        return [f"breakpoints are in R^{dim}, the polytope in R^{K.dim}"]
    if k < 2:
        return [f"an orbit needs at least 2 segments; got {k}"]
    scale = float(np.abs(V - V.mean(axis=0)).max())
    pos_tol = tol * scale * 10
    slack = X @ N.T - H
    if slack.max() > pos_tol:
        i, f = np.unravel_index(np.argmax(slack), slack.shape)
        problems.append(f"breakpoint {i} lies outside K (facet {f} violated by {slack[i, f]:.3g})")
    # Reeb directions J n with J = -J0: J (q, p) = (-p, q).
    n = dim // 2
    centre = K.interior_point().detach().cpu().numpy()
    times = []
    for i in range(k):
        f = orbit.facets[i]
        if not 0 <= f < N.shape[0]:
            problems.append(f"segment {i} names facet {f}, which does not exist")
            continue
        a, b = X[i], X[(i + 1) % k]
        for label, x in (("start", a), ("end", b)):
            off = abs(float(N[f] @ x - H[f]))
            if off > pos_tol:
                problems.append(f"segment {i} {label} is {off:.3g} off its facet {f}")
        d = b - a
        u = np.concatenate([-N[f, n:], N[f, :n]])  # J n, a unit vector
        along = float(d @ u)
        across = float(np.linalg.norm(d - along * u))
        if along <= 0:
            problems.append(f"segment {i} runs against the Reeb direction of facet {f} (<d, Jn> = {along:.3g})")
        if across > pos_tol:
            problems.append(f"segment {i} leaves the Reeb direction of facet {f} by {across:.3g}")
        h = float(H[f] - N[f] @ centre)  # support number seen from an interior point
        times.append(along * h / 2.0)
    action = orbit_action(X)
    # Relative comparisons: an absolute floor would accept wrong values of small bodies.
    if not value > 0:
        problems.append(f"the reported value {value!r} is not positive")
    if abs(action - value) > tol * abs(value) * 10:
        problems.append(f"action of the witness is {action!r}, the reported value is {value!r}")
    if times and abs(sum(times) - action) > tol * abs(action) * 10:
        problems.append(f"flow times add up to {sum(times)!r}, but the action is {action!r}")
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
        """c^n / (n! vol(K))."""
        n = self.polytope.dim // 2
        return self.value**n / (math.factorial(n) * self.polytope.volume())

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
