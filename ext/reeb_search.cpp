// Branch-and-bound search for combinatorial Reeb orbits on a 4D symplectic polytope
// (Chaidez-Hutchings).  The flow graph (2-faces, charts, transfer maps, domains) is
// built in Python (viterbo/capacity/reeb/flow_graph.py) and passed in as flat arrays;
// this file is the fast path of viterbo/capacity/reeb/search_reference.py and follows
// it rule for rule, in the same order, so that values and node counts agree.
// Spec: docs/math/reeb-dynamics-4d.md (sections 2-6).
#include "polygon.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <vector>

namespace py = pybind11;

namespace viterbo {
namespace {

using Arr = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IArr = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

// Tolerances: the same constants as the Python reference (search_reference.py, orbit_fit.py,
// flow_graph.py, rotation.py).
constexpr double THIN_WIDTH = 1e-9;
constexpr double SEGMENT_LENGTH = 1e-7;
constexpr double CLIP_REL = 1e-12;
constexpr double INTERIOR_MARGIN = 1e-9;
constexpr double MEMO_TOL = 1e-9;
constexpr double MEMO_MARGIN = 1e-12;
constexpr double ACTION_TIE = 1e-12;
constexpr double BUDGET_SLACK = 1e-12;
constexpr std::size_t MAX_DEPTH = 600;  // search_reference.MAX_DEPTH
constexpr int STATUS_OK = 0, STATUS_BOUNDARY = 1, STATUS_OUTSIDE = 2;

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

// ---------------------------------------------------------------- rotation (rotation.py)
inline double trace_tolerance(const Mat2& A) { return 1e-9 * std::max(1.0, frob(A)); }
inline int classify(const Mat2& A) {
    const double tr = A.a00 + A.a11, tol = trace_tolerance(A);
    if (tr >= 2.0 - tol) return 0;   // INT: positive hyperbolic or shear
    if (tr <= -2.0 + tol) return 2;  // HALF: negative hyperbolic or shear
    return A.a10 > 0 ? 1 : 3;        // PE / NE
}
inline int floor_div4(int c) { return c >= 0 ? c / 4 : -((-c + 3) / 4); }
inline int mod4(int c) { return ((c % 4) + 4) % 4; }
inline int step_code(int code, const Mat2& A, bool& impossible) {
    const int kind = classify(A);
    const int diff = mod4(kind - code);
    impossible = diff == 3;
    return impossible ? code - 1 : code + diff;
}
inline bool exceeds_cap(int code, double cap) {
    const int n = floor_div4(code), kind = mod4(code);
    double lb = kind <= 1 ? double(n) : n + 0.5;
    const bool strict = kind == 1 || kind == 3;
    return lb > cap || (strict && lb >= cap);
}
inline double rho_from_code(int code, const Mat2& A) {
    const int n = floor_div4(code), kind = mod4(code);
    if (kind == 0) return double(n);
    if (kind == 2) return n + 0.5;
    const double theta =
        std::acos(std::max(-1.0, std::min(1.0, 0.5 * (A.a00 + A.a11)))) / (2 * kPi);
    return kind == 1 ? n + theta : n + 1 - theta;
}

// ---------------------------------------------------------------- polygons (flow_graph.py)
inline double bbox_diameter(const Polygon2& p) {
    if (p.empty()) return 0.0;
    double x0 = p[0][0], x1 = p[0][0], y0 = p[0][1], y1 = p[0][1];
    for (const auto& v : p) {
        x0 = std::min(x0, v[0]);
        x1 = std::max(x1, v[0]);
        y0 = std::min(y0, v[1]);
        y1 = std::max(y1, v[1]);
    }
    return std::hypot(x1 - x0, y1 - y0);
}
double margin_of(const Polygon2& poly, double s0, double s1) {
    const std::size_t k = poly.size();
    double best = kInf;
    for (std::size_t i = 0; i < k; ++i) {
        const auto& p = poly[i];
        const auto& q = poly[(i + 1) % k];
        const double ex = q[0] - p[0], ey = q[1] - p[1], ln = std::hypot(ex, ey);
        if (ln == 0.0) continue;
        best = std::min(best, (ex * (s1 - p[1]) - ey * (s0 - p[0])) / ln);
    }
    return best;
}

// ---------------------------------------------------------------- graph
struct Graph {
    int nF = 0, nE = 0, m = 0;
    std::vector<double> N, H, R, face_c, face_M, face_poly, face_diam, face_cF;
    std::vector<std::int64_t> face_pairs, face_facets, face_poly_start;
    std::vector<std::int64_t> edge_src, edge_dst, edge_facet, edge_hp_start;
    std::vector<double> edge_A, edge_b, edge_alpha, edge_beta, hp_a, hp_c, edge_minf;
    std::vector<std::vector<int>> out_edges, in_edges;
    double scale = 1, inradius = 0;

