// verify_orbit (viterbo/capacity/result.py) on a witness: its map to the normal form and the checks there.
//
// verify_orbit re-checks every certified witness (the method checks its own witness before returning it,
// and viterbo.capacity._frame.certify re-checks it on the caller's K), so at small sizes it is a large
// part of a whole capacity() call.  Python keeps the checks of the input and the messages; this kernel
// maps the breakpoints into the normal form (bit for bit as Frame.to_frame, ext/symplectic_program.hpp),
// bounds their rounding error E as Frame.rounding_floor does (eps |x|, through |S| with a 1e-6 margin,
// scaled by 2^-e), and runs the loops over breakpoints, facets and segments.  It computes the same
// quantities as the numpy reference viterbo.capacity.result._findings_python, with the same comparisons:
//   slack[i][f] = <x_i, n_f> - h_f,   allow[i][f] = 10 tol w_f + sum_j E[i][j] |n_f[j]|;
//   outside K: the first (i, f) of largest slack - allow, when that is > 0;
//   start / end of segment i off its facet: |slack[i][f_i]| > allow[i][f_i] (end: breakpoint i + 1);
//   d_i = x_{i+1} - x_i, u_i = J n_{f_i}:  along = <d_i, u_i> <= 0 runs against the Reeb direction;
//   across = |d_i - along u_i| > 10 tol size + |E_i| + |E_{i+1}| leaves it;
//   action about the centroid, its rounding floor 1/2 sum |E_i| . (|d_i| + |d_{i-1}|), the flow times
//   sum along_i h_{f_i} / 2 against the action.
// Sums run in plain sequential order (numpy may sum pairwise or through BLAS, e.g. E |S|^T): the two paths
// agree to a few units in the last place, which the parity tests (tests/test_verify_parity.py) check
// together with identical verdicts on accepted and rejected witnesses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "array_checks.hpp"
#include "symplectic_program.hpp"

namespace py = pybind11;

