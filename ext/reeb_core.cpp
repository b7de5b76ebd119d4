// Shared machinery of the "reeb" kernels: validated input arrays, closed polygons, fixed points,
// one-shot reconstruction and validation of orbits.  Python references: viterbo/capacity/reeb/
// (flow_graph.py, skeleton.py, orbit_fit.py, rotation.py).
#include "reeb_common.hpp"

#include <algorithm>
#include <stdexcept>

namespace viterbo {
namespace reeb {

// ---------------------------------------------------------------- rotation (rotation.py)
namespace {
inline int classify(const Mat2& A) {
    const double tr = A.a00 + A.a11, tol = trace_tolerance(A);
    if (tr >= 2.0 - tol) return 0;   // INT: positive hyperbolic or shear
    if (tr <= -2.0 + tol) return 2;  // HALF: negative hyperbolic or shear
    return A.a10 > 0 ? 1 : 3;        // PE / NE
}
inline int floor_div4(int c) { return c >= 0 ? c / 4 : -((-c + 3) / 4); }
inline int mod4(int c) { return ((c % 4) + 4) % 4; }
}  // namespace

int step_code(int code, const Mat2& A, bool& impossible) {
    const int kind = classify(A);
    const int diff = mod4(kind - code);
    impossible = diff == 3;
    return impossible ? code - 1 : code + diff;
}
bool exceeds_cap(int code, double cap) {
    const int n = floor_div4(code), kind = mod4(code);
    const double lb = kind <= 1 ? double(n) : n + 0.5;
    const bool strict = kind == 1 || kind == 3;
    return lb > cap || (strict && lb >= cap);
}
double rho_from_code(int code, const Mat2& A) {
    const int n = floor_div4(code), kind = mod4(code);
    if (kind == 0) return double(n);
    if (kind == 2) return n + 0.5;
    const double theta = std::acos(std::max(-1.0, std::min(1.0, 0.5 * (A.a00 + A.a11)))) / (2 * kPi);
    return kind == 1 ? n + theta : n + 1 - theta;
}

// ---------------------------------------------------------------- typed, checked arrays
std::vector<double> f64_vector(const py::handle& obj, const char* name) {
    if (!py::isinstance<py::array>(obj))
        throw std::invalid_argument(std::string("reeb: ") + name + " must be a numpy array of float64");
    py::array arr = py::reinterpret_borrow<py::array>(obj);
    if (!arr.dtype().is(py::dtype::of<double>()))
        throw std::invalid_argument(std::string("reeb: ") + name + " must have dtype float64, got " +
                                    std::string(py::str(arr.dtype())));
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
    std::vector<double> out(a.data(), a.data() + a.size());
    for (double v : out)
        if (!std::isfinite(v)) throw std::invalid_argument(std::string("reeb: ") + name + " has a non-finite entry");
    return out;
}

std::vector<std::int64_t> i64_vector(const py::handle& obj, const char* name) {
    if (!py::isinstance<py::array>(obj))
        throw std::invalid_argument(std::string("reeb: ") + name + " must be a numpy array of int64");
    py::array arr = py::reinterpret_borrow<py::array>(obj);
    if (!arr.dtype().is(py::dtype::of<std::int64_t>()))
        throw std::invalid_argument(std::string("reeb: ") + name + " must have dtype int64, got " +
                                    std::string(py::str(arr.dtype())));
    auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    return std::vector<std::int64_t>(a.data(), a.data() + a.size());
}

void check_len(const char* name, std::size_t got, std::size_t want) {
    if (got != want)
        throw std::invalid_argument(std::string("reeb: ") + name + " has " + std::to_string(got) +
                                    " entries, expected " + std::to_string(want));
}

void check_range(const char* name, const std::vector<std::int64_t>& v, std::int64_t lo, std::int64_t hi) {
    for (std::int64_t x : v)
        if (x < lo || x >= hi)
            throw std::invalid_argument(std::string("reeb: ") + name + " has index " + std::to_string(x) +
                                        " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
}

namespace {
void check_offsets(const char* name, const std::vector<std::int64_t>& s, std::size_t n, std::size_t total) {
    check_len(name, s.size(), n + 1);
    if (s.front() != 0 || static_cast<std::size_t>(s.back()) != total)
        throw std::invalid_argument(std::string("reeb: ") + name + " must run from 0 to " + std::to_string(total));
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i + 1] < s[i]) throw std::invalid_argument(std::string("reeb: ") + name + " must be non-decreasing");
}
py::handle need(const py::dict& d, const char* key) {
    if (!d.contains(key)) throw std::invalid_argument(std::string("reeb: missing array ") + key);
    return d[key];
}
}  // namespace

Graph graph_from_dict(const py::dict& d) {
    Graph G;
    G.N = f64_vector(need(d, "N"), "N");
    G.H = f64_vector(need(d, "H"), "H");
    G.R = f64_vector(need(d, "R"), "R");
    G.m = static_cast<int>(G.H.size());
    if (G.m < 5) throw std::invalid_argument("reeb: a polytope in R^4 has at least 5 facets");
    check_len("N", G.N.size(), 4 * std::size_t(G.m));
    check_len("R", G.R.size(), 4 * std::size_t(G.m));
    for (double h : G.H)
        if (!(h > 0)) throw std::invalid_argument("reeb: H must be positive (0 inside K)");
    G.face_pairs = i64_vector(need(d, "face_pairs"), "face_pairs");
    G.face_facets = i64_vector(need(d, "face_facets"), "face_facets");
    G.face_c = f64_vector(need(d, "face_c"), "face_c");
    G.face_M = f64_vector(need(d, "face_M"), "face_M");
    G.face_poly = f64_vector(need(d, "face_poly"), "face_poly");
    G.face_poly_start = i64_vector(need(d, "face_poly_start"), "face_poly_start");
    G.face_diam = f64_vector(need(d, "face_diam"), "face_diam");
    G.face_rad = f64_vector(need(d, "face_rad"), "face_rad");
    G.face_cF = f64_vector(need(d, "face_cF"), "face_cF");
    G.face_rate = f64_vector(need(d, "face_rate"), "face_rate");
    G.nF = static_cast<int>(G.face_diam.size());
    const std::size_t nF = G.nF;
    check_len("face_pairs", G.face_pairs.size(), 2 * nF);
    check_len("face_facets", G.face_facets.size(), 2 * nF);
    check_range("face_pairs", G.face_pairs, 0, G.m);
    check_range("face_facets", G.face_facets, 0, G.m);
    check_len("face_c", G.face_c.size(), 4 * nF);
    check_len("face_M", G.face_M.size(), 8 * nF);
    check_len("face_rad", G.face_rad.size(), nF);
    check_len("face_cF", G.face_cF.size(), nF);
    check_len("face_rate", G.face_rate.size(), nF);
    if (G.face_poly.size() % 2) throw std::invalid_argument("reeb: face_poly must have shape (k, 2)");
    check_offsets("face_poly_start", G.face_poly_start, nF, G.face_poly.size() / 2);
    for (std::size_t f = 0; f < nF; ++f)
        if (G.face_poly_start[f + 1] == G.face_poly_start[f])
            throw std::invalid_argument("reeb: face " + std::to_string(f) + " has an empty polygon");
    G.edge_src = i64_vector(need(d, "edge_src"), "edge_src");
    G.edge_dst = i64_vector(need(d, "edge_dst"), "edge_dst");
    G.edge_facet = i64_vector(need(d, "edge_facet"), "edge_facet");
    G.nE = static_cast<int>(G.edge_src.size());
    const std::size_t nE = G.nE;
    check_len("edge_dst", G.edge_dst.size(), nE);
    check_len("edge_facet", G.edge_facet.size(), nE);
    check_range("edge_src", G.edge_src, 0, G.nF);
    check_range("edge_dst", G.edge_dst, 0, G.nF);
    check_range("edge_facet", G.edge_facet, 0, G.m);
    G.edge_A = f64_vector(need(d, "edge_A"), "edge_A");
    G.edge_b = f64_vector(need(d, "edge_b"), "edge_b");
    G.edge_alpha = f64_vector(need(d, "edge_alpha"), "edge_alpha");
    G.edge_beta = f64_vector(need(d, "edge_beta"), "edge_beta");
    G.edge_minf = f64_vector(need(d, "edge_minf"), "edge_minf");
    G.edge_eA = f64_vector(need(d, "edge_eA"), "edge_eA");
    G.edge_eb = f64_vector(need(d, "edge_eb"), "edge_eb");
    G.edge_ealpha = f64_vector(need(d, "edge_ealpha"), "edge_ealpha");
    G.edge_ebeta = f64_vector(need(d, "edge_ebeta"), "edge_ebeta");
    check_len("edge_A", G.edge_A.size(), 4 * nE);
    check_len("edge_b", G.edge_b.size(), 2 * nE);
    check_len("edge_alpha", G.edge_alpha.size(), nE);
    check_len("edge_beta", G.edge_beta.size(), 2 * nE);
    check_len("edge_minf", G.edge_minf.size(), nE);
    check_len("edge_eA", G.edge_eA.size(), nE);
    check_len("edge_eb", G.edge_eb.size(), nE);
    check_len("edge_ealpha", G.edge_ealpha.size(), nE);
    check_len("edge_ebeta", G.edge_ebeta.size(), nE);
    G.edge_hp_start = i64_vector(need(d, "edge_hp_start"), "edge_hp_start");
    G.hp_a = f64_vector(need(d, "hp_a"), "hp_a");
    G.hp_c = f64_vector(need(d, "hp_c"), "hp_c");
    G.hp_ea = f64_vector(need(d, "hp_ea"), "hp_ea");
    G.hp_ec = f64_vector(need(d, "hp_ec"), "hp_ec");
    const std::size_t nH = G.hp_c.size();
    check_offsets("edge_hp_start", G.edge_hp_start, nE, nH);
    check_len("hp_a", G.hp_a.size(), 2 * nH);
    check_len("hp_ea", G.hp_ea.size(), nH);
    check_len("hp_ec", G.hp_ec.size(), nH);
    G.scale = need(d, "scale").cast<double>();
    G.inradius = need(d, "inradius").cast<double>();
    if (!(std::isfinite(G.scale) && G.scale > 0) || !(std::isfinite(G.inradius) && G.inradius > 0))
        throw std::invalid_argument("reeb: scale and inradius must be positive and finite");
    G.out_edges.assign(G.nF, {});
    G.in_edges.assign(G.nF, {});
    for (int e = 0; e < G.nE; ++e) {
        G.out_edges[G.edge_src[e]].push_back(e);
        G.in_edges[G.edge_dst[e]].push_back(e);
    }
    return G;
}

Skeleton skeleton_from_dict(const py::dict& d, const Graph& G) {
    Skeleton S;
    S.V = f64_vector(need(d, "V"), "V");
    if (S.V.size() % 4 || S.V.empty()) throw std::invalid_argument("reeb: V must have shape (k, 4)");
    const std::int64_t nV = static_cast<std::int64_t>(S.V.size() / 4);
    S.jf_kind = i64_vector(need(d, "jf_kind"), "jf_kind");
    S.jf_v = i64_vector(need(d, "jf_v"), "jf_v");
    S.jf_fstart = i64_vector(need(d, "jf_fstart"), "jf_fstart");
    S.jf_facets = i64_vector(need(d, "jf_facets"), "jf_facets");
    S.nP = static_cast<int>(S.jf_kind.size());
    check_range("jf_kind", S.jf_kind, 0, 2);
    check_len("jf_v", S.jf_v.size(), 2 * std::size_t(S.nP));
    check_range("jf_v", S.jf_v, 0, nV);
    check_offsets("jf_fstart", S.jf_fstart, S.nP, S.jf_facets.size());
    check_range("jf_facets", S.jf_facets, 0, G.m);
    S.jp_face = i64_vector(need(d, "jp_face"), "jp_face");
    S.jp_E = i64_vector(need(d, "jp_E"), "jp_E");
    S.jp_C = i64_vector(need(d, "jp_C"), "jp_C");
    S.jp_xstart = i64_vector(need(d, "jp_xstart"), "jp_xstart");
    S.jp_X = i64_vector(need(d, "jp_X"), "jp_X");
    S.nJ = static_cast<int>(S.jp_face.size());
    check_range("jp_face", S.jp_face, 0, S.nP);
    check_len("jp_E", S.jp_E.size(), S.nJ);
    check_len("jp_C", S.jp_C.size(), S.nJ);
    check_range("jp_E", S.jp_E, 0, G.m);
    check_range("jp_C", S.jp_C, 0, G.m);
    check_offsets("jp_xstart", S.jp_xstart, S.nJ, S.jp_X.size());
    check_range("jp_X", S.jp_X, 0, G.nF);
    S.exit_start = i64_vector(need(d, "exit_start"), "exit_start");
    S.exits = i64_vector(need(d, "exits"), "exits");
    check_offsets("exit_start", S.exit_start, G.m, S.exits.size());
    check_range("exits", S.exits, 0, G.nF);
    for (int j = 0; j < S.nJ; ++j) {
        // Every jump exit must be an exit of its arriving facet (the search looks it up there).
        for (std::int64_t x = S.jp_xstart[j]; x < S.jp_xstart[j + 1]; ++x)
            if (G.face_facets[2 * S.jp_X[x]] != S.jp_E[j])
                throw std::invalid_argument("reeb: jump " + std::to_string(j) + " lists a 2-face that is not an exit "
                                            "of its arriving facet");
        if (S.jp_xstart[j + 1] == S.jp_xstart[j])
            throw std::invalid_argument("reeb: jump " + std::to_string(j) + " has no exit 2-face");
    }
    return S;
}

// ---------------------------------------------------------------- polygons
double bbox_diameter(const Polygon2& p) {
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
    if (k == 0) return -kInf;
    if (k <= 2) {
        const auto& p = poly.front();
        const auto& q = poly.back();
        const double ex = q[0] - p[0], ey = q[1] - p[1], ln2 = ex * ex + ey * ey;
        const double lam =
            ln2 == 0.0 ? 0.0 : std::min(1.0, std::max(0.0, ((s0 - p[0]) * ex + (s1 - p[1]) * ey) / ln2));
        return -std::hypot(s0 - p[0] - lam * ex, s1 - p[1] - lam * ey);
    }
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

Polygon2 clip_convex(const Polygon2& poly, double a0, double a1, double c, double eps, double diam, double slack) {
    const double ceps = std::max(slack, CLIP_REL * diam * std::hypot(a0, a1));
    return dedupe_vertices(clip_halfplane(poly, {a0, a1}, c, ceps), eps);
}

// ---------------------------------------------------------------- fixed points (orbit_fit.solve_fixed_point)
FixedPoint solve_fixed_point(const Mat2& A, const std::array<double, 2>& b, const Polygon2& poly, double diam,
                             double perr) {
    FixedPoint fp;
    const double M00 = A.a00 - 1.0, M01 = A.a01, M10 = A.a10, M11 = A.a11 - 1.0;
    const double tr = A.a00 + A.a11;
    const double scale_a = std::max(1.0, frob(A));
    const double tol_m = INTERIOR_MARGIN * diam;
    const bool degenerate = std::abs(tr - 2.0) <= trace_tolerance(A);
    // A - I singular in float64: float cannot place the fixed point, the exact phase decides
    // (orbit_fit.py): found, status OUTSIDE, infinite error.
    const FixedPoint undecided{true, std::nan(""), std::nan(""), false, STATUS_OUTSIDE, kInf};
    const double det = M00 * M11 - M01 * M10;
    if (det != 0.0) {
        const double s0 = (-b[0] * M11 + b[1] * M01) / det;
        const double s1 = (-M00 * b[1] + M10 * b[0]) / det;
        const double ninv = std::max(std::abs(M11) + std::abs(M01), std::abs(M10) + std::abs(M00)) / std::abs(det);
        const double mnorm = std::max(std::abs(M00) + std::abs(M01), std::abs(M10) + std::abs(M11));
        const double err = ninv * (perr + GAMMA * (mnorm * std::max(std::abs(s0), std::abs(s1)) +
                                                   std::max(std::abs(b[0]), std::abs(b[1]))));
        const bool finite = std::isfinite(s0) && std::isfinite(s1) && std::isfinite(err);
        // A trace near 2 does not make A - I singular: a solution determined to better than the face's
        // size decides (orbit_fit.py).
        if (finite && (!degenerate || err <= diam)) {
            const double m = margin_of(poly, s0, s1);
            const double band = std::max(tol_m, err);
            if (m > band) return {true, s0, s1, false, STATUS_OK, err};
            if (m >= -band) return {true, s0, s1, false, STATUS_BOUNDARY, err};
            return fp;
        }
    }
    if (!degenerate) return undecided;
    const double bn = std::hypot(b[0], b[1]);
    const double p = M00 * M00 + M10 * M10, q = M00 * M01 + M10 * M11, r = M01 * M01 + M11 * M11;
    const double lam1 = 0.5 * (p + r) + std::hypot(0.5 * (p - r), q);
    const double sv0 = std::sqrt(std::max(lam1, 0.0));
    const std::size_t n = poly.size();
    if (sv0 <= 1e-9 * scale_a) {
        if (bn > std::max(tol_m, 4.0 * perr)) return fp;
        double s0 = 0, s1 = 0;
        for (const auto& v : poly) s0 += v[0];
        for (const auto& v : poly) s1 += v[1];
        s0 /= double(n);
        s1 /= double(n);
        const double m = margin_of(poly, s0, s1);
        return {true, s0, s1, true, m > tol_m ? STATUS_OK : STATUS_BOUNDARY, 0.0};
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
    if (std::hypot(res0, res1) > std::max(1e-9 * (bn + diam), 4.0 * perr)) return fp;
    const double z0 = -v1, z1 = v0;
    if (n <= 2) {
        const auto& pa = poly.front();
        const auto& pb = poly.back();
        const double da = (pa[0] - sp0) * v0 + (pa[1] - sp1) * v1;
        const double db = (pb[0] - sp0) * v0 + (pb[1] - sp1) * v1;
        const double lam = da == db ? 0.0 : std::min(1.0, std::max(0.0, da / (da - db)));
        const double s0 = pa[0] + lam * (pb[0] - pa[0]), s1 = pa[1] + lam * (pb[1] - pa[1]);
        const double dist = std::abs(da + lam * (db - da));
        if (dist > std::max(tol_m, 4.0 * perr)) return fp;
        return {true, s0, s1, true, STATUS_BOUNDARY, 0.0};
    }
    double lo = -kInf, hi = kInf;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& P = poly[i];
        const auto& Q = poly[(i + 1) % n];
        const double ex = Q[0] - P[0], ey = Q[1] - P[1];
        const double c0 = ex * (sp1 - P[1]) - ey * (sp0 - P[0]);
        const double c1 = ex * z1 - ey * z0;
        if (std::abs(c1) <= 1e-300) {
            if (c0 < -tol_m * std::hypot(ex, ey)) return fp;
            continue;
        }
        const double t = -c0 / c1;
        if (c1 > 0)
            lo = std::max(lo, t);
        else
            hi = std::min(hi, t);
    }
    if (!(hi >= lo - tol_m)) return fp;
    const double t = 0.5 * (lo + hi);
    const double s0 = sp0 + t * z0, s1 = sp1 + t * z1;
    const double m = margin_of(poly, s0, s1);
    return {true, s0, s1, true, m > tol_m ? STATUS_OK : STATUS_BOUNDARY, 0.0};
}

// ---------------------------------------------------------------- least squares, reconstruction
// Householder QR.  The cycle systems of reconstruct() are block-cyclic (each column has a few
// nonzero rows, and stays so), so every sum and update runs over the nonzero rows of the current
// Householder vector only: the skipped terms are exact zeros, so the result is bitwise that of the
// dense loops, at O(cols^2 nnz) instead of O(rows cols^2) (the dense form was the hot spot of
// m = 1000: closed cycles of ~100 faces, 36 k^3 flops each).
bool least_squares(std::vector<double> A, int rows, int cols, std::vector<double> b, std::vector<double>& x) {
    auto at = [&](int i, int j) -> double& { return A[std::size_t(j) * rows + i]; };
    std::vector<int> nz;
    nz.reserve(rows);
    for (int j = 0; j < cols; ++j) {
        nz.clear();
        for (int i = j; i < rows; ++i)
            if (at(i, j) != 0.0) nz.push_back(i);
        double norm = 0;
        for (int i : nz) norm += at(i, j) * at(i, j);
        norm = std::sqrt(norm);
        if (norm == 0.0) return false;
        const double alpha = at(j, j) > 0 ? -norm : norm;
        at(j, j) -= alpha;  // nonzero now (|at(j, j) - alpha| >= norm > 0)
        if (nz.front() != j) nz.insert(nz.begin(), j);
        double vnorm2 = 0;
        for (int i : nz) vnorm2 += at(i, j) * at(i, j);
        if (vnorm2 > 0) {
            for (int c = j + 1; c < cols; ++c) {
                double dot = 0;
                for (int i : nz) dot += at(i, j) * at(i, c);
                const double f = 2 * dot / vnorm2;
                for (int i : nz) at(i, c) -= f * at(i, j);
            }
            double dot = 0;
            for (int i : nz) dot += at(i, j) * b[i];
            const double f = 2 * dot / vnorm2;
            for (int i : nz) b[i] -= f * at(i, j);
        }
        at(j, j) = alpha;
        for (int i : nz)
            if (i > j) at(i, j) = 0.0;
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

namespace {
double max_residual(const std::vector<double>& A, int rows, int cols, int used_rows, const std::vector<double>& rhs,
                    const std::vector<double>& sol) {
    double res = 0;
    for (int i = 0; i < used_rows; ++i) {
        double s = -rhs[i];
        for (int j = 0; j < cols; ++j) s += A[std::size_t(j) * rows + i] * sol[j];
        res = std::max(res, std::abs(s));
    }
    return res;
}
}  // namespace

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
    out.resid = max_residual(A, rows, cols, rows, rhs, sol) / std::max(G.scale, 1e-300);
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

Rebuilt reconstruct_r4(const Graph& G, const std::vector<std::vector<int>>& facet_sets, const std::vector<int>& flows,
                       const double* pin) {
    const int k = static_cast<int>(flows.size());
    int nface = 0;
    for (const auto& s : facet_sets) nface += static_cast<int>(s.size());
    const int main_rows = nface + 4 * k;
    const int rows = main_rows + (pin ? 4 : 0), cols = 5 * k;
    std::vector<double> A(std::size_t(rows) * cols, 0.0), rhs(rows, 0.0);
    auto at = [&](int i, int j) -> double& { return A[std::size_t(j) * rows + i]; };
    int r = 0;
    for (int i = 0; i < k; ++i)
        for (int g : facet_sets[i]) {
            for (int c = 0; c < 4; ++c) at(r, 4 * i + c) = G.N[4 * g + c];
            rhs[r] = G.H[g];
            ++r;
        }
    for (int i = 0; i < k; ++i) {
        const int j = (i + 1) % k;
        for (int c = 0; c < 4; ++c) {
            at(r + c, 4 * j + c) += 1.0;
            at(r + c, 4 * i + c) -= 1.0;
            at(r + c, 4 * k + i) = -G.R[4 * flows[i] + c];
        }
        r += 4;
    }
    if (pin)
        for (int c = 0; c < 4; ++c) {
            at(r + c, c) = PIN_WEIGHT;
            rhs[r + c] = PIN_WEIGHT * pin[c];
        }
    Rebuilt out;
    std::vector<double> sol;
    if (!least_squares(A, rows, cols, rhs, sol)) return out;
    out.resid = max_residual(A, rows, cols, main_rows, rhs, sol) / std::max(G.scale, 1e-300);
    out.x.assign(sol.begin(), sol.begin() + 4 * k);
    out.t.assign(sol.begin() + 4 * k, sol.end());
    return out;
}

int validate_closed(const Graph& G, const std::vector<std::vector<int>>& facet_sets, const Rebuilt& rb,
                    double& action, int& problem) {
    const int k = static_cast<int>(facet_sets.size());
    const double tol = INTERIOR_MARGIN * G.scale;
    problem = REJ_NUMERIC;
    action = std::nan("");
    if (rb.x.size() != std::size_t(4 * k)) return STATUS_OUTSIDE;
    for (double v : rb.x)
        if (!std::isfinite(v)) return STATUS_OUTSIDE;
    for (double v : rb.t)
        if (!std::isfinite(v)) return STATUS_OUTSIDE;
    if (!(rb.resid <= RESID_TOL)) return STATUS_OUTSIDE;
    double total = 0, tmin = kInf;
    for (double t : rb.t) {
        total += t;
        tmin = std::min(tmin, t);
    }
    double act = 0;
    for (int i = 0; i < k; ++i) {
        const double* x = &rb.x[4 * i];
        const double* y = &rb.x[4 * ((i + 1) % k)];
        act += x[0] * y[2] + x[1] * y[3] - x[2] * y[0] - x[3] * y[1];
    }
    act *= 0.5;
    const double ball = kPi * G.inradius * G.inradius;
    if (std::max(act, total) < ball * (1.0 - BALL_SLACK)) {
        action = act;
        problem = REJ_BALL;
        return STATUS_OUTSIDE;
    }
    if (total <= 0 || tmin < -TIME_TOL * total) return STATUS_OUTSIDE;
    int status = tmin > TIME_TOL * total ? STATUS_OK : STATUS_BOUNDARY;
    for (int i = 0; i < k; ++i) {
        double mn = kInf;
        for (int g = 0; g < G.m; ++g) {
            double s = G.H[g];
            for (int c = 0; c < 4; ++c) s -= G.N[4 * g + c] * rb.x[4 * i + c];
            if (std::find(facet_sets[i].begin(), facet_sets[i].end(), g) != facet_sets[i].end()) {
                if (std::abs(s) > tol) return STATUS_OUTSIDE;
                continue;
            }
            mn = std::min(mn, s);
        }
        if (mn < -tol) return STATUS_OUTSIDE;
        if (mn <= tol) status = STATUS_BOUNDARY;
    }
    if (!(std::abs(act - total) <= 1e-9 * std::max(std::abs(act), std::abs(total)))) return STATUS_OUTSIDE;
    if (act < ball * (1.0 - BALL_SLACK)) {
        action = act;
        problem = REJ_BALL;
        return STATUS_OUTSIDE;
    }
    action = act;
    problem = 0;
    return status;
}

// ---------------------------------------------------------------- results
void Shared::offer_capacity(Candidate&& c, double& incumbent) {
    if (c.action < incumbent * (1.0 - ACTION_TIE)) {  // ties: the first found stays (deterministic)
        if (have_best) min_other_action = std::min(min_other_action, best.action);
        incumbent = c.action;
        best = std::move(c);
        have_best = true;
    } else {
        min_other_action = std::min(min_other_action, c.action);
    }
}

py::dict candidate_dict(const Candidate& c) {
    py::dict o;
    o["kind"] = c.kind;
    o["faces"] = c.faces;
    py::list nodes;
    for (const auto& n : c.nodes) nodes.append(py::make_tuple(n[0] == 0 ? "F" : "J", n[1], n[2]));
    o["nodes"] = nodes;
    o["flows"] = c.flows;
    o["x"] = c.x;
    o["t"] = c.t;
    o["action"] = c.action;
    o["code"] = c.code;
    o["rho"] = c.rho;
    o["A"] = std::vector<double>{c.A.a00, c.A.a01, c.A.a10, c.A.a11};
    o["degenerate"] = c.degenerate;
    o["status"] = c.status;
    o["estimate"] = c.estimate;
    o["orbit_type"] = c.orbit_type;
    return o;
}

}  // namespace reeb
}  // namespace viterbo
