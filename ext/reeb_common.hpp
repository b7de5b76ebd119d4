// Shared pieces of the "reeb" kernels (reeb_core.cpp, reeb_search.cpp, reeb_jump.cpp, reeb_edges.cpp):
// tolerances, the flow graph and jump faces read from Python (validated), closed polygons, fixed points,
// the one-shot reconstruction of an orbit and its validation.  Each function mirrors its Python
// reference in viterbo/capacity/reeb/ (same formulas, same order), so that values and node counts agree.
// Spec: docs/math/reeb-dynamics-4d.md, docs/math/reeb-certification.md.
#pragma once

#include "interrupt.hpp"
#include "polygon.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace viterbo {
namespace py = pybind11;
namespace reeb {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

// Tolerances: viterbo/capacity/reeb/tolerances.py defines the same values (reeb_tolerances() exports these).
constexpr double EPS = 2.220446049250313e-16;
constexpr double GAMMA = 32.0 * EPS;
constexpr double CLIP_REL = 1e-12;
constexpr double DEDUPE_REL = 1e-14;
constexpr double INTERIOR_MARGIN = 1e-9;
constexpr double MEMO_TOL = 1e-9;
constexpr double MEMO_MARGIN = 1e-12;
constexpr double ACTION_TIE = 1e-12;
constexpr double BUDGET_SLACK = 1e-12;
constexpr std::size_t MAX_DEPTH = 600;
constexpr double TRACE_TOL = 1e-9;
constexpr double RESID_TOL = 1e-9;
constexpr double TIME_TOL = 1e-9;
constexpr double OMEGA_SIGN_TOL = 1e-9;
constexpr double BALL_SLACK = 1e-9;
constexpr double TIME_RES = 1e-10;
constexpr double PIN_WEIGHT = 1e-6;
constexpr double ESCALATE = 0.1;
constexpr long long IMPRECISE_BUDGET = 20000;

constexpr int STATUS_OK = 0, STATUS_BOUNDARY = 1, STATUS_OUTSIDE = 2;
constexpr int REJ_NUMERIC = 1, REJ_BALL = 2;

struct Mat2 {
    double a00 = 1, a01 = 0, a10 = 0, a11 = 1;
};
inline Mat2 mul(const Mat2& x, const Mat2& y) {
    return {x.a00 * y.a00 + x.a01 * y.a10, x.a00 * y.a01 + x.a01 * y.a11,
            x.a10 * y.a00 + x.a11 * y.a10, x.a10 * y.a01 + x.a11 * y.a11};
}
inline double frob(const Mat2& A) {
    return std::sqrt(A.a00 * A.a00 + A.a01 * A.a01 + A.a10 * A.a10 + A.a11 * A.a11);
}
inline double amax(const Mat2& A) {
    return std::max(std::max(std::abs(A.a00), std::abs(A.a01)), std::max(std::abs(A.a10), std::abs(A.a11)));
}

// ---------------------------------------------------------------- rotation (rotation.py)
inline double trace_tolerance(const Mat2& A) { return TRACE_TOL * std::max(1.0, frob(A)); }
int step_code(int code, const Mat2& A, bool& impossible);
bool exceeds_cap(int code, double cap);
double rho_from_code(int code, const Mat2& A);

// ---------------------------------------------------------------- the flow graph (flow_graph.py)
struct Graph {
    int nF = 0, nE = 0, m = 0;
    std::vector<double> N, H, R, face_c, face_M, face_poly, face_diam, face_rad, face_cF, face_rate;
    std::vector<std::int64_t> face_pairs, face_facets, face_poly_start;
    std::vector<std::int64_t> edge_src, edge_dst, edge_facet, edge_hp_start;
    std::vector<double> edge_A, edge_b, edge_alpha, edge_beta, hp_a, hp_c, hp_ea, hp_ec, edge_minf;
    std::vector<double> edge_eA, edge_eb, edge_ealpha, edge_ebeta;
    std::vector<std::vector<int>> out_edges, in_edges;
    double scale = 1, inradius = 0;

