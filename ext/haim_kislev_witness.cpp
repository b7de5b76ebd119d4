// The witness loop of method="haim_kislev" (viterbo.capacity._haim_kislev_witness): a maximiser (sigma, b, Q)
// of Haim-Kislev's formula gives the segments (hscale b_l / Q) J n_l of a closed polygon; placing it on K's
// boundary is a small linear problem (least squares, then a max-min-slack LP over the free directions).
// Split from ext/haim_kislev.cpp (the search); the Python references are place_loop and loop_of.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "array_checks.hpp"
#include "dense_simplex.hpp"
#include "haim_kislev_witness.hpp"

namespace py = pybind11;

namespace viterbo {
namespace {

// ------------------------------------------------------------------------------------ witness placement
// The breakpoints x_0 + D_i of a maximiser's loop (D_i = steps_0 + ... + steps_{i-1}) must lie on the
// facets `facets[i]`: Nf x_0 = rhs with rhs_i = H_{f_i} - <n_{f_i}, D_i>, overdetermined and consistent
// for a maximiser.  The same steps as the Python reference viterbo.capacity._haim_kislev_witness.place_loop:
// the least-squares solution of smallest norm (singular values below eps max(k, d) sigma_max dropped, as
// numpy's lstsq does), accepted when the loop meets its facets and stays in K to kPlaceTol * scale;
// otherwise the directions with sigma <= 1e-10 sigma_max are free and a small LP (dense simplex on its
// dual) maximises the smallest slack of every breakpoint against every facet.
struct Placement {
    std::vector<double> X;  // k x d, row-major
    bool placed = false;
};

// One-sided Jacobi SVD of the k x d matrix A (row-major): A V = U diag(sigma).  Returns V (d x d,
// row-major, column j = right singular vector j), sigma, and in `cols` the columns of A V (column-major,
// column j = sigma_j u_j).
void jacobi_svd(const std::vector<double>& A, std::size_t k, std::size_t d, std::vector<double>& V,
                std::vector<double>& sigma, std::vector<double>& cols) {
    cols.assign(k * d, 0.0);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < d; ++j) cols[j * k + i] = A[i * d + j];
    V.assign(d * d, 0.0);
    for (std::size_t j = 0; j < d; ++j) V[j * d + j] = 1.0;
    const double eps = std::numeric_limits<double>::epsilon();
    for (int sweep = 0; sweep < 60; ++sweep) {
        bool rotated = false;
        for (std::size_t p = 0; p < d; ++p)
            for (std::size_t q = p + 1; q < d; ++q) {
                double* ap = &cols[p * k];
                double* aq = &cols[q * k];
                double alpha = 0.0, beta = 0.0, gamma = 0.0;
                for (std::size_t i = 0; i < k; ++i) {
                    alpha += ap[i] * ap[i];
                    beta += aq[i] * aq[i];
                    gamma += ap[i] * aq[i];
                }
                if (gamma == 0.0 || std::fabs(gamma) <= eps * std::sqrt(alpha * beta)) continue;
                rotated = true;
                const double zeta = (beta - alpha) / (2.0 * gamma);
                const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1.0 + zeta * zeta));
                const double c = 1.0 / std::sqrt(1.0 + t * t), s = c * t;
                for (std::size_t i = 0; i < k; ++i) {
                    const double x = ap[i], y = aq[i];
                    ap[i] = c * x - s * y;
                    aq[i] = s * x + c * y;
                }
                for (std::size_t i = 0; i < d; ++i) {
                    const double x = V[i * d + p], y = V[i * d + q];
                    V[i * d + p] = c * x - s * y;
                    V[i * d + q] = s * x + c * y;
                }
            }
        if (!rotated) break;
    }
    sigma.assign(d, 0.0);
    for (std::size_t j = 0; j < d; ++j) {
        double s2 = 0.0;
        for (std::size_t i = 0; i < k; ++i) s2 += cols[j * k + i] * cols[j * k + i];
        sigma[j] = std::sqrt(s2);
    }
}

