// Haim-Kislev search: depth-first over ordered subsets of facets (viterbo.capacity.haim_kislev).
//
// Maximise Q_S(b) = sum_{j<i} b_i b_j omega(g_{s_i}, g_{s_j}) over ordered subsets S and weights
// b >= 0 with linear constraints sum_s b_s r_s = rhs, where
//   mode 0 (general):   r_s = (g_s, h_s) in R^{2n+1}, rhs = (0, ..., 0, 1)   (closure, normalisation)
//   mode 1 (symmetric): r_s = h_s,                    rhs = 1/2             (HK Cor. 1.2, signed normals:
//                        elements 2r and 2r+1 are +g and -g of antipodal pair r; a pair is used once).
// Every prefix of the depth-first search is itself an ordered subset: its KKT system is solved
// (the stationary point of Q_S on the affine constraint space) and kept when b >= 0.
// Why each rule is exact (proofs in viterbo/capacity/_haim_kislev_reference.py):
//  * first element fixed (smallest index; sign + in mode 1): cyclic invariance under closure;
//  * singular reduced KKT systems skipped: a minimal-support maximiser has a regular one;
//  * swap rule: at a maximiser omega(g_next, g_prev) >= 0 for every adjacent pair, cyclically;
//    a prefix violating it has no admissible completion ("pruned_swap");
//  * commutation rule: if omega(g_a, g_b) = 0, swapping adjacent a, b changes neither Q nor the
//    constraints; among the orders that differ by such swaps (after the fixed first element) the
//    lexicographically smallest one has no adjacent commuting pair (a, b) with b < a, so orders
//    containing one are dropped ("pruned_commute");
//  * inertia rule: at a minimal maximiser S the reduced Hessian Z_S^T A_S Z_S (Z_S a basis of the
//    null space of S's constraint rows) is negative definite (second-order condition at a local
//    maximum; non-singular by minimality).  For a prefix P of S, the vectors supported on P in that
//    null space are exactly null(C_P), so Z_P^T A_P Z_P is a restriction of a negative definite form
//    and must be negative definite too.  A prefix whose reduced form has an eigenvalue > tol
//    (1e-9 |A_P|_F) has no admissible completion and is dropped with its subtree
//    ("pruned_inertia").  Eigenvalues are counted by Householder reductions and a Sturm count
//    (backward stable); only clearly positive ones count, so numerical doubt means "keep";
//  * closure (mode 0): orders starting with f only use facets >= f; facets that carry no weight in
//    any closure relation b >= 0 supported on {f, ..., m-1} are dropped ("pruned_closure"; the mask
//    comes from certified LPs, closure_mask() below, passed in by the Python face);
//  * reachability (swap rule on): the order must end with an element x allowed before the first
//    element (omega(g_first, g_x) >= 0); if no such x is reachable from the last element through
//    unused elements along allowed transitions, no completion can be closed ("pruned_reach").
// No incumbent-based bound is applied (no proven bound for partial orders that cuts anything was
// found); the exact rules above already cut random 4D polytopes with 12 facets to about 10^4 nodes.
// Interrupts and budgets: a StopCheck (ext/interrupt.hpp) polled every 64 nodes; Ctrl-C arrives as
// KeyboardInterrupt within ~0.1 s.  Near-ties of the best value are kept for the witness (see
// viterbo/capacity/_haim_kislev_witness.py).
// Constraint rows are reduced incrementally: an orthonormal basis of span{r_s : s in prefix} is
// extended by Gram-Schmidt as elements are appended (earlier elements have zero coordinates along
// later basis vectors), so the reduced constraint matrix is available at every node for free.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "array_checks.hpp"
#include "dense_simplex.hpp"
#include "haim_kislev_witness.hpp"
#include "interrupt.hpp"

namespace py = pybind11;