    Polygon2 face_polygon(int f) const {
        Polygon2 p;
        for (std::int64_t i = face_poly_start[f]; i < face_poly_start[f + 1]; ++i)
            p.push_back({face_poly[2 * i], face_poly[2 * i + 1]});
        return p;
    }
};

// Jump faces and jumps (skeleton.py).
struct Skeleton {
    int nP = 0, nJ = 0;
    std::vector<double> V;  // (nV, 4) centred vertices
    std::vector<std::int64_t> jf_kind, jf_v, jf_fstart, jf_facets, jp_face, jp_E, jp_C, jp_xstart, jp_X;
    std::vector<std::int64_t> exit_start, exits;
};

// Read and check every array (shape, dtype, index ranges); malformed input throws std::invalid_argument,
// which ext/module.cpp turns into viterbo.NativeInputError.
Graph graph_from_dict(const py::dict& d);
Skeleton skeleton_from_dict(const py::dict& d, const Graph& G);

// Typed array access: the exact dtype is required (no silent conversion), contiguous.
std::vector<double> f64_vector(const py::handle& obj, const char* name);
std::vector<std::int64_t> i64_vector(const py::handle& obj, const char* name);
void check_len(const char* name, std::size_t got, std::size_t want);
void check_range(const char* name, const std::vector<std::int64_t>& v, std::int64_t lo, std::int64_t hi);

// ---------------------------------------------------------------- polygons and fixed points (orbit_fit.py)
double margin_of(const Polygon2& poly, double s0, double s1);
Polygon2 clip_convex(const Polygon2& poly, double a0, double a1, double c, double eps, double diam, double slack);
double bbox_diameter(const Polygon2& p);

struct FixedPoint {
    bool found = false;
    double s0 = 0, s1 = 0;
    bool degenerate = false;
    int status = STATUS_OUTSIDE;
    double err = 0;
};
FixedPoint solve_fixed_point(const Mat2& A, const std::array<double, 2>& b, const Polygon2& poly, double diam,
                             double perr);

struct Rebuilt {
    std::vector<double> x, t;  // (k, 4), (k,)
    double resid = kInf;
};
bool least_squares(std::vector<double> A, int rows, int cols, std::vector<double> b, std::vector<double>& x);
Rebuilt reconstruct(const Graph& G, const std::vector<int>& faces, double s0, double s1, bool pin);
Rebuilt reconstruct_r4(const Graph& G, const std::vector<std::vector<int>>& facet_sets,
                       const std::vector<int>& flows, const double* pin);
// Closed semantics; returns STATUS_OK / STATUS_BOUNDARY / STATUS_OUTSIDE, with the action and problem code.
int validate_closed(const Graph& G, const std::vector<std::vector<int>>& facet_sets, const Rebuilt& rb,
                    double& action, int& problem);

// ---------------------------------------------------------------- results shared by the searches
struct Candidate {
    int kind = 1;                  // 1: 2-face cycle, 2: jump cycle
    std::vector<int> faces;        // kind 1: 2-face indices
    std::vector<std::array<int, 3>> nodes;  // kind 2: (0 = 2-face / 1 = jump face, index, next facet)
    std::vector<int> flows;        // facet of each segment
    std::vector<double> x, t;
    double action = kInf, rho = 0, estimate = 0;
    int code = 0, status = STATUS_OK, orbit_type = 1;
    Mat2 A;
    bool degenerate = false;
};

struct Pending {
    int kind;
    std::vector<int> faces;  // the 2-faces (only 2-face cycles are pending: rejected jump cycles are recorded branches)
    double estimate;
};

// The state shared by the passes of one capacity call (incumbent, doubts, margins).
struct Shared {
    Candidate best;
    bool have_best = false;
    std::vector<Pending> pending;
    std::vector<std::array<double, 3>> unresolved;  // (kind, action bound, |A|): branches beyond float64
    // Parallel to ``unresolved``: for a jump branch (kind 2) its node path from the start, (kind, idx, next) with
    // kind 0 = 2-face, 1 = jump face, the start node first and the abandoned child last (jump_exact.py replays it);
    // for a 2-face branch (kind 1) its faces (0, face, 0) from F_1 to the abandoned child (type1_exact.py).
    std::vector<std::vector<std::array<int, 3>>> branches;
    double min_pruned_bound = kInf, min_other_action = kInf;
    bool timed_out = false, depth_exceeded = false;

    double best_action() const { return have_best ? best.action : kInf; }
    void offer_capacity(Candidate&& c, double& incumbent);
};

py::dict candidate_dict(const Candidate& c);

// The jump search (reeb_jump.cpp; jump_reference.py) and its counters.
struct JumpStats {
    long long starts = 0, nodes = 0, nodes_face = 0, nodes_edge = 0, nodes_vertex = 0, pruned_empty = 0,
              pruned_action = 0, pruned_facet = 0, pruned_canonical = 0, pruned_zero = 0, closed = 0,
              rej_numeric = 0, rej_ball = 0, rej_outside = 0, unresolved = 0, imprecise = 0;
};
// ``escalate`` / ``imprecise_budget``: ESCALATE / IMPRECISE_BUDGET except in tests (which force branches through the
// exact phase).
void run_jump_search(const Graph& G, const Skeleton& S, Shared& shared, StopCheck& stop, JumpStats& js,
                     double escalate = ESCALATE, long long imprecise_budget = IMPRECISE_BUDGET);

}  // namespace reeb
}  // namespace viterbo