Placement place_loop(const double* N, const double* H, std::size_t m, std::size_t d, const std::vector<int>& facets,
                     const double* steps, double scale) {
    const std::size_t k = facets.size();
    Placement out;
    std::vector<double> D(k * d, 0.0), Nf(k * d), rhs(k);
    for (std::size_t i = 1; i < k; ++i)
        for (std::size_t j = 0; j < d; ++j) D[i * d + j] = D[(i - 1) * d + j] + steps[(i - 1) * d + j];
    for (std::size_t i = 0; i < k; ++i) {
        const double* n = N + static_cast<std::size_t>(facets[i]) * d;
        double nd = 0.0;
        for (std::size_t j = 0; j < d; ++j) {
            Nf[i * d + j] = n[j];
            nd += n[j] * D[i * d + j];
        }
        rhs[i] = H[facets[i]] - nd;
    }
    std::vector<double> V, sigma, cols;
    jacobi_svd(Nf, k, d, V, sigma, cols);
    const double smax = *std::max_element(sigma.begin(), sigma.end());
    const double lstsq_cut = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(k, d)) * smax;
    std::vector<double> x0(d, 0.0);
    std::vector<std::size_t> free_dirs;
    for (std::size_t j = 0; j < d; ++j) {
        if (sigma[j] <= 1e-10 * smax) free_dirs.push_back(j);
        if (!(sigma[j] > lstsq_cut)) continue;
        double ur = 0.0;  // <A v_j, rhs> = sigma_j <u_j, rhs>
        for (std::size_t i = 0; i < k; ++i) ur += cols[j * k + i] * rhs[i];
        const double coef = ur / (sigma[j] * sigma[j]);
        for (std::size_t i = 0; i < d; ++i) x0[i] += coef * V[i * d + j];
    }
    const double tol = kPlaceTol * scale;
    // Breakpoints X = x + D; (meets its facets, stays in K), both to tol.
    auto fits = [&](const std::vector<double>& x, std::vector<double>& X) {
        X.assign(k * d, 0.0);
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = 0; j < d; ++j) X[i * d + j] = x[j] + D[i * d + j];
        double on_facets = 0.0, out_of_K = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < k; ++i) {
            double r = -rhs[i];
            for (std::size_t j = 0; j < d; ++j) r += Nf[i * d + j] * x[j];
            on_facets = std::max(on_facets, std::fabs(r));
            for (std::size_t f = 0; f < m; ++f) {
                double s = -H[f];
                for (std::size_t j = 0; j < d; ++j) s += N[f * d + j] * X[i * d + j];
                out_of_K = std::max(out_of_K, s);
            }
        }
        return std::make_pair(on_facets <= tol, out_of_K <= tol);
    };
    const auto first = fits(x0, out.X);
    if (!first.first || first.second || free_dirs.empty()) {
        out.placed = first.first && first.second;
        return out;
    }
    // Free directions Z (columns of V); rows (breakpoint i, facet f) with |N_f Z| > 1e-12 depend on t.
    const std::size_t r = free_dirs.size();
    std::vector<double> GZ(m * r, 0.0);
    std::vector<std::size_t> moving;
    for (std::size_t f = 0; f < m; ++f) {
        double norm2 = 0.0;
        for (std::size_t c = 0; c < r; ++c) {
            double s = 0.0;
            for (std::size_t j = 0; j < d; ++j) s += N[f * d + j] * V[j * d + free_dirs[c]];
            GZ[f * r + c] = s;
            norm2 += s * s;
        }
        if (std::sqrt(norm2) > 1e-12) moving.push_back(f);
    }
    // Dual of  max s  s.t.  G t + s <= g / scale, s <= 1:  min g^T y + y_cap  s.t.  G^T y = 0, sum y = 1, y >= 0;
    // its multipliers are (t, s).
    const std::size_t R = k * moving.size(), rows = r + 1, lp_cols = R + 1;
    std::vector<double> A(rows * lp_cols, 0.0), b(rows, 0.0), c(lp_cols, 0.0);
    std::size_t col = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t f : moving) {
            double slack = H[f];
            for (std::size_t j = 0; j < d; ++j) slack -= N[f * d + j] * out.X[i * d + j];
            for (std::size_t cc = 0; cc < r; ++cc) A[cc * lp_cols + col] = GZ[f * r + cc];
            A[r * lp_cols + col] = 1.0;
            c[col] = slack / scale;
            ++col;
        }
    A[r * lp_cols + R] = 1.0;
    c[R] = 1.0;
    b[r] = 1.0;
    const DenseLpResult lp = solve_dense_lp(static_cast<int>(rows), static_cast<int>(lp_cols), A, b, c);
    if (lp.status != DenseLpResult::kOptimal) return out;
    std::vector<double> x1 = x0;
    for (std::size_t cc = 0; cc < r; ++cc)
        for (std::size_t j = 0; j < d; ++j) x1[j] += V[j * d + free_dirs[cc]] * scale * lp.dual[cc];
    const auto second = fits(x1, out.X);
    out.placed = second.first && second.second;
    return out;
}