namespace viterbo {

namespace {

struct Findings {
    long outside_i = -1, outside_f = -1;
    double outside_ratio = 0.0;  // slack / w of the worst (breakpoint, facet)
    long start_i = -1, end_i = -1;
    double start_ratio = 0.0, end_ratio = 0.0;  // |slack| / w on the segment's own facet
    long against_i = -1;
    double against = 0.0;  // <d, Jn>
    long leaves_i = -1;
    double leaves_ratio = 0.0;  // across / size
    double action = 0.0, times_sum = 0.0;
    bool action_bad = false, times_bad = false;
};

Findings check(const double* X, const double* E, const double* N, const double* H, const double* w,
               std::size_t k, std::size_t m, std::size_t d, const std::vector<long>& facets, double size,
               double vf, double tol) {
    const std::size_t n = d / 2;
    const double pos_tol = 10.0 * tol;
    Findings out;
    std::vector<double> slack(k * m), allow(k * m);
    double worst = -std::numeric_limits<double>::infinity();
    std::size_t worst_at = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t f = 0; f < m; ++f) {
            double s = 0.0, a = 0.0;
            for (std::size_t j = 0; j < d; ++j) {
                s += X[i * d + j] * N[f * d + j];
                a += E[i * d + j] * std::fabs(N[f * d + j]);
            }
            s -= H[f];
            a = pos_tol * w[f] + a;
            slack[i * m + f] = s;
            allow[i * m + f] = a;
            const double excess = s - a;
            if (excess > worst) {  // first maximum in row-major order, as numpy's argmax
                worst = excess;
                worst_at = i * m + f;
            }
        }
    if (worst > 0.0) {
        out.outside_i = static_cast<long>(worst_at / m);
        out.outside_f = static_cast<long>(worst_at % m);
        out.outside_ratio = slack[worst_at] / w[out.outside_f];
    }
    for (std::size_t i = 0; i < k && out.start_i < 0; ++i) {
        const std::size_t at = i * m + static_cast<std::size_t>(facets[i]);
        if (std::fabs(slack[at]) > allow[at]) {
            out.start_i = static_cast<long>(i);
            out.start_ratio = std::fabs(slack[at]) / w[facets[i]];
        }
    }
    for (std::size_t i = 0; i < k && out.end_i < 0; ++i) {
        const std::size_t at = ((i + 1) % k) * m + static_cast<std::size_t>(facets[i]);
        if (std::fabs(slack[at]) > allow[at]) {
            out.end_i = static_cast<long>(i);
            out.end_ratio = std::fabs(slack[at]) / w[facets[i]];
        }
    }
    // Segments: d_i = x_{i+1} - x_i against u_i = J n_{f_i} = (-n_p, n_q).
    std::vector<double> D(k * d), along(k), Enorm(k);
    for (std::size_t i = 0; i < k; ++i) {
        double e2 = 0.0;
        for (std::size_t j = 0; j < d; ++j) {
            D[i * d + j] = X[((i + 1) % k) * d + j] - X[i * d + j];
            e2 += E[i * d + j] * E[i * d + j];
        }
        Enorm[i] = std::sqrt(e2);
    }
    std::vector<double> u(d);
    for (std::size_t i = 0; i < k; ++i) {
        const double* nf = N + static_cast<std::size_t>(facets[i]) * d;
        for (std::size_t j = 0; j < n; ++j) {
            u[j] = -nf[n + j];
            u[n + j] = nf[j];
        }
        double a = 0.0;
        for (std::size_t j = 0; j < d; ++j) a += D[i * d + j] * u[j];
        along[i] = a;
        double c2 = 0.0;
        for (std::size_t j = 0; j < d; ++j) {
            const double r = D[i * d + j] - a * u[j];
            c2 += r * r;
        }
        const double across = std::sqrt(c2);
        if (out.against_i < 0 && a <= 0.0) {
            out.against_i = static_cast<long>(i);
            out.against = a;
        }
        if (out.leaves_i < 0 && across > pos_tol * size + Enorm[i] + Enorm[(i + 1) % k]) {
            out.leaves_i = static_cast<long>(i);
            out.leaves_ratio = across / size;
        }
    }
    // Action about the centroid of the breakpoints (translation invariant for a closed loop).
    std::vector<double> centre(d, 0.0), P(k * d);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < d; ++j) centre[j] += X[i * d + j];
    for (std::size_t j = 0; j < d; ++j) centre[j] /= static_cast<double>(k);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < d; ++j) P[i * d + j] = X[i * d + j] - centre[j];
    double twice = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        const double* p = &P[i * d];
        const double* q = &P[((i + 1) % k) * d];
        for (std::size_t j = 0; j < n; ++j) twice += p[j] * q[n + j] - p[n + j] * q[j];
    }
    out.action = 0.5 * twice;
    double floor = 0.0, h_e = 0.0, times = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        const std::size_t prev = (i + k - 1) % k;
        for (std::size_t j = 0; j < d; ++j)
            floor += E[i * d + j] * (std::fabs(D[i * d + j]) + std::fabs(D[prev * d + j]));
        const double h = H[facets[i]];
        h_e += std::fabs(h) * Enorm[i];
        times += along[i] * h / 2.0;
    }
    floor *= 0.5;
    out.times_sum = times;
    out.action_bad = std::fabs(out.action - vf) > pos_tol * std::fabs(vf) + floor;
    out.times_bad = std::fabs(times - out.action) > pos_tol * std::fabs(out.action) + floor + h_e;
    return out;
}