    Polygon2 face_polygon(int f) const {
        Polygon2 p;
        for (std::int64_t i = face_poly_start[f]; i < face_poly_start[f + 1]; ++i)
            p.push_back({face_poly[2 * i], face_poly[2 * i + 1]});
        return p;
    }
};

template <class T, class A>
std::vector<T> to_vec(const py::dict& d, const char* key) {
    A a = d[key].cast<A>();
    return std::vector<T>(a.data(), a.data() + a.size());
}

Graph graph_from_dict(const py::dict& d) {
    Graph G;
    G.N = to_vec<double, Arr>(d, "N");
    G.H = to_vec<double, Arr>(d, "H");
    G.R = to_vec<double, Arr>(d, "R");
    G.face_pairs = to_vec<std::int64_t, IArr>(d, "face_pairs");
    G.face_facets = to_vec<std::int64_t, IArr>(d, "face_facets");
    G.face_c = to_vec<double, Arr>(d, "face_c");
    G.face_M = to_vec<double, Arr>(d, "face_M");
    G.face_poly = to_vec<double, Arr>(d, "face_poly");
    G.face_poly_start = to_vec<std::int64_t, IArr>(d, "face_poly_start");
    G.face_diam = to_vec<double, Arr>(d, "face_diam");
    G.face_cF = to_vec<double, Arr>(d, "face_cF");
    G.edge_src = to_vec<std::int64_t, IArr>(d, "edge_src");
    G.edge_dst = to_vec<std::int64_t, IArr>(d, "edge_dst");
    G.edge_facet = to_vec<std::int64_t, IArr>(d, "edge_facet");
    G.edge_A = to_vec<double, Arr>(d, "edge_A");
    G.edge_b = to_vec<double, Arr>(d, "edge_b");
    G.edge_alpha = to_vec<double, Arr>(d, "edge_alpha");
    G.edge_beta = to_vec<double, Arr>(d, "edge_beta");
    G.edge_hp_start = to_vec<std::int64_t, IArr>(d, "edge_hp_start");
    G.hp_a = to_vec<double, Arr>(d, "hp_a");
    G.hp_c = to_vec<double, Arr>(d, "hp_c");
    G.edge_minf = to_vec<double, Arr>(d, "edge_minf");
    G.scale = d["scale"].cast<double>();
    G.inradius = d["inradius"].cast<double>();
    G.m = static_cast<int>(G.H.size());
    G.nF = static_cast<int>(G.face_diam.size());
    G.nE = static_cast<int>(G.edge_src.size());
    if (G.N.size() != std::size_t(4 * G.m) || G.face_M.size() != std::size_t(8 * G.nF) ||
        G.edge_A.size() != std::size_t(4 * G.nE) || G.edge_hp_start.size() != std::size_t(G.nE + 1) ||
        G.face_poly_start.size() != std::size_t(G.nF + 1))
        throw std::invalid_argument("reeb_search: inconsistent flow-graph arrays");
    G.out_edges.assign(G.nF, {});
    G.in_edges.assign(G.nF, {});
    for (int e = 0; e < G.nE; ++e) {
        G.out_edges[G.edge_src[e]].push_back(e);
        G.in_edges[G.edge_dst[e]].push_back(e);
    }
    return G;
}

// Cheapest cost from every face >= start back to start (search_reference.return_bounds).
std::vector<double> return_bounds(const Graph& G, int start, const std::vector<double>& we,
                                  const std::vector<double>& wn) {
    std::vector<double> dist(G.nF, kInf);
    using QE = std::pair<double, int>;
    std::priority_queue<QE, std::vector<QE>, std::greater<QE>> heap;
    for (int e : G.in_edges[start]) {
        const int u = static_cast<int>(G.edge_src[e]);
        if (u < start) continue;
        if (we[e] < dist[u]) {
            dist[u] = we[e];
            heap.push({we[e], u});
        }
    }
    std::vector<char> done(G.nF, 0);
    while (!heap.empty()) {
        const auto [du, x] = heap.top();
        heap.pop();
        if (done[x] || du > dist[x]) continue;
        done[x] = 1;
        if (x == start) continue;
        for (int e : G.in_edges[x]) {
            const int u = static_cast<int>(G.edge_src[e]);
            if (u < start) continue;
            const double w = du + we[e] + wn[x];
            if (w < dist[u]) {
                dist[u] = w;
                heap.push({w, u});
            }
        }
    }
    return dist;
}

// ---------------------------------------------------------------- fixed points (orbit_fit.py)
struct FixedPoint {
    bool found = false;
    double s0 = 0, s1 = 0;
    bool degenerate = false;
    int status = STATUS_OUTSIDE;
};

FixedPoint solve_fixed_point(const Mat2& A, const std::array<double, 2>& b, const Polygon2& poly,
                             double diam) {
    FixedPoint fp;
    const double M00 = A.a00 - 1.0, M01 = A.a01, M10 = A.a10, M11 = A.a11 - 1.0;
    const double tr = A.a00 + A.a11;
    const double scale_a = std::max(1.0, frob(A));
    const double tol_m = INTERIOR_MARGIN * diam;
    const bool degenerate = std::abs(tr - 2.0) <= trace_tolerance(A);
    if (!degenerate) {
        const double det = M00 * M11 - M01 * M10;
        const double s0 = (-b[0] * M11 + b[1] * M01) / det;
        const double s1 = (-M00 * b[1] + M10 * b[0]) / det;
        const double cond = scale_a * scale_a / std::abs(det);
        const double err = 1e-15 * cond * (std::abs(s0) + std::abs(s1) + diam);
        const double m = margin_of(poly, s0, s1);
        const double band = std::max(tol_m, err);
        if (m > band) return {true, s0, s1, false, STATUS_OK};
        if (m >= -band) return {true, s0, s1, false, STATUS_BOUNDARY};
        return fp;
    }
    const double p = M00 * M00 + M10 * M10, q = M00 * M01 + M10 * M11, r = M01 * M01 + M11 * M11;
    const double lam1 = 0.5 * (p + r) + std::hypot(0.5 * (p - r), q);
    const double sv0 = std::sqrt(std::max(lam1, 0.0));
    const double bn = std::hypot(b[0], b[1]);
    if (sv0 <= 1e-9 * scale_a) {
        if (bn > tol_m) return fp;
        const double n = static_cast<double>(poly.size());
        double s0 = 0, s1 = 0;
        for (const auto& v : poly) s0 += v[0];
        for (const auto& v : poly) s1 += v[1];
        s0 /= n;
        s1 /= n;
        const double m = margin_of(poly, s0, s1);
        return {true, s0, s1, true, m > tol_m ? STATUS_OK : STATUS_BOUNDARY};
    }
    double v0 = lam1 - r, v1 = q;
    const double w0 = q, w1 = lam1 - p;
    if (std::hypot(w0, w1) > std::hypot(v0, v1)) {
        v0 = w0;
        v1 = w1;
    }
    double nv = std::hypot(v0, v1);
    if (nv == 0.0) {
        v0 = 1.0;
        v1 = 0.0;
        nv = 1.0;
    }
    v0 /= nv;
    v1 /= nv;
    const double u0 = (M00 * v0 + M01 * v1) / sv0, u1 = (M10 * v0 + M11 * v1) / sv0;
    const double ub = u0 * b[0] + u1 * b[1];
    const double sp0 = -v0 * ub / sv0, sp1 = -v1 * ub / sv0;
    const double res0 = M00 * sp0 + M01 * sp1 + b[0], res1 = M10 * sp0 + M11 * sp1 + b[1];
    if (std::hypot(res0, res1) > 1e-9 * (bn + diam)) return fp;
    const double z0 = -v1, z1 = v0;
    double lo = -kInf, hi = kInf;
    const std::size_t k = poly.size();
    for (std::size_t i = 0; i < k; ++i) {
        const auto& P = poly[i];
        const auto& Q = poly[(i + 1) % k];
        const double ex = Q[0] - P[0], ey = Q[1] - P[1];
        const double c0 = ex * (sp1 - P[1]) - ey * (sp0 - P[0]);
        const double c1 = ex * z1 - ey * z0;
        if (std::abs(c1) <= 1e-300) {
            if (c0 < 0) return fp;
            continue;
        }
        const double t = -c0 / c1;
        if (c1 > 0)
            lo = std::max(lo, t);
        else
            hi = std::min(hi, t);
    }
    if (!(hi >= lo)) return fp;
    const double t = 0.5 * (lo + hi);
    const double s0 = sp0 + t * z0, s1 = sp1 + t * z1;
    const double m = margin_of(poly, s0, s1);
    return {true, s0, s1, true, m > tol_m ? STATUS_OK : STATUS_BOUNDARY};
}

// Least squares min |A x - b| for a full-column-rank dense A (column-major), Householder QR.
bool least_squares(std::vector<double> A, int rows, int cols, std::vector<double> b,
                   std::vector<double>& x) {
    auto at = [&](int i, int j) -> double& { return A[std::size_t(j) * rows + i]; };
    for (int j = 0; j < cols; ++j) {
        double norm = 0;
        for (int i = j; i < rows; ++i) norm += at(i, j) * at(i, j);
        norm = std::sqrt(norm);
        if (norm == 0.0) return false;
        const double alpha = at(j, j) > 0 ? -norm : norm;
        at(j, j) -= alpha;
        double vnorm2 = 0;
        for (int i = j; i < rows; ++i) vnorm2 += at(i, j) * at(i, j);
        if (vnorm2 > 0) {
            for (int c = j + 1; c < cols; ++c) {
                double dot = 0;
                for (int i = j; i < rows; ++i) dot += at(i, j) * at(i, c);
                const double f = 2 * dot / vnorm2;
                for (int i = j; i < rows; ++i) at(i, c) -= f * at(i, j);
            }
            double dot = 0;
            for (int i = j; i < rows; ++i) dot += at(i, j) * b[i];
            const double f = 2 * dot / vnorm2;
            for (int i = j; i < rows; ++i) b[i] -= f * at(i, j);
        }
        at(j, j) = alpha;  // R's diagonal (the rest of column j below is garbage now)
        for (int i = j + 1; i < rows; ++i) at(i, j) = 0.0;
    }
    x.assign(cols, 0.0);
    for (int j = cols - 1; j >= 0; --j) {
        double s = b[j];
        for (int c = j + 1; c < cols; ++c) s -= at(j, c) * x[c];
        if (at(j, j) == 0.0) return false;
        x[j] = s / at(j, j);
    }
    return true;
}

struct Rebuilt {
    std::vector<double> x, t;
    double resid = kInf;
};

Rebuilt reconstruct(const Graph& G, const std::vector<int>& faces, double s0, double s1, bool pin) {
    const int k = static_cast<int>(faces.size());
    const int rows = 4 * k + (pin ? 2 : 0), cols = 3 * k;
    std::vector<double> A(std::size_t(rows) * cols, 0.0), rhs(rows, 0.0);
    auto at = [&](int i, int j) -> double& { return A[std::size_t(j) * rows + i]; };
    for (int i = 0; i < k; ++i) {
        const int f = faces[i], g = faces[(i + 1) % k], nxt = (i + 1) % k;
        const int E = static_cast<int>(G.face_facets[2 * f + 1]);
        for (int r = 0; r < 4; ++r) {
            at(4 * i + r, 2 * nxt) += G.face_M[8 * g + 2 * r];
            at(4 * i + r, 2 * nxt + 1) += G.face_M[8 * g + 2 * r + 1];
            at(4 * i + r, 2 * i) -= G.face_M[8 * f + 2 * r];
            at(4 * i + r, 2 * i + 1) -= G.face_M[8 * f + 2 * r + 1];
            at(4 * i + r, 2 * k + i) = -G.R[4 * E + r];
            rhs[4 * i + r] = G.face_c[4 * f + r] - G.face_c[4 * g + r];
        }
    }
    if (pin) {
        at(4 * k, 0) = 1.0;
        at(4 * k + 1, 1) = 1.0;
        rhs[4 * k] = s0;
        rhs[4 * k + 1] = s1;
    }
    Rebuilt out;
    std::vector<double> sol;
    if (!least_squares(A, rows, cols, rhs, sol)) return out;
    double res = 0;
    for (int i = 0; i < rows; ++i) {
        double s = -rhs[i];
        for (int j = 0; j < cols; ++j) s += at(i, j) * sol[j];
        res = std::max(res, std::abs(s));
    }
    out.resid = res / std::max(G.scale, 1e-300);
    out.x.assign(4 * k, 0.0);
    out.t.assign(k, 0.0);
    for (int i = 0; i < k; ++i) {
        const int f = faces[i];
        for (int r = 0; r < 4; ++r)
            out.x[4 * i + r] = G.face_c[4 * f + r] + G.face_M[8 * f + 2 * r] * sol[2 * i] +
                               G.face_M[8 * f + 2 * r + 1] * sol[2 * i + 1];
        out.t[i] = sol[2 * k + i];
    }
    return out;
}

// validate_orbit of orbit_fit.py: returns status and the action from the breakpoints.
int validate(const Graph& G, const std::vector<int>& faces, const Rebuilt& rb, double& action) {
    const int k = static_cast<int>(faces.size());
    const double tol = INTERIOR_MARGIN * G.scale;
    for (double v : rb.x)
        if (!std::isfinite(v)) return STATUS_OUTSIDE;
    if (!(rb.resid <= 1e-9)) return STATUS_OUTSIDE;
    double total = 0, tmin = kInf;
    for (double t : rb.t) {
        total += t;
        tmin = std::min(tmin, t);
    }
    if (total <= 0 || tmin <= 1e-12 * total) return STATUS_OUTSIDE;
    int status = STATUS_OK;
    for (int i = 0; i < k; ++i) {
        const int a = static_cast<int>(G.face_pairs[2 * faces[i]]);
        const int b = static_cast<int>(G.face_pairs[2 * faces[i] + 1]);
        double mn = kInf;
        for (int g = 0; g < G.m; ++g) {
            double s = G.H[g];
            for (int r = 0; r < 4; ++r) s -= G.N[4 * g + r] * rb.x[4 * i + r];
            if (g == a || g == b) {
                if (std::abs(s) > tol) return STATUS_OUTSIDE;
                continue;
            }
            mn = std::min(mn, s);
        }
        if (mn < -tol) return STATUS_OUTSIDE;
        if (mn <= tol) status = STATUS_BOUNDARY;
    }
    double act = 0;
    for (int i = 0; i < k; ++i) {
        const double* x = &rb.x[4 * i];
        const double* y = &rb.x[4 * ((i + 1) % k)];
        act += x[0] * y[2] + x[1] * y[3] - x[2] * y[0] - x[3] * y[1];
    }
    act *= 0.5;
    if (!(std::abs(act - total) <= 1e-9 * std::max(std::abs(act), std::abs(total)))) return STATUS_OUTSIDE;
    if (act <= 0) return STATUS_OUTSIDE;
    if (act < kPi * G.inradius * G.inradius * (1.0 - 1e-9)) return STATUS_OUTSIDE;
    action = act;
    return status;
}

// ---------------------------------------------------------------- the search
struct Candidate {
    std::vector<int> faces;
    std::vector<double> x, t;
    double action = kInf, rho = 0, estimate = 0;
    int code = 0, status = STATUS_OK;
    Mat2 A;
    bool degenerate = false;
};

using Bits = std::vector<std::uint64_t>;
inline bool bit(const Bits& b, int i) { return (b[i >> 6] >> (i & 63)) & 1u; }
inline Bits with_bit(Bits b, int i) {
    b[i >> 6] |= std::uint64_t(1) << (i & 63);
    return b;
}
inline bool subset(const Bits& a, const Bits& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] & ~b[i]) return false;
    return true;
}