py::dict haim_kislev_place_loop(const py::object& N_in, const py::object& H_in, const py::object& facets_in,
                               const py::object& steps_in, double scale) {
    constexpr const char* who = "haim_kislev_place_loop";
    const CheckedArray N = checked_real(N_in, who, "N", 2);
    const int m = static_cast<int>(N.shape(0)), d = static_cast<int>(N.shape(1));
    if (m < 1 || d < 1) throw std::invalid_argument("haim_kislev_place_loop: N must be a non-empty (m, d) array");
    const CheckedArray H = checked_real(H_in, who, "H", 1);
    if (H.shape(0) != m) throw std::invalid_argument("haim_kislev_place_loop: H must have shape (m,) like N's rows");
    const CheckedArray steps = checked_real(steps_in, who, "steps", 2, d);
    const int k = static_cast<int>(steps.shape(0));
    const CheckedArray f_raw = checked_real(facets_in, who, "facets", 1);
    if (f_raw.shape(0) != k || k < 1)
        throw std::invalid_argument("haim_kislev_place_loop: facets must have shape (k,) with k = len(steps) >= 1");
    std::vector<int> facets(k);
    for (int i = 0; i < k; ++i) {
        const double f = f_raw.data()[i];
        if (f != std::floor(f) || f < 0 || f >= m)
            throw std::invalid_argument("haim_kislev_place_loop: facet index " + std::to_string(f) +
                                        " is not an integer in [0, " + std::to_string(m) + ")");
        facets[i] = static_cast<int>(f);
    }
    if (!(std::isfinite(scale) && scale > 0.0))
        throw std::invalid_argument("haim_kislev_place_loop: scale must be finite and > 0");
    Placement p;
    {
        py::gil_scoped_release release;
        p = place_loop(N.data(), H.data(), static_cast<std::size_t>(m), static_cast<std::size_t>(d), facets,
                       steps.data(), scale);
    }
    py::array_t<double> X({static_cast<py::ssize_t>(k), static_cast<py::ssize_t>(d)});
    std::copy(p.X.begin(), p.X.end(), X.mutable_data());
    py::dict out;
    out["X"] = X;
    out["placed"] = p.placed;
    return out;
}

