// Minkowski billiard kernel for method="billiard" (Python face: viterbo/capacity/billiard.py).
//
// For each combinatorial type (2 or 3 edges of K, in cyclic order) it solves the LP
//     min sum_i s_i  s.t.  s_i >= <w, q_{i+1} - q_i>  for every vertex w of T,
//                           q_i = A_i + t_i (B_i - A_i),  0 <= t_i <= 1,
// i.e. (P) min c^T x, G x <= g over x = (t, s).  We run Bland's-rule primal simplex on its
// dual (D) max -g^T y, G^T y = -c, y >= 0, which has only 2k <= 6 equality rows and an obvious
// feasible basis (one vertex weight per chord plus one bound multiplier per t), so no phase 1.
// The primal point is recovered from the optimal basis: G_B x = g_B.  The value returned to
// Python is re-evaluated from the points, exactly as the reference does.
//
// Robustness: every array is checked on the way in (array_checks.hpp: dtype, shape, finite values; edge
// indices in range), the type loop polls a StopCheck (time budget and Ctrl-C), and a type whose LP does
// not reach an optimum, or whose data overflow to inf/NaN, is reported back as a status (the Python
// face raises NumericalFailureError, which "auto" treats as "this method cannot answer"): nothing
// computed from a non-finite number ever selects an index or bounds a loop.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "array_checks.hpp"
#include "interrupt.hpp"

namespace py = pybind11;