namespace viterbo {
namespace {

constexpr double kRankTol = 1e-10;   // relative: new basis vector / singular pivot
constexpr double kPivotTol = 1e-12;  // relative to the largest KKT entry
constexpr double kPosTol = 1e-12;    // b_s h_s >= -kPosTol counts as >= 0
constexpr double kResTol = 1e-9;     // residual of the constraints at a candidate
constexpr double kSwapTol = 1e-12;   // omega(next, prev) < -kSwapTol forbids the transition
constexpr double kInertiaTol = 1e-9; // reduced eigenvalue > kInertiaTol |A_P|_F: prefix pruned
constexpr int kMaxElements = 64;     // bitmasks

struct Counters {
    long long subsets_examined = 0;
    long long kkt_solves = 0;
    long long pruned_swap = 0;
    long long pruned_closure = 0;
    long long pruned_reach = 0;
    long long pruned_commute = 0;
    long long pruned_inertia = 0;
};

// Everything the search needs besides the element arrays, by name (no positional brace-initialisation).
struct SearchOptions {
    int mode = 0;                          // 0 general, 1 symmetric
    const std::uint8_t* usable = nullptr;  // closure mask (M x M) or nullptr
    double deadline_s = -1.0;              // < 0 or > StopCheck::kMaxSeconds: no limit
    bool swap_rule = true;
    bool commute_rule = true;
    bool inertia_rule = true;
    double progress_s = 0.0;               // seconds between progress lines; 0: none
    double tie_rel = 0.0;                  // keep candidates within this relative distance of the best
    int max_ties = 0;                      // ... at most this many besides the best
};

struct Candidate {
    double value;
    std::vector<int> order;
    std::vector<double> b;
};

class Search {
  public:
    Search(const double* G, const double* h, int M, int d, const SearchOptions& opt)
        : stop_(opt.deadline_s), M_(M), d_(d), mode_(opt.mode), swap_(opt.swap_rule), commute_(opt.commute_rule),
          inertia_(opt.inertia_rule), usable_(opt.usable), has_usable_(opt.usable != nullptr),
          tie_rel_(opt.tie_rel), max_ties_(opt.max_ties) {
        const int mode = opt.mode;
        g_.assign(G, G + static_cast<std::size_t>(M) * d);
        h_.assign(h, h + M);
        const int n = d / 2;
        W_.assign(static_cast<std::size_t>(M) * M, 0.0);
        for (int a = 0; a < M; ++a)
            for (int b = 0; b < M; ++b) {
                double s = 0.0;
                for (int t = 0; t < n; ++t)
                    s += g_[a * d + t] * g_[b * d + n + t] - g_[a * d + n + t] * g_[b * d + t];
                W_[a * M + b] = s;
            }
        rdim_ = mode == 0 ? d + 1 : 1;
        rows_.assign(static_cast<std::size_t>(M) * rdim_, 0.0);
        for (int a = 0; a < M; ++a) {
            if (mode == 0) {
                for (int t = 0; t < d; ++t) rows_[a * rdim_ + t] = g_[a * d + t];
                rows_[a * rdim_ + d] = h_[a];
            } else {
                rows_[a * rdim_] = h_[a];
            }
        }
        rhs_.assign(rdim_, 0.0);
        rhs_[rdim_ - 1] = mode == 0 ? 1.0 : 0.5;
        // after_[a]: elements b allowed right after a (omega(g_b, g_a) >= 0).
        after_.assign(M, 0);
        for (int a = 0; a < M; ++a)
            for (int b = 0; b < M; ++b)
                if (W_[b * M + a] >= -kSwapTol) after_[a] |= (std::uint64_t{1} << b);
        basis_.assign(static_cast<std::size_t>(rdim_) * rdim_, 0.0);
        coef_.assign(static_cast<std::size_t>(M + 1) * rdim_, 0.0);
        order_.reserve(M);
        progress_s_ = opt.progress_s;
        start_ = std::chrono::steady_clock::now();
        next_progress_ = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(progress_s_ > 0.0 ? progress_s_ : 0.0));
    }

    void run() {
        for (int f = 0; f < M_ && !halted_; ++f) {
            if (mode_ == 1 && (f & 1)) continue;  // first element: sign +
            if (has_usable_ && !usable_[f * M_ + f]) {
                ++c_.pruned_closure;
                continue;
            }
            first_ = f;
            target_ = mode_ == 1 ? (f ^ 1) : f;
            candidates_ = 0;
            for (int e = 0; e < M_; ++e) {
                const bool later = mode_ == 1 ? (e / 2 > f / 2) : (e > f);
                if (!later) continue;
                if (has_usable_ && !usable_[f * M_ + e]) {
                    ++c_.pruned_closure;
                    continue;
                }
                candidates_ |= std::uint64_t{1} << e;
            }
            closers_ = 0;
            for (int x = 0; x < M_; ++x)
                if (!swap_ || W_[target_ * M_ + x] >= -kSwapTol) closers_ |= std::uint64_t{1} << x;
            nb_ = 0;
            order_.clear();
            push(f);
            dfs(candidates_);
            order_.pop_back();
        }
    }

    double best_value = -std::numeric_limits<double>::infinity();
    std::vector<int> best_order;
    std::vector<double> best_b;
    // Near-ties of the best (within tie_rel, best first): when rounding makes several orders tie, the
    // witness of the first may miss K by ~sqrt(eps); the caller then places the next one.
    std::vector<Candidate> ties;
    Counters c_;
    StopCheck stop_;