struct MemoEntry {
    Mat2 A;
    std::array<double, 2> b, a;
    double d, csum;
    Polygon2 D;
    int code;
    Bits used;
};

struct Child {
    double bound;
    int e, dst;
    Polygon2 D;
    Mat2 A;
    std::array<double, 2> b, a;
    double d, csum;
    int code;
    Bits used;
    bool closing;
};

bool inside_with_margin(const Polygon2& outer, const Polygon2& pts, double margin) {
    const std::size_t k = outer.size();
    for (std::size_t i = 0; i < k; ++i) {
        const auto& p = outer[i];
        const auto& q = outer[(i + 1) % k];
        const double ex = q[0] - p[0], ey = q[1] - p[1], ln = std::hypot(ex, ey);
        if (ln == 0.0) continue;
        for (const auto& v : pts)
            if ((ex * (v[1] - p[1]) - ey * (v[0] - p[0])) / ln < -margin) return false;
    }
    return true;
}

bool is_power(const std::vector<int>& s) {
    const std::size_t k = s.size();
    for (std::size_t p = 1; p < k; ++p) {
        if (k % p) continue;
        bool same = true;
        for (std::size_t i = 0; i < k && same; ++i) same = s[i] == s[(i + p) % k];
        if (same) return true;
    }
    return false;
}
bool is_canonical_rotation(const std::vector<int>& s) {
    const std::size_t k = s.size();
    for (std::size_t i = 1; i < k; ++i) {
        if (s[i] != s[0]) continue;
        std::vector<int> r(s.begin() + i, s.end());
        r.insert(r.end(), s.begin(), s.begin() + i);
        if (r < s) return false;
    }
    return true;
}

