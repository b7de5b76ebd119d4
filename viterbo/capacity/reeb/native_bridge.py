"""Calls into the C++ kernel (ext/reeb_search.cpp): the flow graph and the jump faces as flat arrays.

The kernel runs the same searches as search_reference.py and
jump_reference.py, rule for rule; this module only packs the arrays, calls it
with the GIL released, and unpacks the result into the reference's types.
"""

from __future__ import annotations

import time

import numpy as np

from ..._native_support import native_module
from ...runtime import Budget
from .flow_graph import FlowGraph
from .search_reference import Candidate, SearchConfig, SearchOutcome
from .skeleton import Skeleton

__all__ = ["graph_arrays", "skeleton_arrays", "run_native_search", "run_native_capacity"]


def graph_arrays(G: FlowGraph) -> dict:
    """The flow graph as the dict of contiguous arrays the kernel reads (checked there)."""
    c = np.ascontiguousarray
    return dict(
        N=c(G.N), H=c(G.H), R=c(G.R), face_pairs=c(np.array(G.face_pairs, dtype=np.int64).reshape(-1, 2)),
        face_facets=c(G.face_facets), face_c=c(G.face_c), face_M=c(G.face_M.reshape(-1, 8)),
        face_poly=c(G.face_poly), face_poly_start=c(G.face_poly_start), face_diam=c(G.face_diam),
        face_rad=c(G.face_rad), face_rate=c(G.face_rate), face_cF=c(G.face_cF), edge_src=c(G.edge_src), edge_dst=c(G.edge_dst),
        edge_facet=c(G.edge_facet), edge_A=c(G.edge_A.reshape(-1, 4)), edge_b=c(G.edge_b),
        edge_alpha=c(G.edge_alpha), edge_beta=c(G.edge_beta), edge_hp_start=c(G.edge_hp_start), hp_a=c(G.hp_a),
        hp_c=c(G.hp_c), hp_ea=c(G.hp_ea), hp_ec=c(G.hp_ec), edge_minf=c(G.edge_minf), edge_eA=c(G.edge_eA),
        edge_eb=c(G.edge_eb), edge_ealpha=c(G.edge_ealpha), edge_ebeta=c(G.edge_ebeta), scale=float(G.scale),
        inradius=float(G.inradius))


def skeleton_arrays(S: Skeleton) -> dict:
    """The jump faces as the dict of contiguous arrays the kernel reads."""
    c = np.ascontiguousarray
    return dict(V=c(S.V), jf_kind=c(S.jf_kind), jf_v=c(S.jf_v), jf_fstart=c(S.jf_fstart), jf_facets=c(S.jf_facets),
                jp_face=c(S.jp_face), jp_E=c(S.jp_E), jp_C=c(S.jp_C), jp_xstart=c(S.jp_xstart), jp_X=c(S.jp_X),
                exit_start=c(S.exit_start), exits=c(S.exits))


def _candidate(o: dict) -> Candidate:
    k = len(o["flows"])
    faces = tuple(int(f) for f in o["faces"]) if int(o["kind"]) == 1 else tuple(
        (str(kd), int(i), int(n)) for kd, i, n in o["nodes"])
    return Candidate(faces, np.asarray(o["x"]).reshape(k, 4), np.asarray(o["t"]), float(o["action"]), int(o["code"]),
                     float(o["rho"]), np.asarray(o["A"]).reshape(2, 2), bool(o["degenerate"]), int(o["status"]),
                     float(o["estimate"]), int(o["kind"]), [int(f) for f in o["flows"]], int(o["orbit_type"]))


def _branch(kind: int, raw: list) -> tuple | None:
    """A recorded branch as search_reference.py keeps it: the node path of a jump branch (kind 2), the face
    path of a 2-face branch (kind 1), None when none was recorded."""
    if not raw:
        return None
    if kind == 2:
        return tuple((str(kd), int(i), int(n)) for kd, i, n in raw)
    return tuple(int(i) for _kd, i, _n in raw)


def _unpack(raw: dict, out: SearchOutcome, spectrum: bool) -> None:
    out.stats.update({k: int(v) for k, v in raw["stats"].items()})
    out.timed_out = bool(raw["timed_out"])
    out.depth_exceeded = bool(raw["depth_exceeded"])
    out.min_pruned_bound = float(raw["min_pruned_bound"])
    out.min_other_action = float(raw["min_other_action"])
    out.pending = [(int(k), tuple(int(f) for f in faces), float(est)) for k, faces, est in raw["pending"]]
    out.unresolved = [(int(k), float(b), float(a), _branch(int(k), br)) for k, b, a, br in raw["unresolved"]]
    cands = [_candidate(o) for o in raw["orbits"]]
    if spectrum:
        out.orbits = cands
    elif cands:
        out.best = cands[0]


def _seconds(budget: Budget | None) -> float:
    return -1.0 if budget is None else budget.remaining_or_negative()


def run_native_search(G: FlowGraph, cfg: SearchConfig, budget: Budget | None) -> SearchOutcome:
    """One 2-face search in C++ (capacity fast pass without deferral bookkeeping, or the spectrum)."""
    native = native_module()
    raw = native.reeb_search(graph_arrays(G), spectrum=cfg.spectrum, rotation_cap=cfg.rotation_cap,
                             use_cF_budgets=cfg.use_cF_budgets, use_memo=cfg.use_memo, action_cap=cfg.action_cap,
                             seconds=_seconds(budget), max_orbits=-1 if cfg.max_orbits is None else int(cfg.max_orbits),
                             incumbent=cfg.incumbent, certify=cfg.certify)
    out = SearchOutcome()
    _unpack(raw, out, cfg.spectrum)
    return out


def run_native_capacity(G: FlowGraph, S: Skeleton, cfg: SearchConfig, budget: Budget | None):
    """Fast pass, deferred children and jump search in one C++ call; (outcome, stats, certification seconds)."""
    native = native_module()
    t0 = time.perf_counter()
    raw = native.reeb_capacity_search(graph_arrays(G), skeleton_arrays(S), rotation_cap=cfg.rotation_cap,
                                      use_cF_budgets=cfg.use_cF_budgets, use_memo=cfg.use_memo,
                                      seconds=_seconds(budget), jump_escalate=cfg.jump_escalate,
                                      jump_imprecise_budget=cfg.jump_imprecise_budget,
                                      type1_escalate=cfg.escalate, type1_imprecise_budget=cfg.imprecise_budget)
    out = SearchOutcome()
    _unpack(raw, out, False)
    stats = dict(out.stats)
    stats["jump_faces_edge"] = int((S.jf_kind == 1).sum())
    stats["jump_faces_vertex"] = int((S.jf_kind == 0).sum())
    stats["jumps"] = S.n_jumps
    cert = float(raw["seconds_certification"])
    del t0
    return out, stats, cert