namespace viterbo {
namespace {

struct Pt {
    double x, y;
};

// Solve the n x n system M z = r (row-major, n <= 6) by Gaussian elimination with partial pivoting.
bool solve_dense(std::vector<double> M, std::vector<double> r, int n, std::vector<double>& z) {
    for (int col = 0; col < n; ++col) {
        int piv = col;
        for (int row = col + 1; row < n; ++row)
            if (std::abs(M[row * n + col]) > std::abs(M[piv * n + col])) piv = row;
        if (std::abs(M[piv * n + col]) < 1e-300) return false;
        if (piv != col) {
            for (int k = 0; k < n; ++k) std::swap(M[col * n + k], M[piv * n + k]);
            std::swap(r[col], r[piv]);
        }
        for (int row = col + 1; row < n; ++row) {
            const double f = M[row * n + col] / M[col * n + col];
            if (f == 0.0) continue;
            for (int k = col; k < n; ++k) M[row * n + k] -= f * M[col * n + k];
            r[row] -= f * r[col];
        }
    }
    z.assign(n, 0.0);
    for (int row = n - 1; row >= 0; --row) {
        double acc = r[row];
        for (int k = row + 1; k < n; ++k) acc -= M[row * n + k] * z[k];
        z[row] = acc / M[row * n + row];
    }
    return true;
}

struct TypeSolution {
    std::vector<Pt> q;
    double value = std::numeric_limits<double>::infinity();
    bool ok = false;
};

double polygon_length(const std::vector<Pt>& q, const std::vector<Pt>& W) {
    const int k = static_cast<int>(q.size());
    double total = 0.0;
    for (int i = 0; i < k; ++i) {
        const Pt& a = q[i];
        const Pt& b = q[(i + 1) % k];
        const double dx = b.x - a.x, dy = b.y - a.y;
        double best = -std::numeric_limits<double>::infinity();
        for (const Pt& w : W) best = std::max(best, w.x * dx + w.y * dy);
        total += best;
    }
    return total;
}

// One type: edges e_0..e_{k-1} of K (vertices KV, edge e from KV[e] to KV[e+1]).
TypeSolution solve_type(const std::vector<Pt>& KV, const std::vector<Pt>& W, const std::vector<int>& edges) {
    const int k = static_cast<int>(edges.size());
    const int mK = static_cast<int>(KV.size());
    const int mT = static_cast<int>(W.size());
    const int nx = 2 * k;  // primal variables (t_0..t_{k-1}, s_0..s_{k-1}) = dual equality rows
    std::vector<Pt> A(k), tau(k);
    for (int i = 0; i < k; ++i) {
        A[i] = KV[edges[i]];
        const Pt& B = KV[(edges[i] + 1) % mK];
        tau[i] = {B.x - A[i].x, B.y - A[i].y};
    }
    // Rows of G (= columns of the dual): k*mT vertex rows, then k upper (t <= 1), k lower (-t <= 0).
    const int nrows = k * mT + 2 * k;
    std::vector<double> G(static_cast<size_t>(nrows) * nx, 0.0), g(nrows, 0.0);
    for (int i = 0; i < k; ++i) {
        const int j = (i + 1) % k;
        const double ax = A[j].x - A[i].x, ay = A[j].y - A[i].y;
        for (int v = 0; v < mT; ++v) {
            const int r = i * mT + v;
            const Pt& w = W[v];
            G[r * nx + j] += w.x * tau[j].x + w.y * tau[j].y;
            G[r * nx + i] -= w.x * tau[i].x + w.y * tau[i].y;
            G[r * nx + k + i] = -1.0;
            g[r] = -(w.x * ax + w.y * ay);
        }
    }
    for (int j = 0; j < k; ++j) {
        G[(k * mT + j) * nx + j] = 1.0;
        g[k * mT + j] = 1.0;
        G[(k * mT + k + j) * nx + j] = -1.0;
        g[k * mT + k + j] = 0.0;
    }
    // Dual (D): max b^T y, sum_r G[r, :] y_r = -c, y >= 0, with b = -g, c = (0, 1).
    std::vector<double> rhs(nx, 0.0);
    for (int i = 0; i < k; ++i) rhs[k + i] = -1.0;
    // Initial basis: for chord i the vertex maximising <w, d_i> at t = 1/2; then bound multipliers.
    std::vector<int> basis(nx);
    for (int i = 0; i < k; ++i) {
        const int j = (i + 1) % k;
        const double dx = A[j].x + 0.5 * tau[j].x - A[i].x - 0.5 * tau[i].x;
        const double dy = A[j].y + 0.5 * tau[j].y - A[i].y - 0.5 * tau[i].y;
        int best = 0;
        double bv = -std::numeric_limits<double>::infinity();
        for (int v = 0; v < mT; ++v) {
            const double val = W[v].x * dx + W[v].y * dy;
            if (val > bv) { bv = val; best = v; }
        }
        basis[k + i] = i * mT + best;
    }
    for (int j = 0; j < k; ++j) {
        double a = 0.0;
        for (int i = 0; i < k; ++i) a += G[basis[k + i] * nx + j];
        basis[j] = (a <= 0.0) ? (k * mT + j) : (k * mT + k + j);
    }
    const double scale = [&] {
        double s = 1.0;
        for (double v : G) s = std::max(s, std::abs(v));
        for (double v : g) s = std::max(s, std::abs(v));
        return s;
    }();
    const double eps = 1e-12 * scale;
    std::vector<double> Bm(nx * nx), x, y, col(nx), dvec;
    TypeSolution out;
    for (int iter = 0; iter < 10000; ++iter) {
        // Basis matrix (columns = G rows of the basic variables): Bm[row][c] = G[basis[c], row].
        for (int rr = 0; rr < nx; ++rr)
            for (int c = 0; c < nx; ++c) Bm[rr * nx + c] = G[basis[c] * nx + rr];
        if (!solve_dense(Bm, rhs, nx, y)) return out;  // basic values y_B
        // Simplex multipliers pi of (D): G_B pi = b_B = -g_B.  Complementary slackness puts the
        // primal optimum at x = -pi (then G_B x = g_B: the basic rows are the active constraints).
        std::vector<double> BmT(nx * nx), bB(nx);
        for (int rr = 0; rr < nx; ++rr) {
            for (int c = 0; c < nx; ++c) BmT[rr * nx + c] = G[basis[rr] * nx + c];
            bB[rr] = -g[basis[rr]];
        }
        if (!solve_dense(BmT, bB, nx, x)) return out;  // x holds pi
        // Reduced cost of column r: b_r - pi^T G_r = -g_r + G_r x_primal = -(slack of primal row r)
        int enter = -1;
        for (int r = 0; r < nrows; ++r) {
            double gx = 0.0;
            for (int c = 0; c < nx; ++c) gx += G[r * nx + c] * x[c];
            const double red = -g[r] - gx;
            if (red > eps) {
                bool basic = false;
                for (int c = 0; c < nx; ++c) basic |= (basis[c] == r);
                if (!basic) { enter = r; break; }  // Bland: smallest index
            }
        }
        if (enter < 0) {  // optimal: x is the primal optimum
            out.q.resize(k);
            for (int i = 0; i < k; ++i) {
                const double t = std::min(1.0, std::max(0.0, -x[i]));
                out.q[i] = {A[i].x + t * tau[i].x, A[i].y + t * tau[i].y};
            }
            out.value = polygon_length(out.q, W);
            out.ok = std::isfinite(out.value);
            return out;
        }
        for (int rr = 0; rr < nx; ++rr) col[rr] = G[enter * nx + rr];
        if (!solve_dense(Bm, col, nx, dvec)) return out;  // direction: y_B decreases by theta * dvec
        int leave = -1;
        double best_ratio = std::numeric_limits<double>::infinity();
        for (int c = 0; c < nx; ++c) {
            if (dvec[c] <= 1e-14) continue;
            const double ratio = std::max(0.0, y[c]) / dvec[c];
            // Bland: minimum ratio, ties broken by the smallest variable index
            if (leave < 0 || ratio < best_ratio - 1e-15 ||
                (ratio <= best_ratio + 1e-15 && basis[c] < basis[leave])) {
                leave = c;
                best_ratio = std::min(best_ratio, ratio);
            }
        }
        if (leave < 0) return out;  // (D) unbounded would mean (P) infeasible: impossible here
        basis[leave] = enter;
    }
    return out;
}

constexpr const char* kWho = "billiard_minimum";

std::vector<Pt> to_points(const py::object& obj, const char* name) {
    const CheckedArray a = checked_real(obj, kWho, name, 2, 2);
    if (a.shape(0) < 3)
        throw std::invalid_argument(std::string(kWho) + ": " + name + " has " + std::to_string(a.shape(0)) +
                                    " vertices; a convex polygon needs at least 3");
    std::vector<Pt> out(a.shape(0));
    auto r = a.unchecked<2>();
    for (py::ssize_t i = 0; i < a.shape(0); ++i) {
        out[i].x = r(i, 0);
        out[i].y = r(i, 1);
    }
    return out;
}

// Each type: 2 or 3 integer edge indices of K, each in [0, number of vertices of K).  A long list is
// converted with the GIL held, so Ctrl-C is polled here too.
std::vector<std::vector<int>> to_types(const py::object& obj, int n_edges) {
    if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj))
        throw std::invalid_argument("billiard_minimum: types must be a sequence of 2- or 3-tuples of edge indices");
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    std::vector<std::vector<int>> types;
    types.reserve(seq.size());
    for (const py::handle item : seq) {
        if (types.size() % 65536 == 65535 && PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (!py::isinstance<py::sequence>(item) || py::isinstance<py::str>(item))
            throw std::invalid_argument("billiard_minimum: each type is a sequence of 2 or 3 integer edge indices");
        const py::sequence t = py::reinterpret_borrow<py::sequence>(item);
        const py::ssize_t k = static_cast<py::ssize_t>(t.size());
        if (k < 2 || k > 3)
            throw std::invalid_argument("billiard_minimum: each type is 2 or 3 integer edge indices; got " +
                                        std::to_string(k));
        std::vector<int> edges(static_cast<std::size_t>(k));
        for (py::ssize_t i = 0; i < k; ++i) {
            const py::object e = t[i];
            if (!PyIndex_Check(e.ptr()) || PyBool_Check(e.ptr()))
                throw std::invalid_argument("billiard_minimum: each type is 2 or 3 integer edge indices; got " +
                                            std::string(py::repr(e)));
            const long long v = PyLong_AsLongLong(py::reinterpret_steal<py::object>(PyNumber_Index(e.ptr())).ptr());
            if (v == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                throw std::invalid_argument("billiard_minimum: edge index " + std::string(py::repr(e)) +
                                            " does not fit a 64-bit integer");
            }
            if (v < 0 || v >= n_edges)
                throw std::invalid_argument("billiard_minimum: edge index " + std::to_string(v) + " out of range [0, " +
                                            std::to_string(n_edges) + ")");
            edges[static_cast<std::size_t>(i)] = static_cast<int>(v);
        }
        types.push_back(std::move(edges));
    }
    return types;
}

struct BilliardOutcome {
    double best = std::numeric_limits<double>::infinity();
    std::vector<Pt> best_q;
    long best_index = -1;
    long solved = 0;
    long failed_type = -1;  // index of a type whose LP failed (the search stops there)
};

py::dict billiard_minimum_py(const py::object& K, const py::object& T, const py::object& types_in, double deadline_s) {
    const std::vector<Pt> KV = to_points(K, "K"), W = to_points(T, "T");
    const std::vector<std::vector<int>> types = to_types(types_in, static_cast<int>(KV.size()));
    checked_not_nan(deadline_s, kWho, "deadline_s");
    // The LP data are products of K's and T's coordinates and the simplex's tolerances are absolute
    // (1e-12 times the largest entry, at least 1): outside this range products overflow or everything
    // looks like zero.  The Python face passes factors normalised to size 1.
    double k_size = 0.0, t_size = 0.0;
    for (const Pt& p : KV) k_size = std::max(k_size, std::max(std::fabs(p.x), std::fabs(p.y)));
    for (const Pt& p : W) t_size = std::max(t_size, std::max(std::fabs(p.x), std::fabs(p.y)));
    if (!(k_size * t_size <= 1e100 && k_size * t_size >= 1e-100))
        throw std::invalid_argument("billiard_minimum: max|K| max|T| = " + std::to_string(k_size) + " * " +
                                    std::to_string(t_size) + " is outside [1e-100, 1e100]: the LPs would overflow or "
                                    "lose every digit; pass factors normalised to size about 1 (as "
                                    "viterbo.capacity.billiard.minimal_billiard does) and scale the value back");
    StopCheck stop(deadline_s);
    BilliardOutcome o;
    {
        py::gil_scoped_release release;
        for (size_t n = 0; n < types.size(); ++n) {
            if (stop.check_now()) break;  // a clock read per type (each is a small LP): cheap
            TypeSolution s = solve_type(KV, W, types[n]);
            if (!s.ok) {
                o.failed_type = static_cast<long>(n);
                break;
            }
            ++o.solved;
            if (s.value < o.best - 1e-13 * std::abs(s.value)) {
                o.best = s.value;
                o.best_q = s.q;
                o.best_index = static_cast<long>(n);
            }
        }
    }
    stop.rethrow_if_interrupted();  // Ctrl-C: the KeyboardInterrupt itself
    py::array_t<double> Q({static_cast<py::ssize_t>(o.best_q.size()), static_cast<py::ssize_t>(2)});
    auto q = Q.mutable_unchecked<2>();
    for (size_t i = 0; i < o.best_q.size(); ++i) {
        q(i, 0) = o.best_q[i].x;
        q(i, 1) = o.best_q[i].y;
    }
    py::dict out;
    out["value"] = o.best;
    out["points"] = Q;
    out["type_index"] = o.best_index;
    out["solved"] = o.solved;
    out["timed_out"] = stop.timed_out();
    out["failed_type"] = o.failed_type;
    return out;
}

}  // namespace

void register_billiard(py::module_& m) {
    m.def("billiard_minimum", &billiard_minimum_py, py::arg("K"), py::arg("T"), py::arg("types"),
          py::arg("deadline_s") = -1.0,
          "Shortest closed (K, T)-Minkowski billiard over the given edge types; see "
          "viterbo.capacity.billiard.minimal_billiard. Returns {value, points, type_index, solved, timed_out, "
          "failed_type} (failed_type >= 0: that type's LP failed and the search stopped).");
}

}  // namespace viterbo