struct Config {
    bool spectrum = false, use_cF = true, use_memo = true;
    double cap = 2.0, action_cap = kInf, seconds = -1, incumbent = kInf;
    long long max_orbits = -1;
};

static const char* kCounters[] = {
    "nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
    "pruned_memo", "pruned_facet_repeat", "memo_hits", "memo_size", "cycles_closed",
    "fixed_points_rejected", "rejected_outside_domain", "rejected_numerical", "cycles_nonprimitive",
    "cycles_duplicate_rotation", "thin_segments", "rotation_impossible"};
enum Counter {
    NODES, P_EMPTY, P_ACTION, P_ROT, P_BUDGET, P_MEMO, P_FACET, MEMO_HITS, MEMO_SIZE, CLOSED,
    FP_REJ, REJ_OUT, REJ_NUM, NONPRIM, DUPROT, THIN, ROT_IMP, N_COUNTERS
};

class Search {
public:
    Search(const Graph& G, const Config& cfg) : G(G), cfg(cfg) {
        counters.fill(0);
        if (cfg.seconds >= 0)
            deadline = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(cfg.seconds));
        spectrum_cap = cfg.action_cap;
        incumbent = cfg.incumbent * (1.0 + 2 * ACTION_TIE);
        ball_bound = kPi * G.inradius * G.inradius * (1.0 - 1e-6);
        words = (G.m + 63) / 64;
    }

    void run() {
        std::vector<double> edge_w(G.nE), zero_e(G.nE, 0.0), zero_f(G.nF, 0.0);
        for (int e = 0; e < G.nE; ++e) edge_w[e] = std::max(G.edge_minf[e], 0.0);
        for (f1 = 0; f1 < G.nF; ++f1) {
            if (has_deadline() && std::chrono::steady_clock::now() > deadline) {
                timed_out = true;
                break;
            }
            h_act = return_bounds(G, f1, edge_w, zero_f);
            if (!std::isfinite(h_act[f1])) continue;
            if (cfg.use_cF) g_cf = return_bounds(G, f1, zero_e, G.face_cF);
            diam1 = G.face_diam[f1];
            eps = 1e-14 * diam1;
            Polygon2 root = G.face_polygon(f1);
            Mat2 I;
            std::array<double, 2> z{0.0, 0.0};
            const double c1 = G.face_cF[f1];
            Bits used(words, 0);
            path.assign(1, f1);
            states.clear();
            if (cfg.use_memo) states.push_back(MemoEntry{I, z, z, 0.0, c1, root, 0, used});
            expand(root, I, z, z, 0.0, 0, c1, used);
            if (timed_out || depth_exceeded) break;
        }
    }

    const Graph& G;
    Config cfg;
    std::array<long long, N_COUNTERS> counters;
    std::vector<Candidate> orbits;
    Candidate best;
    bool have_best = false, timed_out = false, depth_exceeded = false;
    double min_rejected_estimate = kInf, min_thin_bound = kInf;

