// A small dense simplex for the few, tiny linear programs around the Haim-Kislev search
// (the closure mask and the witness placement in ext/haim_kislev.cpp).
//
//     minimise c^T x   subject to   A x = b,  x >= 0          (A is m x n, row-major)
//
// Two phases on one tableau: phase 1 starts from artificial variables (rows with b_i < 0 are negated
// first), minimises their sum, then pivots the artificials that are still basic (at level zero) out
// of the basis, or leaves them on rows that turned out to be redundant; phase 2 minimises c^T x.
// Both phases use Bland's rule (entering variable: the smallest index with a negative reduced cost;
// leaving variable: the smallest ratio, ties broken by the smallest basic index), so the method
// terminates on degenerate problems too (the closure LPs are degenerate: half their right-hand
// side is zero).  Dense and O(m n) per pivot: meant for m + n of a few hundred at most.
//
// The answer carries the multipliers `dual` (one per row of A, for the original row signs): for an
// optimal basis B they are y = c_B^T B^{-1}, so that A^T y <= c and b^T y = c^T x.  Callers use them
// as certificates (Farkas vectors) and check them themselves; nothing here is trusted blindly.
//
// Tolerances are absolute: callers pass data scaled to order 1.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace viterbo {

struct DenseLpResult {
    enum Status { kOptimal = 0, kInfeasible = 1, kUnbounded = 2, kIterationLimit = 3 };
    Status status = kIterationLimit;
    double value = 0.0;        // c^T x at the optimum
    std::vector<double> x;     // n primal values
    std::vector<double> dual;  // m multipliers y (original row signs)
};

struct DenseLpTolerances {
    double pivot = 1e-11;        // |entry| below this never pivots
    double reduced_cost = 1e-11; // reduced costs above -this count as >= 0 (optimal)
    double feasibility = 1e-9;   // phase 1 optimum above this (relative to 1 + |b|_1): infeasible
    int max_pivots = 50000;
};

inline DenseLpResult solve_dense_lp(int m, int n, const std::vector<double>& A, const std::vector<double>& b,
                                    const std::vector<double>& c, const DenseLpTolerances& tol = {}) {
    DenseLpResult out;
    const int width = n + m + 1;  // original columns, artificial columns, right-hand side
    const int rhs = n + m;
    std::vector<double> T(static_cast<std::size_t>(m) * width, 0.0);
    std::vector<double> sign(m, 1.0);
    std::vector<int> basis(m);
    double b_norm = 0.0;
    for (int i = 0; i < m; ++i) {
        sign[i] = b[i] < 0.0 ? -1.0 : 1.0;
        double* row = &T[static_cast<std::size_t>(i) * width];
        for (int j = 0; j < n; ++j) row[j] = sign[i] * A[static_cast<std::size_t>(i) * n + j];
        row[n + i] = 1.0;
        row[rhs] = sign[i] * b[i];
        b_norm += std::fabs(b[i]);
        basis[i] = n + i;
    }
    auto entry = [&](int i, int j) -> double& { return T[static_cast<std::size_t>(i) * width + j]; };
    auto pivot = [&](int r, int col) {
        const double inv = 1.0 / entry(r, col);
        for (int j = 0; j < width; ++j) entry(r, j) *= inv;
        entry(r, col) = 1.0;
        for (int i = 0; i < m; ++i) {
            if (i == r) continue;
            const double f = entry(i, col);
            if (f == 0.0) continue;
            for (int j = 0; j < width; ++j) entry(i, j) -= f * entry(r, j);
            entry(i, col) = 0.0;
        }
        basis[r] = col;
    };
    // Reduced costs d_j = cost_j - sum_i cost_{basis(i)} T_ij for the columns that may enter.
    std::vector<double> cost(n + m, 0.0), d(n + m, 0.0);
    auto reduced_costs = [&]() {
        for (int j = 0; j < n + m; ++j) {
            double s = cost[j];
            for (int i = 0; i < m; ++i) s -= cost[basis[i]] * entry(i, j);
            d[j] = s;
        }
    };
    // One simplex phase over columns [0, n_enter) with Bland's rule; false when unbounded.
    int pivots = 0;
    auto run_phase = [&](int n_enter) -> int {
        while (true) {
            if (++pivots > tol.max_pivots) return DenseLpResult::kIterationLimit;
            reduced_costs();
            int enter = -1;
            for (int j = 0; j < n_enter; ++j)
                if (d[j] < -tol.reduced_cost) {
                    bool basic = false;
                    for (int i = 0; i < m && !basic; ++i) basic = basis[i] == j;
                    if (!basic) {
                        enter = j;
                        break;
                    }
                }
            if (enter < 0) return DenseLpResult::kOptimal;
            int leave = -1;
            double best = 0.0;
            for (int i = 0; i < m; ++i) {
                const double a = entry(i, enter);
                if (a <= tol.pivot) continue;
                const double ratio = std::max(0.0, entry(i, rhs)) / a;
                if (leave < 0 || ratio < best || (ratio == best && basis[i] < basis[leave])) {
                    leave = i;
                    best = ratio;
                }
            }
            if (leave < 0) return DenseLpResult::kUnbounded;
            pivot(leave, enter);
        }
    };
    // Phase 1: minimise the sum of the artificial variables.
    for (int j = n; j < n + m; ++j) cost[j] = 1.0;
    int status = run_phase(n);
    if (status == DenseLpResult::kIterationLimit) return out;
    double infeasibility = 0.0;
    for (int i = 0; i < m; ++i)
        if (basis[i] >= n) infeasibility += std::fabs(entry(i, rhs));
    if (infeasibility > tol.feasibility * (1.0 + b_norm)) {
        out.status = DenseLpResult::kInfeasible;
        return out;
    }
    // Artificials still basic sit at level ~0: pivot them out on the largest entry of their row, or
    // leave them where the row has no original entry (a redundant constraint).
    for (int i = 0; i < m; ++i) {
        if (basis[i] < n) continue;
        int col = -1;
        double big = tol.pivot;
        for (int j = 0; j < n; ++j)
            if (std::fabs(entry(i, j)) > big) {
                big = std::fabs(entry(i, j));
                col = j;
            }
        if (col >= 0) {
            entry(i, rhs) = 0.0;
            pivot(i, col);
        }
    }
    // Phase 2: the real objective; artificials never enter again.
    for (int j = 0; j < n + m; ++j) cost[j] = j < n ? c[j] : 0.0;
    status = run_phase(n);
    if (status != DenseLpResult::kOptimal) {
        out.status = static_cast<DenseLpResult::Status>(status);
        return out;
    }
    out.x.assign(n, 0.0);
    for (int i = 0; i < m; ++i)
        if (basis[i] < n) out.x[basis[i]] = std::max(0.0, entry(i, rhs));
    out.value = 0.0;
    for (int j = 0; j < n; ++j) out.value += c[j] * out.x[j];
    // y' = c_B^T B^{-1}: B^{-1} e_i is the (updated) artificial column i; undo the row negations.
    out.dual.assign(m, 0.0);
    for (int i = 0; i < m; ++i) {
        double s = 0.0;
        for (int r = 0; r < m; ++r) s += cost[basis[r]] * entry(r, n + i);
        out.dual[i] = sign[i] * s;
    }
    out.status = DenseLpResult::kOptimal;
    return out;
}

}  // namespace viterbo