  private:
    // Append element e: extend the orthonormal basis of the constraint rows (Gram-Schmidt, twice).
    void push(int e) {
        const int k = static_cast<int>(order_.size());
        nb_stack_.push_back(nb_);
        double* c = &coef_[static_cast<std::size_t>(k) * rdim_];
        for (int j = 0; j < rdim_; ++j) c[j] = 0.0;
        std::vector<double>& v = tmp_;
        v.assign(rows_.begin() + e * rdim_, rows_.begin() + (e + 1) * rdim_);
        double norm0 = 0.0;
        for (double x : v) norm0 += x * x;
        norm0 = std::sqrt(norm0);
        for (int pass = 0; pass < 2; ++pass)
            for (int j = 0; j < nb_; ++j) {
                const double* q = &basis_[static_cast<std::size_t>(j) * rdim_];
                double s = 0.0;
                for (int t = 0; t < rdim_; ++t) s += q[t] * v[t];
                c[j] += s;
                for (int t = 0; t < rdim_; ++t) v[t] -= s * q[t];
            }
        double norm = 0.0;
        for (double x : v) norm += x * x;
        norm = std::sqrt(norm);
        if (nb_ < rdim_ && norm > kRankTol * std::max(norm0, 1e-300)) {
            double* q = &basis_[static_cast<std::size_t>(nb_) * rdim_];
            for (int t = 0; t < rdim_; ++t) q[t] = v[t] / norm;
            c[nb_] = norm;
            ++nb_;
        }
        order_.push_back(e);
        used_groups_ |= std::uint64_t{1} << group(e);
    }

    void pop() {
        const int e = order_.back();
        order_.pop_back();
        used_groups_ &= ~(std::uint64_t{1} << group(e));
        nb_ = nb_stack_.back();
        nb_stack_.pop_back();
    }

    int group(int e) const { return mode_ == 1 ? e / 2 : e; }

    std::uint64_t available(std::uint64_t cand) const {
        std::uint64_t out = 0;
        for (std::uint64_t rest = cand; rest; rest &= rest - 1) {
            const int e = __builtin_ctzll(rest);
            if (!((used_groups_ >> group(e)) & 1)) out |= std::uint64_t{1} << e;
        }
        return out;
    }