private:
    bool has_deadline() const { return cfg.seconds >= 0; }


    bool action_pruned(double bound) const {
        if (cfg.spectrum) return bound > spectrum_cap * (1.0 + ACTION_TIE);
        return bound >= incumbent * (1.0 - ACTION_TIE);
    }

    void close_cycle(const Polygon2& D, const Mat2& A, const std::array<double, 2>& b,
                     const std::array<double, 2>& a, double d, int code) {
        ++counters[CLOSED];
        const FixedPoint fp = solve_fixed_point(A, b, D, diam1);
        if (!fp.found) {
            ++counters[FP_REJ];
            ++counters[REJ_OUT];
            return;
        }
        const double est = a[0] * fp.s0 + a[1] * fp.s1 + d;
        const Rebuilt rb = reconstruct(G, path, fp.s0, fp.s1, fp.degenerate);
        double action = 0;
        int status = validate(G, path, rb, action);
        if (status == STATUS_OUTSIDE) {
            ++counters[FP_REJ];
            ++counters[REJ_NUM];
            if (est >= ball_bound) min_rejected_estimate = std::min(min_rejected_estimate, est);
            return;
        }
        if (fp.status == STATUS_BOUNDARY) status = STATUS_BOUNDARY;
        auto make = [&]() {
            Candidate c;
            c.faces = path;
            c.x = rb.x;
            c.t = rb.t;
            c.action = action;
            c.code = code;
            c.rho = rho_from_code(code, A);
            c.A = A;
            c.degenerate = fp.degenerate;
            c.status = status;
            c.estimate = est;
            return c;
        };
        if (cfg.spectrum) {
            if (is_power(path)) {
                ++counters[NONPRIM];
                return;
            }
            if (!is_canonical_rotation(path)) {
                ++counters[DUPROT];
                return;
            }
            if (action <= spectrum_cap * (1.0 + ACTION_TIE)) {
                orbits.push_back(make());
                if (cfg.max_orbits > 0) {
                    top_actions.push(action);
                    if (static_cast<long long>(top_actions.size()) > cfg.max_orbits) top_actions.pop();
                    if (static_cast<long long>(top_actions.size()) == cfg.max_orbits)
                        spectrum_cap = std::min(spectrum_cap, top_actions.top());
                }
            }
        } else if (action < incumbent * (1.0 - ACTION_TIE)) {  // ties: the first found stays
            incumbent = action;
            best = make();
            have_best = true;
        }
    }

    // Dominance check against the ancestors at the same face: the only earlier states that can
    // dominate (search_reference.SearchConfig); states[i] belongs to path[i].
    bool memo_check(int face, const Polygon2& D, const Mat2& A, const std::array<double, 2>& b,
                    const std::array<double, 2>& a, double d, int code, double csum, const Bits& used) {
        const double amax =
            std::max({1.0, std::abs(A.a00), std::abs(A.a01), std::abs(A.a10), std::abs(A.a11)});
        const double dm = G.face_diam[face];
        for (std::size_t idx = 0; idx < path.size(); ++idx) {
            if (path[idx] != face) continue;
            const MemoEntry& en = states[idx];
            ++counters[MEMO_SIZE];
            const double da = std::max({std::abs(en.A.a00 - A.a00), std::abs(en.A.a01 - A.a01),
                                        std::abs(en.A.a10 - A.a10), std::abs(en.A.a11 - A.a11)});
            if (da > MEMO_TOL * amax) continue;
            if (std::max(std::abs(en.b[0] - b[0]), std::abs(en.b[1] - b[1])) > MEMO_TOL * dm) continue;
            ++counters[MEMO_HITS];
            if (en.code > code || en.csum > csum + BUDGET_SLACK || !subset(en.used, used)) continue;
            if (!inside_with_margin(en.D, D, MEMO_MARGIN * diam1)) continue;
            const double fs = std::max(1.0, std::abs(d));
            bool dominated = true;
            for (const auto& v : D)
                if (!(en.a[0] * v[0] + en.a[1] * v[1] + en.d <= a[0] * v[0] + a[1] * v[1] + d + MEMO_MARGIN * fs)) {
                    dominated = false;
                    break;
                }
            if (dominated) {
                ++counters[P_MEMO];
                return true;
            }
        }
        return false;
    }

    void expand(const Polygon2& D, const Mat2& A, const std::array<double, 2>& b,
                const std::array<double, 2>& a, double d, int code, double csum, const Bits& used) {
        ++tick;
        if (has_deadline() && (tick & 1023) == 0 && std::chrono::steady_clock::now() > deadline)
            timed_out = true;
        if (timed_out || depth_exceeded) return;
        if (path.size() > MAX_DEPTH) {
            depth_exceeded = true;
            return;
        }
        ++counters[NODES];
        const int node = path.back();
        std::vector<Child> children;
        for (int e : G.out_edges[node]) {
            const int dst = static_cast<int>(G.edge_dst[e]);
            if (dst < f1) continue;
            const int E = static_cast<int>(G.edge_facet[e]);
            if (!cfg.spectrum && bit(used, E)) {
                ++counters[P_FACET];
                continue;
            }
            const Mat2 Ae{G.edge_A[4 * e], G.edge_A[4 * e + 1], G.edge_A[4 * e + 2], G.edge_A[4 * e + 3]};
            const Mat2 A2 = mul(Ae, A);
            bool impossible = false;
            const int code2 = step_code(code, A2, impossible);
            if (impossible) ++counters[ROT_IMP];
            const bool closing = dst == f1;
            if (exceeds_cap(code2, cfg.cap) || (closing && rho_from_code(code2, A2) > cfg.cap + BUDGET_SLACK)) {
                ++counters[P_ROT];
                continue;
            }
            const double csum2 = csum + (closing ? 0.0 : G.face_cF[dst]);
            if (cfg.use_cF) {
                const double need = csum2 + (closing ? 0.0 : g_cf[dst]);
                if (need > cfg.cap + BUDGET_SLACK) {
                    ++counters[P_BUDGET];
                    continue;
                }
            }
            Polygon2 D2 = D;
            for (std::int64_t h = G.edge_hp_start[e]; h < G.edge_hp_start[e + 1]; ++h) {
                const double ha0 = G.hp_a[2 * h], ha1 = G.hp_a[2 * h + 1], hc = G.hp_c[h];
                const double p0 = A.a00 * ha0 + A.a10 * ha1;
                const double p1 = A.a01 * ha0 + A.a11 * ha1;
                const double pc = hc - (ha0 * b[0] + ha1 * b[1]);
                D2 = dedupe_vertices(clip_halfplane(D2, {p0, p1}, pc, CLIP_REL * diam1 * std::hypot(p0, p1)), eps);
                if (D2.empty()) break;
            }
            const double be0 = G.edge_b[2 * e], be1 = G.edge_b[2 * e + 1];
            const double alpha = G.edge_alpha[e], beta0 = G.edge_beta[2 * e], beta1 = G.edge_beta[2 * e + 1];
            const std::array<double, 2> a2{a[0] + A.a00 * beta0 + A.a10 * beta1,
                                           a[1] + A.a01 * beta0 + A.a11 * beta1};
            const double d2 = d + beta0 * b[0] + beta1 * b[1] + alpha;
            if (D2.empty()) {
                ++counters[P_EMPTY];
                continue;
            }
            double minf = kInf;
            for (const auto& v : D2) minf = std::min(minf, a2[0] * v[0] + a2[1] * v[1] + d2);
            const double bound = minf + (closing ? 0.0 : h_act[dst]);
            const double area = D2.size() >= 3 ? polygon_area(D2) : 0.0;
            const double dd = bbox_diameter(D2);
            if (D2.size() < 3 || area <= 0.5 * THIN_WIDTH * dd * diam1) {
                ++counters[P_EMPTY];
                if (dd > SEGMENT_LENGTH * diam1) {
                    ++counters[THIN];
                    min_thin_bound = std::min(min_thin_bound, bound);
                }
                continue;
            }
            if (action_pruned(bound)) {
                ++counters[P_ACTION];
                continue;
            }
            const std::array<double, 2> b2{Ae.a00 * b[0] + Ae.a01 * b[1] + be0,
                                           Ae.a10 * b[0] + Ae.a11 * b[1] + be1};
            children.push_back(Child{bound, e, dst, std::move(D2), A2, b2, a2, d2, csum2, code2,
                                     with_bit(used, E), closing});
        }
        std::sort(children.begin(), children.end(), [](const Child& x, const Child& y) {
            return x.bound < y.bound || (x.bound == y.bound && x.e < y.e);
        });
        for (const Child& c : children) {
            if (timed_out || depth_exceeded) return;
            if (action_pruned(c.bound)) {
                ++counters[P_ACTION];
                continue;
            }
            if (c.closing) {
                close_cycle(c.D, c.A, c.b, c.a, c.d, c.code);
                if (!cfg.spectrum) continue;
            }
            if (cfg.use_memo && memo_check(c.dst, c.D, c.A, c.b, c.a, c.d, c.code, c.csum, c.used)) continue;
            path.push_back(c.dst);
            if (cfg.use_memo) states.push_back(MemoEntry{c.A, c.b, c.a, c.d, c.csum, c.D, c.code, c.used});
            expand(c.D, c.A, c.b, c.a, c.d, c.code, c.csum, c.used);
            if (cfg.use_memo) states.pop_back();
            path.pop_back();
        }
    }

    int f1 = 0, words = 1;
    long long tick = 0;
    double diam1 = 1, eps = 0, incumbent = kInf, spectrum_cap = kInf, ball_bound = 0;
    std::vector<double> h_act, g_cf;
    std::vector<int> path;
    std::vector<MemoEntry> states;  // the ancestors' states (the memo), parallel to path
    std::priority_queue<double> top_actions;
    std::chrono::steady_clock::time_point deadline;
};