py::tuple verify_orbit_checks(const py::object& X_in, const py::object& centre_in, int exponent,
                              const py::object& codes_in, const py::object& data_in, const py::object& abs_S_in,
                              const py::object& N_in, const py::object& H_in, const py::object& w_in,
                              const py::object& facets_in, double size, double value, double tol) {
    constexpr const char* who = "verify_orbit_checks";
    const CheckedArray X = checked_real(X_in, who, "X", 2);
    const std::size_t k = static_cast<std::size_t>(X.shape(0)), d = static_cast<std::size_t>(X.shape(1));
    if (k < 2 || d < 2 || d % 2) throw std::invalid_argument("verify_orbit_checks: X must be (k, 2n) with k >= 2");
    const CheckedArray centre = checked_real(centre_in, who, "centre", 1);
    if (static_cast<std::size_t>(centre.shape(0)) != d)
        throw std::invalid_argument("verify_orbit_checks: centre must have shape (2n,) like X's rows");
    const auto program = symplectic::checked_program(codes_in, data_in, d / 2, who);
    const CheckedArray abs_S = checked_real(abs_S_in, who, "abs_S", 2);
    const bool mapped = abs_S.size() != 0;
    if (mapped && (static_cast<std::size_t>(abs_S.shape(0)) != d || static_cast<std::size_t>(abs_S.shape(1)) != d))
        throw std::invalid_argument("verify_orbit_checks: abs_S must be (2n, 2n), or empty without a map");
    const CheckedArray N = checked_real(N_in, who, "N", 2, static_cast<py::ssize_t>(d));
    const std::size_t m = static_cast<std::size_t>(N.shape(0));
    const CheckedArray H = checked_real(H_in, who, "H", 1);
    const CheckedArray w = checked_real(w_in, who, "w", 1);
    if (m < 1 || static_cast<std::size_t>(H.shape(0)) != m || static_cast<std::size_t>(w.shape(0)) != m)
        throw std::invalid_argument("verify_orbit_checks: N, H and w must have m >= 1 rows each");
    const CheckedArray f_raw = checked_real(facets_in, who, "facets", 1);
    if (static_cast<std::size_t>(f_raw.shape(0)) != k)
        throw std::invalid_argument("verify_orbit_checks: facets must have shape (k,) like X's rows");
    std::vector<long> facets(k);
    for (std::size_t i = 0; i < k; ++i) {
        const double f = f_raw.data()[i];
        if (f != std::floor(f) || f < 0 || f >= static_cast<double>(m))
            throw std::invalid_argument("verify_orbit_checks: facet index " + std::to_string(f) +
                                        " is not an integer in [0, " + std::to_string(m) + ")");
        facets[i] = static_cast<long>(f);
    }
    checked_finite(size, who, "size");
    checked_finite(value, who, "value");
    checked_finite(tol, who, "tol");
    Findings r;
    {
        py::gil_scoped_release release;
        std::vector<double> Xf(k * d), E(k * d);
        symplectic::frame_map(X.data(), k, d, centre.data(), exponent, program.first, program.second.data(), 0,
                              Xf.data());
        // Frame.rounding_floor: eps |x| per entry, through |S| (E |S|^T), scaled by 2^-e.
        const double eps = std::numeric_limits<double>::epsilon();
        for (std::size_t i = 0; i < k * d; ++i) E[i] = eps * std::fabs(X.data()[i]);
        if (mapped) {
            std::vector<double> row(d);
            for (std::size_t i = 0; i < k; ++i) {
                for (std::size_t a = 0; a < d; ++a) {
                    double s = 0.0;
                    for (std::size_t c = 0; c < d; ++c) s += E[i * d + c] * abs_S.data()[a * d + c];
                    row[a] = s;
                }
                for (std::size_t a = 0; a < d; ++a) E[i * d + a] = row[a];
            }
        }
        for (double& e : E) e = std::ldexp(e, -exponent);
        r = check(Xf.data(), E.data(), N.data(), H.data(), w.data(), k, m, d, facets, size, value, tol);
    }
    return py::make_tuple(r.outside_i, r.outside_f, r.outside_ratio, r.start_i, r.start_ratio, r.end_i,
                          r.end_ratio, r.against_i, r.against, r.leaves_i, r.leaves_ratio, r.action,
                          r.action_bad, r.times_sum, r.times_bad);
}

}  // namespace

void register_verify_orbit(py::module_& m) {
    m.def("verify_orbit_checks", &verify_orbit_checks, py::arg("X"), py::arg("centre"), py::arg("exponent"),
          py::arg("codes"), py::arg("data"), py::arg("abs_S"), py::arg("N"), py::arg("H"), py::arg("w"),
          py::arg("facets"), py::arg("size"), py::arg("value"), py::arg("tol"),
          "(outside_i, outside_f, outside_ratio, start_i, start_ratio, end_i, end_ratio, against_i, against, "
          "leaves_i, leaves_ratio, action, action_bad, times_sum, times_bad): the checks of a witness mapped to the "
          "normal form (index -1: passed); see viterbo.capacity.result.verify_orbit.");
}

}  // namespace viterbo