    // Budget and Ctrl-C, polled every 64 nodes (StopCheck itself reads the clock every 256 of its calls:
    // every ~16k nodes, a few ms); progress lines every 4096 nodes.  halted_ keeps the hot path to one load.
    bool stopped() {
        if (halted_) return true;
        if ((++ticks_ & 63) != 0) return false;
        if (stop_.should_stop()) return halted_ = true;
        if (progress_s_ > 0.0 && (ticks_ & 4095) == 0) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= next_progress_) report_progress(now);
        }
        return false;
    }

    // One updating line on stderr (no GIL needed for stdio); ended by finish_progress().
    void report_progress(std::chrono::steady_clock::time_point now) {
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        std::fprintf(stderr, "\rhaim_kislev: %lld ordered subsets, first facet %d of %d, %.0f s   ",
                     c_.subsets_examined, first_ + 1, M_, elapsed);
        std::fflush(stderr);
        progress_printed_ = true;
        next_progress_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(progress_s_));
    }

  public:
    void finish_progress() {
        if (progress_printed_) {
            std::fprintf(stderr, "\n");
            std::fflush(stderr);
        }
    }

  private:

    // Number of eigenvalues above x of the symmetric k x k matrix a (row-major, destroyed):
    // Householder tridiagonalisation, then a Sturm count (zero pivots count as "below": conservative).
    static int count_above(double* a, int k, double x) {
        if (k == 0) return 0;
        double v[kMaxElements], p[kMaxElements];
        for (int col = 0; col + 2 < k; ++col) {
            double alpha = 0.0;
            for (int i = col + 1; i < k; ++i) alpha += a[i * k + col] * a[i * k + col];
            alpha = std::sqrt(alpha);
            if (alpha == 0.0) continue;
            if (a[(col + 1) * k + col] > 0) alpha = -alpha;
            double vnorm2 = 0.0;
            for (int i = col + 1; i < k; ++i) {
                v[i] = a[i * k + col] - (i == col + 1 ? alpha : 0.0);
                vnorm2 += v[i] * v[i];
            }
            if (vnorm2 == 0.0) continue;
            reflect_both_sides(a, k, col + 1, v, 2.0 / vnorm2, p);
        }
        int below = 0;
        double q = a[0] - x;
        if (q <= 0) ++below;
        for (int i = 1; i < k; ++i) {
            const double prev = q == 0.0 ? -1e-300 : q;
            const double off = a[i * k + i - 1];
            q = a[i * k + i] - x - off * off / prev;
            if (q <= 0) ++below;
        }
        return k - below;
    }

    // a <- H a H for H = I - beta v v^T, v supported on indices from..k-1 (a symmetric, k x k).
    static void reflect_both_sides(double* a, int k, int from, const double* v, double beta, double* p) {
        for (int i = 0; i < k; ++i) {
            double s = 0.0;
            for (int j = from; j < k; ++j) s += a[i * k + j] * v[j];
            p[i] = beta * s;
        }
        double vp = 0.0;
        for (int j = from; j < k; ++j) vp += v[j] * p[j];
        const double half = 0.5 * beta * vp;
        for (int i = from; i < k; ++i) p[i] -= half * v[i];
        for (int i = 0; i < k; ++i) {
            const double vi = i >= from ? v[i] : 0.0;
            for (int j = 0; j < k; ++j) {
                const double vj = j >= from ? v[j] : 0.0;
                a[i * k + j] -= vi * p[j] + p[i] * vj;
            }
        }
    }

    // Eigenvalues above tol of the prefix's quadratic form restricted to the null space of its
    // constraints, Z^T A_P Z: Householder QR of the reduced constraint matrix C^T (k x nb) applied
    // to A_P from both sides; the trailing (k - nb) block is Z^T A_P Z.
    int reduced_positive_eigenvalues() {
        const int k = static_cast<int>(order_.size());
        const int nb = nb_;
        if (k <= nb) return 0;
        double* a = eig_;
        double fro = 0.0;
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j) {
                const double v = i == j ? 0.0
                                        : 0.5 * (i > j ? W_[order_[i] * M_ + order_[j]] : W_[order_[j] * M_ + order_[i]]);
                a[i * k + j] = v;
                fro += v * v;
            }
        fro = std::sqrt(fro);
        if (fro == 0.0) return 0;
        double X[kMaxElements * kMaxElements];  // C^T, k x nb
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < nb; ++j) X[i * nb + j] = coef_[static_cast<std::size_t>(i) * rdim_ + j];
        double v[kMaxElements], p[kMaxElements];
        for (int j = 0; j < nb; ++j) {
            double alpha = 0.0;
            for (int i = j; i < k; ++i) alpha += X[i * nb + j] * X[i * nb + j];
            alpha = std::sqrt(alpha);
            if (alpha == 0.0) continue;
            if (X[j * nb + j] > 0) alpha = -alpha;
            double vnorm2 = 0.0;
            for (int i = 0; i < k; ++i) v[i] = 0.0;
            for (int i = j; i < k; ++i) {
                v[i] = X[i * nb + j] - (i == j ? alpha : 0.0);
                vnorm2 += v[i] * v[i];
            }
            if (vnorm2 == 0.0) continue;
            const double beta = 2.0 / vnorm2;
            for (int c = j; c < nb; ++c) {
                double s = 0.0;
                for (int i = j; i < k; ++i) s += v[i] * X[i * nb + c];
                s *= beta;
                for (int i = j; i < k; ++i) X[i * nb + c] -= s * v[i];
            }
            reflect_both_sides(a, k, j, v, beta, p);
        }
        const int mz = k - nb;
        double* z = eig2_;
        for (int i = 0; i < mz; ++i)
            for (int j = 0; j < mz; ++j) z[i * mz + j] = a[(nb + i) * k + nb + j];
        return count_above(z, mz, kInertiaTol * fro);
    }

    void dfs(std::uint64_t cand) {
        if (stopped()) return;
        const int k = static_cast<int>(order_.size());
        const int last = order_.back();
        if (inertia_ && k > nb_ && reduced_positive_eigenvalues() > 0) {
            ++c_.pruned_inertia;
            return;
        }
        const std::uint64_t avail = available(cand);
        if (k >= 2) {
            ++c_.subsets_examined;
            if (!swap_ || ((closers_ >> last) & 1)) evaluate();
        }
        if (swap_) {
            // Reachability of a closing element from `last` through available elements.
            std::uint64_t reach = after_[last] & avail, seen = 0;
            while (reach & ~seen) {
                const std::uint64_t fresh = reach & ~seen;
                seen |= fresh;
                for (std::uint64_t r = fresh; r; r &= r - 1) reach |= after_[__builtin_ctzll(r)] & avail;
                if (reach & closers_) break;
            }
            if (!(reach & closers_)) {
                if (avail) ++c_.pruned_reach;
                return;
            }
        }
        for (std::uint64_t rest = avail; rest; rest &= rest - 1) {
            const int e = __builtin_ctzll(rest);
            if (swap_ && !((after_[last] >> e) & 1)) {
                ++c_.pruned_swap;
                continue;
            }
            if (commute_ && k >= 2 && e < last && std::fabs(W_[last * M_ + e]) <= kSwapTol) {
                ++c_.pruned_commute;
                continue;
            }
            push(e);
            dfs(cand);
            pop();
            if (halted_) return;
        }
    }

    // Solve the reduced KKT system of the current ordered subset; keep it when b >= 0.
    void evaluate() {
        const int k = static_cast<int>(order_.size());
        // rhs projected on the basis; rhs outside the span means no b satisfies the constraints.
        // (The residual vector is formed explicitly: |rhs|^2 - |proj|^2 loses all precision.)
        double g[kMaxElements], resid[kMaxElements];
        double rn = 0.0, pres = 0.0;
        for (int t = 0; t < rdim_; ++t) rn += rhs_[t] * rhs_[t], resid[t] = rhs_[t];
        for (int j = 0; j < nb_; ++j) {
            const double* q = &basis_[static_cast<std::size_t>(j) * rdim_];
            double s = 0.0;
            for (int t = 0; t < rdim_; ++t) s += q[t] * rhs_[t];
            g[j] = s;
            for (int t = 0; t < rdim_; ++t) resid[t] -= s * q[t];
        }
        for (int t = 0; t < rdim_; ++t) pres += resid[t] * resid[t];
        if (pres > kResTol * kResTol * std::max(1.0, rn)) return;
        const int n = k + nb_;
        double* a = kkt_;  // row-major n x (n + 1), last column the right-hand side
        const int ld = n + 1;
        double amax = 0.0;
        for (int i = 0; i < k; ++i) {
            const int si = order_[i];
            for (int j = 0; j < k; ++j) {
                const int sj = order_[j];
                const double v = i == j ? 0.0 : (i > j ? W_[si * M_ + sj] : W_[sj * M_ + si]);
                a[i * ld + j] = v;
                amax = std::max(amax, std::fabs(v));
            }
            const double* c = &coef_[static_cast<std::size_t>(i) * rdim_];
            for (int j = 0; j < nb_; ++j) {
                a[i * ld + k + j] = c[j];
                a[(k + j) * ld + i] = c[j];
                amax = std::max(amax, std::fabs(c[j]));
            }
            a[i * ld + n] = 0.0;
        }
        for (int j = 0; j < nb_; ++j) {
            for (int l = 0; l < nb_; ++l) a[(k + j) * ld + k + l] = 0.0;
            a[(k + j) * ld + n] = g[j];
        }
        ++c_.kkt_solves;
        // Gaussian elimination with partial pivoting.
        for (int col = 0; col < n; ++col) {
            int piv = col;
            double best = std::fabs(a[col * ld + col]);
            for (int r = col + 1; r < n; ++r)
                if (std::fabs(a[r * ld + col]) > best) best = std::fabs(a[r * ld + col]), piv = r;
            if (best <= kPivotTol * amax) return;  // singular: skipped (see header)
            if (piv != col)
                for (int t = col; t <= n; ++t) std::swap(a[col * ld + t], a[piv * ld + t]);
            const double inv = 1.0 / a[col * ld + col];
            for (int r = col + 1; r < n; ++r) {
                const double f = a[r * ld + col] * inv;
                if (f == 0.0) continue;
                for (int t = col; t <= n; ++t) a[r * ld + t] -= f * a[col * ld + t];
            }
        }
        double x[2 * kMaxElements];
        for (int r = n - 1; r >= 0; --r) {
            double s = a[r * ld + n];
            for (int t = r + 1; t < n; ++t) s -= a[r * ld + t] * x[t];
            x[r] = s / a[r * ld + r];
        }
        for (int i = 0; i < k; ++i)
            if (x[i] * h_[order_[i]] < -kPosTol) return;
        // Residual of the original (unreduced) constraints.
        double res = 0.0;
        for (int t = 0; t < rdim_; ++t) {
            double s = -rhs_[t];
            for (int i = 0; i < k; ++i) s += x[i] * rows_[order_[i] * rdim_ + t];
            res += s * s;
        }
        if (res > kResTol * kResTol * std::max(1.0, rn)) return;
        double q = 0.0;
        for (int i = 1; i < k; ++i) {
            double s = 0.0;
            for (int j = 0; j < i; ++j) s += x[j] * W_[order_[i] * M_ + order_[j]];
            q += x[i] * s;
        }
        if (q > best_value) {
            best_value = q;
            best_order = order_;
            best_b.assign(x, x + k);
        }
        if (max_ties_ > 0) record_tie(q, x, k);
    }

    // Keep the candidates within tie_rel of the best value (the best itself included), best first.
    void record_tie(double q, const double* x, int k) {
        const double floor = best_value - tie_rel_ * std::fabs(best_value);
        if (q < floor) return;
        Candidate cand;
        cand.value = q;
        cand.order = order_;
        cand.b.assign(x, x + k);
        auto pos = std::find_if(ties.begin(), ties.end(), [q](const Candidate& c) { return c.value < q; });
        ties.insert(pos, std::move(cand));
        while (!ties.empty() && (ties.back().value < floor || static_cast<int>(ties.size()) > max_ties_ + 1))
            ties.pop_back();
    }

    int M_, d_, mode_;
    bool swap_, commute_, inertia_;
    const std::uint8_t* usable_;
    bool has_usable_;
    double tie_rel_;
    int max_ties_;
    std::vector<double> g_, h_, W_, rows_, rhs_, basis_, coef_, tmp_;
    std::vector<std::uint64_t> after_;
    std::vector<int> order_, nb_stack_;
    int rdim_ = 0, nb_ = 0, first_ = 0, target_ = 0;
    std::uint64_t candidates_ = 0, closers_ = 0, used_groups_ = 0;
    double kkt_[(2 * kMaxElements) * (2 * kMaxElements + 1)];
    double eig_[kMaxElements * kMaxElements];
    double eig2_[kMaxElements * kMaxElements];
    double progress_s_ = 0.0;
    bool progress_printed_ = false;
    std::chrono::steady_clock::time_point start_, next_progress_;
    long long ticks_ = 0;
    bool halted_ = false;
};