py::dict candidate_dict(const Candidate& c) {
    py::dict o;
    o["faces"] = c.faces;
    o["x"] = c.x;
    o["t"] = c.t;
    o["action"] = c.action;
    o["code"] = c.code;
    o["rho"] = c.rho;
    o["A"] = std::vector<double>{c.A.a00, c.A.a01, c.A.a10, c.A.a11};
    o["degenerate"] = c.degenerate;
    o["status"] = c.status;
    o["estimate"] = c.estimate;
    return o;
}

py::dict reeb_search_py(const py::dict& arrays, bool spectrum, double rotation_cap, bool use_cF_budgets,
                        bool use_memo, double action_cap, double seconds, long long max_orbits,
                        double incumbent) {
    Graph G = graph_from_dict(arrays);
    Config cfg;
    cfg.spectrum = spectrum;
    cfg.cap = rotation_cap;
    cfg.use_cF = use_cF_budgets;
    cfg.use_memo = use_memo;
    cfg.action_cap = action_cap;
    cfg.seconds = seconds;
    cfg.max_orbits = max_orbits;
    cfg.incumbent = incumbent;
    Search search(G, cfg);
    {
        py::gil_scoped_release release;
        search.run();
    }
    py::dict out, stats;
    for (int i = 0; i < N_COUNTERS; ++i) stats[kCounters[i]] = search.counters[i];
    out["stats"] = stats;
    py::list orbits;
    if (spectrum) {
        for (const Candidate& c : search.orbits) orbits.append(candidate_dict(c));
    } else if (search.have_best) {
        orbits.append(candidate_dict(search.best));
    }
    out["orbits"] = orbits;
    out["min_rejected_estimate"] = search.min_rejected_estimate;
    out["min_thin_bound"] = search.min_thin_bound;
    out["timed_out"] = search.timed_out;
    out["depth_exceeded"] = search.depth_exceeded;
    return out;
}

}  // namespace