// The loop of one near-tie candidate (viterbo.capacity._haim_kislev_witness.loop_of, its common case): the
// order reversed, segment l = (hscale b_l / Q) J n_l (computed as loop_of computes it: J n, then times
// (hscale / Q) b_l), placed by place_loop.  None when a weight is zero up to rounding (b_l Hc_l <= zero_weight):
// loop_of then drops it and re-solves the smaller subset in Python.
py::object haim_kislev_witness_loop(const py::object& N_in, const py::object& H_in, const py::object& Hc_in,
                                    const py::object& order_in, const py::object& b_in, double Q, double hscale,
                                    double scale, double zero_weight) {
    constexpr const char* who = "haim_kislev_witness_loop";
    const CheckedArray N = checked_real(N_in, who, "N", 2);
    const std::size_t m = static_cast<std::size_t>(N.shape(0)), d = static_cast<std::size_t>(N.shape(1));
    if (m < 1 || d < 2 || d % 2) throw std::invalid_argument("haim_kislev_witness_loop: N must be (m, 2n), m >= 1");
    const CheckedArray H = checked_real(H_in, who, "H", 1);
    const CheckedArray Hc = checked_real(Hc_in, who, "Hc", 1);
    if (static_cast<std::size_t>(H.shape(0)) != m || static_cast<std::size_t>(Hc.shape(0)) != m)
        throw std::invalid_argument("haim_kislev_witness_loop: H and Hc must have shape (m,) like N's rows");
    const CheckedArray order = checked_real(order_in, who, "order", 1);
    const CheckedArray b = checked_real(b_in, who, "b", 1);
    const std::size_t k = static_cast<std::size_t>(order.shape(0));
    if (k < 1 || static_cast<std::size_t>(b.shape(0)) != k)
        throw std::invalid_argument("haim_kislev_witness_loop: order and b must have the same length >= 1");
    std::vector<int> facets(k);
    for (std::size_t i = 0; i < k; ++i) {
        const double f = order.data()[k - 1 - i];  // reversed: the action of the loop is then positive
        if (f != std::floor(f) || f < 0 || f >= static_cast<double>(m))
            throw std::invalid_argument("haim_kislev_witness_loop: facet index " + std::to_string(f) +
                                        " is not an integer in [0, " + std::to_string(m) + ")");
        facets[i] = static_cast<int>(f);
    }
    checked_finite(Q, who, "Q");
    checked_finite(hscale, who, "hscale");
    checked_finite(zero_weight, who, "zero_weight");
    if (!(std::isfinite(scale) && scale > 0.0))
        throw std::invalid_argument("haim_kislev_witness_loop: scale must be finite and > 0");
    for (std::size_t i = 0; i < k; ++i)
        if (!(b.data()[i] * Hc.data()[static_cast<std::size_t>(order.data()[i])] > zero_weight)) return py::none();
    Placement p;
    {
        py::gil_scoped_release release;
        const std::size_t n = d / 2;
        std::vector<double> steps(k * d);
        const double factor = hscale / Q;
        for (std::size_t i = 0; i < k; ++i) {
            const double* nf = N.data() + static_cast<std::size_t>(facets[i]) * d;
            const double w = factor * b.data()[k - 1 - i];
            for (std::size_t j = 0; j < n; ++j) {
                steps[i * d + j] = -nf[n + j] * w;
                steps[i * d + n + j] = nf[j] * w;
            }
        }
        p = place_loop(N.data(), H.data(), m, d, facets, steps.data(), scale);
    }
    py::array_t<double> X({static_cast<py::ssize_t>(k), static_cast<py::ssize_t>(d)});
    std::copy(p.X.begin(), p.X.end(), X.mutable_data());
    py::tuple fs(k);
    for (std::size_t i = 0; i < k; ++i) fs[i] = py::int_(facets[i]);
    return py::make_tuple(X, p.placed, fs);
}

}  // namespace

void register_haim_kislev_witness(py::module_& m) {
    m.def("haim_kislev_place_loop", &haim_kislev_place_loop, py::arg("N"), py::arg("H"), py::arg("facets"),
          py::arg("steps"), py::arg("scale"),
          "{X, placed}: the breakpoints of a maximiser's loop on K's facets (least squares, then a max-min-slack "
          "LP over free directions); see viterbo.capacity._haim_kislev_witness.place_loop.");
    m.def("haim_kislev_witness_loop", &haim_kislev_witness_loop, py::arg("N"), py::arg("H"), py::arg("Hc"),
          py::arg("order"), py::arg("b"), py::arg("Q"), py::arg("hscale"), py::arg("scale"), py::arg("zero_weight"),
          "(X, placed, facets) of a near-tie candidate's loop (order reversed, segments (hscale b / Q) J n, placed as "
          "haim_kislev_place_loop places them), or None when a weight is zero up to rounding; see "
          "viterbo.capacity._haim_kislev_witness.loop_of.");
}

}  // namespace viterbo