// ------------------------------------------------------------------------------------ closure mask
// usable[f, e] = 1 when facet e >= f carries positive weight in some closure relation sum b_x n_x = 0,
// b >= 0, supported on {f, ..., M-1} (orders starting with f only use facets >= f, so the search may
// drop every other facet; see the header).  For each f one LP (dense simplex, Bland's rule):
//     maximise sum_e s_e  subject to  sum_e n_e (s_e + t_e) = 0,  s_e + u_e = 1,  s, t, u >= 0,
// i.e. s_e <= min(b_e, 1) with b = s + t.  The closure cone is closed under addition, so at the optimum
// s is the indicator of the largest support: value |S*|, s_e in {0, 1}.
// Every "unusable" verdict is certified: the LP multipliers y of the closure rows satisfy
// <n_x, y> <= 0 for every x in the set and <n_e, y> <= -1 for each dropped e, so b_e = 0 in every
// relation (pair the relation with y).  If the certificate does not check out (numerical doubt), or
// the LP fails, nothing is dropped for that f: pruning less never changes the value.
struct ClosureMask {
    std::vector<std::uint8_t> usable;  // M x M
    int uncertain_rows = 0;            // rows f where the LP or its certificate failed (kept whole)
};

ClosureMask closure_mask(const double* N, int M, int d) {
    ClosureMask out;
    out.usable.assign(static_cast<std::size_t>(M) * M, 0);
    for (int f = 0; f < M; ++f) {
        const int k = M - f;
        if (k < 2) continue;
        const int rows = d + k, cols = 3 * k;  // variables s (k), t (k), u (k)
        std::vector<double> A(static_cast<std::size_t>(rows) * cols, 0.0), b(rows, 0.0), c(cols, 0.0);
        for (int e = 0; e < k; ++e) {
            const double* n = N + static_cast<std::size_t>(f + e) * d;
            for (int r = 0; r < d; ++r) {
                A[static_cast<std::size_t>(r) * cols + e] = n[r];
                A[static_cast<std::size_t>(r) * cols + k + e] = n[r];
            }
            A[static_cast<std::size_t>(d + e) * cols + e] = 1.0;
            A[static_cast<std::size_t>(d + e) * cols + 2 * k + e] = 1.0;
            b[d + e] = 1.0;
            c[e] = -1.0;
        }
        const DenseLpResult lp = solve_dense_lp(rows, cols, A, b, c);
        bool certified = lp.status == DenseLpResult::kOptimal;
        std::vector<std::uint8_t> row(k, 1);
        if (certified) {
            double ynorm = 1.0;
            for (int r = 0; r < d; ++r) ynorm += std::fabs(lp.dual[r]);
            for (int e = 0; e < k && certified; ++e) {
                const double* n = N + static_cast<std::size_t>(f + e) * d;
                double ny = 0.0;
                for (int r = 0; r < d; ++r) ny += n[r] * lp.dual[r];
                const double s_e = lp.x[e];
                if (s_e > 0.5) continue;  // in the support of the relation found: usable
                if (s_e > 1e-9) certified = false;  // neither 0 nor 1: numerical doubt
                row[e] = 0;
                if (!(ny <= -0.5)) certified = false;
            }
            for (int e = 0; e < k && certified; ++e) {
                const double* n = N + static_cast<std::size_t>(f + e) * d;
                double ny = 0.0;
                for (int r = 0; r < d; ++r) ny += n[r] * lp.dual[r];
                if (ny > 1e-9 * ynorm) certified = false;
            }
        }
        if (!certified) {
            ++out.uncertain_rows;
            std::fill(row.begin(), row.end(), 1);
        }
        for (int e = 0; e < k; ++e) out.usable[static_cast<std::size_t>(f) * M + f + e] = row[e];
    }
    return out;
}