void register_reeb_edges(py::module_& m);

void register_reeb_search(py::module_& m) {
    register_reeb_edges(m);
    m.def("reeb_search", &reeb_search_py, py::arg("arrays"), py::arg("spectrum"), py::arg("rotation_cap"),
          py::arg("use_cF_budgets"), py::arg("use_memo"), py::arg("action_cap"), py::arg("seconds"),
          py::arg("max_orbits"), py::arg("incumbent") = kInf,
          "Branch-and-bound search for combinatorial Reeb orbits on a flow graph built by "
          "viterbo.capacity.reeb.flow_graph (see viterbo/capacity/reeb/search_reference.py).");
}

}  // namespace viterbo

// ---------------------------------------------------------------- flow-graph edges
// The edge construction of flow_graph._edges_python, in C++ (same formulas, same order).
namespace viterbo {
namespace {

py::dict reeb_build_edges_py(const Arr& N_, const Arr& H_, const Arr& R_, const IArr& facets_, const Arr& c_,
                             const Arr& M_, const Arr& P_, const Arr& psi_, const Arr& poly_,
                             const IArr& poly_start_, const Arr& diam_) {
    const double* N = N_.data();
    const double* H = H_.data();
    const double* R = R_.data();
    const std::int64_t* ff = facets_.data();
    const double* C = c_.data();
    const double* M = M_.data();
    const double* P = P_.data();
    const double* PSI = psi_.data();
    const double* PL = poly_.data();
    const std::int64_t* PS = poly_start_.data();
    const double* DIAM = diam_.data();
    const int m = static_cast<int>(H_.size()), nF = static_cast<int>(diam_.size());
    std::vector<std::int64_t> src, dst, fac, hp_start{0};
    std::vector<double> eA, eb, alpha_v, beta_v, hpa, hpc, minf_v;
    double max_psi_error = 0.0;
    {
        py::gil_scoped_release release;
        std::vector<std::vector<int>> exits(m);
        for (int f = 0; f < nF; ++f) exits[ff[2 * f]].push_back(f);
        for (int f1 = 0; f1 < nF; ++f1) {
            const int E = static_cast<int>(ff[2 * f1 + 1]);
            const auto& ex = exits[E];
            const int k = static_cast<int>(ex.size());
            if (k == 0) continue;
            const double* c1 = C + 4 * f1;
            const double* M1 = M + 8 * f1;
            const double* RE = R + 4 * E;
            Polygon2 poly1;
            for (std::int64_t i = PS[f1]; i < PS[f1 + 1]; ++i) poly1.push_back({PL[2 * i], PL[2 * i + 1]});
            std::vector<double> alphas(k), b0(k), b1(k);
            for (int g = 0; g < k; ++g) {
                const int G = static_cast<int>(ff[2 * ex[g] + 1]);
                const double* NG = N + 4 * G;
                double rate = 0, nc = 0, m0 = 0, m1 = 0;
                for (int r = 0; r < 4; ++r) {
                    rate += NG[r] * RE[r];
                    nc += NG[r] * c1[r];
                    m0 += NG[r] * M1[2 * r];
                    m1 += NG[r] * M1[2 * r + 1];
                }
                alphas[g] = (H[G] - nc) / rate;
                b0[g] = -m0 / rate;
                b1[g] = -m1 / rate;
            }
            const double eps = 1e-14 * DIAM[f1];
            for (int i2 = 0; i2 < k; ++i2) {
                const int f2 = ex[i2];
                const double alpha2 = alphas[i2], beta20 = b0[i2], beta21 = b1[i2];
                Polygon2 dom = poly1;
                std::vector<std::array<double, 3>> hps;
                for (int g = 0; g < k; ++g) {
                    if (g == i2) continue;
                    const double a0 = beta20 - b0[g], a1 = beta21 - b1[g], cv = alphas[g] - alpha2;
                    bool cuts = false;
                    for (const auto& p : poly1)
                        if (p[0] * a0 + p[1] * a1 - cv > 0.0) cuts = true;
                    if (!cuts) continue;
                    hps.push_back({a0, a1, cv});
                    if (!dom.empty())
                        dom = dedupe_vertices(clip_halfplane(dom, {a0, a1}, cv, CLIP_REL * DIAM[f1] * std::hypot(a0, a1)), eps);
                }
                if (dom.empty()) continue;
                const double* P2 = P + 8 * f2;
                const double* c2 = C + 4 * f2;
                // A = P2 (M1 + RE beta2^T), b = P2 (c1 + alpha2 RE - c2).
                double A[4], bv[2];
                for (int i = 0; i < 2; ++i) {
                    for (int j = 0; j < 2; ++j) {
                        double s = 0;
                        const double bj = j == 0 ? beta20 : beta21;
                        for (int r = 0; r < 4; ++r) s += P2[4 * i + r] * (M1[2 * r + j] + RE[r] * bj);
                        A[2 * i + j] = s;
                    }
                    double s = 0;
                    for (int r = 0; r < 4; ++r) s += P2[4 * i + r] * (c1[r] + alpha2 * RE[r] - c2[r]);
                    bv[i] = s;
                }
                for (int i = 0; i < 4; ++i) max_psi_error = std::max(max_psi_error, std::abs(A[i] - PSI[4 * f2 + i]));
                double minf = kInf;
                for (const auto& p : dom) minf = std::min(minf, alpha2 + beta20 * p[0] + beta21 * p[1]);
                src.push_back(f1);
                dst.push_back(f2);
                fac.push_back(E);
                eA.insert(eA.end(), A, A + 4);
                eb.insert(eb.end(), bv, bv + 2);
                alpha_v.push_back(alpha2);
                beta_v.push_back(beta20);
                beta_v.push_back(beta21);
                for (const auto& h : hps) {
                    hpa.push_back(h[0]);
                    hpa.push_back(h[1]);
                    hpc.push_back(h[2]);
                }
                hp_start.push_back(static_cast<std::int64_t>(hpc.size()));
                minf_v.push_back(minf);
            }
        }
    }
    auto arr = [](const std::vector<double>& v) { return py::array_t<double>(v.size(), v.data()); };
    auto iarr = [](const std::vector<std::int64_t>& v) { return py::array_t<std::int64_t>(v.size(), v.data()); };
    py::dict out;
    out["edge_src"] = iarr(src);
    out["edge_dst"] = iarr(dst);
    out["edge_facet"] = iarr(fac);
    out["edge_A"] = arr(eA);
    out["edge_b"] = arr(eb);
    out["edge_alpha"] = arr(alpha_v);
    out["edge_beta"] = arr(beta_v);
    out["edge_hp_start"] = iarr(hp_start);
    out["hp_a"] = arr(hpa);
    out["hp_c"] = arr(hpc);
    out["edge_minf"] = arr(minf_v);
    out["max_psi_error"] = max_psi_error;
    return out;
}

}  // namespace

void register_reeb_edges(py::module_& m) {
    m.def("reeb_build_edges", &reeb_build_edges_py, py::arg("N"), py::arg("H"), py::arg("R"),
          py::arg("face_facets"), py::arg("face_c"), py::arg("face_M"), py::arg("face_P"), py::arg("face_psi"),
          py::arg("face_poly"), py::arg("face_poly_start"), py::arg("face_diam"),
          "Edges of the Reeb flow graph (see viterbo.capacity.reeb.flow_graph).");
}

}  // namespace viterbo