constexpr const char* kWho = "haim_kislev_search";

py::dict haim_kislev_search(const py::object& G_in, const py::object& h_in, int mode, const py::object& usable_in,
                            double deadline_s, bool swap_rule, bool commute_rule, bool inertia_rule,
                            double progress_s, double tie_rel, int max_ties) {
    const CheckedArray G = checked_real(G_in, kWho, "G", 2);
    const int M = static_cast<int>(G.shape(0));
    const int d = static_cast<int>(G.shape(1));
    if (d < 2 || d % 2 != 0)
        throw std::invalid_argument("haim_kislev_search: G must have shape (M, 2n) with n >= 1; got (" +
                                    std::to_string(M) + ", " + std::to_string(d) + ")");
    if (M < 1 || M > kMaxElements || d + 1 > kMaxElements)
        throw std::invalid_argument("haim_kislev_search: 1 to 64 elements and dimension < 64; got G of shape (" +
                                    std::to_string(M) + ", " + std::to_string(d) + ")");
    const CheckedArray h = checked_real(h_in, kWho, "h", 1);
    if (h.shape(0) != M) throw std::invalid_argument("haim_kislev_search: h must have shape (M,) = (" +
                                                     std::to_string(M) + ",)");
    for (int i = 0; i < M; ++i)
        if (!(h.data()[i] > 0.0))
            throw std::invalid_argument("haim_kislev_search: h must be positive (support numbers about an interior "
                                        "point); h[" + std::to_string(i) + "] = " + std::to_string(h.data()[i]));
    if (mode != 0 && mode != 1) throw std::invalid_argument("haim_kislev_search: mode is 0 (general) or 1 (symmetric)");
    if (mode == 1 && M % 2) throw std::invalid_argument("haim_kislev_search: symmetric mode needs pairs (+g, -g)");
    const CheckedMask usable = checked_mask(usable_in, kWho, "usable", M, M, /*allow_empty=*/true);
    checked_not_nan(deadline_s, kWho, "deadline_s");
    checked_finite(progress_s, kWho, "progress_s");
    if (!(tie_rel >= 0.0 && tie_rel < 1.0))
        throw std::invalid_argument("haim_kislev_search: tie_rel must be in [0, 1)");
    if (max_ties < 0 || max_ties > 1024)
        throw std::invalid_argument("haim_kislev_search: max_ties must be in [0, 1024]");
    SearchOptions opt;
    opt.mode = mode;
    opt.usable = usable.size() > 0 ? usable.data() : nullptr;
    opt.deadline_s = deadline_s;
    opt.swap_rule = swap_rule;
    opt.commute_rule = commute_rule;
    opt.inertia_rule = inertia_rule;
    opt.progress_s = progress_s;
    opt.tie_rel = tie_rel;
    opt.max_ties = max_ties;
    auto search = std::make_unique<Search>(G.data(), h.data(), M, d, opt);
    {
        py::gil_scoped_release release;
        search->run();
        search->finish_progress();
    }
    search->stop_.rethrow_if_interrupted();  // Ctrl-C: the KeyboardInterrupt itself
    py::dict out;
    out["value"] = search->best_value;
    out["order"] = search->best_order;
    out["b"] = search->best_b;
    py::list ties;
    for (const Candidate& c : search->ties) ties.append(py::make_tuple(c.value, c.order, c.b));
    out["ties"] = ties;
    out["timed_out"] = search->stop_.timed_out();
    out["subsets_examined"] = search->c_.subsets_examined;
    out["kkt_solves"] = search->c_.kkt_solves;
    out["pruned_swap"] = search->c_.pruned_swap;
    out["pruned_closure"] = search->c_.pruned_closure;
    out["pruned_reach"] = search->c_.pruned_reach;
    out["pruned_commute"] = search->c_.pruned_commute;
    out["pruned_inertia"] = search->c_.pruned_inertia;
    return out;
}

py::dict haim_kislev_closure_mask(const py::object& N_in) {
    const CheckedArray N = checked_real(N_in, "haim_kislev_closure_mask", "N", 2);
    const int M = static_cast<int>(N.shape(0));
    const int d = static_cast<int>(N.shape(1));
    if (M < 1 || M > kMaxElements || d < 1 || d + 1 > kMaxElements)
        throw std::invalid_argument(
            "haim_kislev_closure_mask: N must have shape (M, d) with 1 <= M <= 64, 1 <= d < 64");
    ClosureMask mask;
    {
        py::gil_scoped_release release;
        mask = closure_mask(N.data(), M, d);
    }
    py::array_t<std::uint8_t> usable({static_cast<py::ssize_t>(M), static_cast<py::ssize_t>(M)});
    std::copy(mask.usable.begin(), mask.usable.end(), usable.mutable_data());
    py::dict out;
    out["usable"] = usable;
    out["uncertain_rows"] = mask.uncertain_rows;
    return out;
}

// The dense simplex itself (used by the witness placement in viterbo.capacity.haim_kislev).
py::dict dense_lp(const py::object& A_in, const py::object& b_in, const py::object& c_in) {
    const CheckedArray A = checked_real(A_in, "dense_lp", "A", 2);
    const int m = static_cast<int>(A.shape(0));
    const int n = static_cast<int>(A.shape(1));
    const CheckedArray b = checked_real(b_in, "dense_lp", "b", 1);
    const CheckedArray c = checked_real(c_in, "dense_lp", "c", 1);
    if (b.shape(0) != m || c.shape(0) != n)
        throw std::invalid_argument("dense_lp: A (m, n), b (m,) and c (n,) do not fit: A " +
                                    detail::shape_string(A) + ", b " + detail::shape_string(b) + ", c " +
                                    detail::shape_string(c));
    if (m < 1 || n < 1 || static_cast<long long>(m) * (n + m + 1) > 4'000'000)
        throw std::invalid_argument("dense_lp: need 1 <= m, 1 <= n and m (n + m) below 4e6 (a dense tableau)");
    std::vector<double> Av(A.data(), A.data() + A.size()), bv(b.data(), b.data() + m), cv(c.data(), c.data() + n);
    DenseLpResult lp;
    {
        py::gil_scoped_release release;
        lp = solve_dense_lp(m, n, Av, bv, cv);
    }
    py::dict out;
    out["status"] = static_cast<int>(lp.status);
    out["value"] = lp.value;
    out["x"] = lp.x;
    out["dual"] = lp.dual;
    return out;
}

py::dict haim_kislev_tolerances() {
    py::dict out;
    out["RANK_TOL"] = kRankTol;
    out["PIVOT_TOL"] = kPivotTol;
    out["POS_TOL"] = kPosTol;
    out["RES_TOL"] = kResTol;
    out["SWAP_TOL"] = kSwapTol;
    out["INERTIA_TOL"] = kInertiaTol;
    out["PLACE_TOL"] = kPlaceTol;
    return out;
}

}  // namespace

void register_haim_kislev(py::module_& m) {
    m.def("haim_kislev_search", &haim_kislev_search, py::arg("G"), py::arg("h"), py::arg("mode"),
          py::arg("usable"), py::arg("deadline_s"), py::arg("swap_rule") = true, py::arg("commute_rule") = true,
          py::arg("inertia_rule") = true, py::arg("progress_s") = 0.0, py::arg("tie_rel") = 0.0,
          py::arg("max_ties") = 0,
          "Depth-first Haim-Kislev search over ordered subsets; see viterbo.capacity.haim_kislev.");
    m.def("haim_kislev_closure_mask", &haim_kislev_closure_mask, py::arg("N"),
          "usable[f, e]: facet e >= f carries weight in a closure relation on facets >= f (certified LPs); "
          "see viterbo.capacity.haim_kislev.");
    m.def("dense_lp", &dense_lp, py::arg("A"), py::arg("b"), py::arg("c"),
          "min c^T x, A x = b, x >= 0 by a dense two-phase simplex with Bland's rule: "
          "{status (0 optimal, 1 infeasible, 2 unbounded, 3 iteration limit), value, x, dual}.");
    m.def("haim_kislev_tolerances", &haim_kislev_tolerances,
          "The tolerances of the compiled Haim-Kislev search (the Python reference must use the same).");
}

}  // namespace viterbo
