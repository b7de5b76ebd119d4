// Branch-and-bound search for combinatorial Reeb orbits on a 4D symplectic polytope (Chaidez-Hutchings),
// certified: closed outer-approximated domains with an error model, the fast pass with deferral of the
// rotation and c_F prunes, the certification pass, and (reeb_jump.cpp) the jump search.
// This file is the fast path of viterbo/capacity/reeb/search_reference.py and follows it rule for
// rule, in the same order, so that values and node counts agree.
// Spec: docs/math/reeb-dynamics-4d.md, docs/math/reeb-certification.md.
#include "reeb_common.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <queue>

namespace viterbo {
namespace reeb {

namespace {

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

// Error model (search_reference._position_error): relative errors add up, amplified like the largest
// composed map seen so far.
struct Err1 {
    double rho = 0, MA = 1, Mb = 0, ebs = 0;
};
inline double position_error(const Err1& e, double R1) { return e.rho * (2.0 * R1 * e.MA + e.Mb) + e.ebs * e.MA; }

struct State {
    Polygon2 D;
    Mat2 A;
    std::array<double, 2> b{0.0, 0.0}, a{0.0, 0.0};
    double d = 0, csum = 0, ef = 0;
    double w = 0;  // sum of the edges' flow-time lower bounds edge_w along the path (error-free of A)
    int code = 0;
    Bits used;
    Err1 err;
};

struct Child {
    double bound;
    int e, dst;
    State s;
    bool closing;
};

// A child the fast pass cut by the rotation or c_F prune: rebuilt from its parent in the certification pass.
// The parent and its path are shared by all its deferred children (one copy per parent, not per
// child: at m = 2000 the copies were gigabytes).
struct Deferred {
    int f1;
    std::shared_ptr<const std::vector<int>> path;
    std::shared_ptr<const State> parent;
    int e;
};

enum ChildResult { CUT = 0, KEPT = 1, CUT_ROTATION = 2, CUT_BUDGET = 3 };

struct Config {
    bool spectrum = false, use_cF = true, use_memo = true, certify = false;
    double cap = 2.0, action_cap = kInf, incumbent = kInf;
    long long max_orbits = -1;
    // ESCALATE / IMPRECISE_BUDGET of the 2-face search; tests lower them to force branches through the exact
    // phase (type1_exact.py).
    double escalate = ESCALATE;
    long long imprecise_budget = IMPRECISE_BUDGET;
};

const char* kCounters[] = {
    "nodes_expanded", "pruned_empty", "pruned_action", "pruned_rotation", "pruned_cF_budget",
    "pruned_memo", "pruned_facet_repeat", "memo_hits", "memo_size", "cycles_closed",
    "fixed_points_rejected", "rejected_outside_domain", "rejected_numerical", "rejected_ball",
    "pruned_fixed_point_action", "pruned_zero_time", "cycles_nonprimitive", "cycles_duplicate_rotation",
    "rotation_impossible", "deferred", "imprecise_children", "unresolved_branches"};
enum Counter {
    NODES, P_EMPTY, P_ACTION, P_ROT, P_BUDGET, P_MEMO, P_FACET, MEMO_HITS, MEMO_SIZE, CLOSED, FP_REJ, REJ_OUT,
    REJ_NUM, REJ_BALL_C, P_FIXED, P_ZERO, NONPRIM, DUPROT, ROT_IMP, DEFERRED, IMPRECISE, UNRESOLVED, N_COUNTERS
};

// One run of the 2-face search (a pass); search_reference._Type1.
class Type1 {
public:
    Type1(const Graph& G, const Config& cfg, Shared& shared, StopCheck& stop)
        : G(G), cfg(cfg), sh(shared), stop(stop) {
        counters.fill(0);
        spectrum_cap = cfg.action_cap;
        incumbent = cfg.incumbent * (1.0 + 2 * ACTION_TIE);
        if (sh.have_best) incumbent = std::min(incumbent, sh.best.action);
        edge_w.resize(G.nE);
        for (int e = 0; e < G.nE; ++e) edge_w[e] = std::max(G.edge_minf[e], 0.0);
        zero_e.assign(G.nE, 0.0);
        zero_f.assign(G.nF, 0.0);
        ball_bound = kPi * G.inradius * G.inradius * (1.0 - 1e-6);
        rotation = !cfg.certify;
        budgets = cfg.use_cF && !cfg.certify;
        defer = !cfg.spectrum && !cfg.certify;
        time_res = TIME_RES * G.scale * G.scale;
        words = (G.m + 63) / 64;
        double top = 0;
        for (int E = 0; E < G.m; ++E) {
            const double* r = &G.R[4 * E];
            top = std::max(top, std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2] + r[3] * r[3]));
        }
        inv_speed = 1.0 / top;
        face_ball.resize(G.nF);
        for (int f = 0; f < G.nF; ++f) {  // search_reference._face_ball
            double best = 0;
            const double* M = &G.face_M[8 * f];
            for (std::int64_t i = G.face_poly_start[f]; i < G.face_poly_start[f + 1]; ++i) {
                const double s0 = G.face_poly[2 * i], s1 = G.face_poly[2 * i + 1];
                double dd[4];
                for (int r = 0; r < 4; ++r) dd[r] = M[2 * r] * s0 + M[2 * r + 1] * s1;
                best = std::max(best, std::sqrt(dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2] + dd[3] * dd[3]));
            }
            face_ball[f] = best * (1.0 + 1e-12);
        }
    }

    bool start(int face) {
        f1 = face;
        h_act = return_bounds(G, f1, edge_w, zero_f);
        if (!std::isfinite(h_act[f1])) return false;
        if (budgets) g_cf = return_bounds(G, f1, zero_e, G.face_cF);
        diam1 = G.face_diam[f1];
        R1 = G.face_rad[f1];
        rad1 = face_ball[f1];
        eps = DEDUPE_REL * diam1;
        return true;
    }

    State root() const {
        State s;
        s.D = G.face_polygon(f1);
        s.csum = G.face_cF[f1];
        s.used.assign(words, 0);
        return s;
    }

    void run_all() {
        for (int f = 0; f < G.nF; ++f) {
            if (stop.check_now()) {
                sh.timed_out = sh.timed_out || stop.timed_out();
                break;
            }
            if (!start(f)) continue;
            path.assign(1, f);
            State r = root();
            states.clear();
            if (cfg.use_memo && cfg.spectrum) states.push_back(r);
            expand(r);
            if (halted()) break;
        }
    }

    void visit(double bound, int dst, State& s, bool closing) {
        if (action_pruned(bound)) {
            note_pruned(bound);
            return;
        }
        if (closing) {
            close_cycle(s);
            if (!cfg.spectrum) return;
        }
        if (cfg.use_memo && cfg.spectrum && memo_check(dst, s)) return;
        path.push_back(dst);
        if (cfg.use_memo && cfg.spectrum) states.push_back(s);
        expand(s);
        if (cfg.use_memo && cfg.spectrum) states.pop_back();
        path.pop_back();
    }

    bool halted() const { return sh.timed_out || sh.depth_exceeded || stop.interrupted(); }
    int build(const State& parent, int e, Child& out) { return child(parent, e, out); }

    const Graph& G;
    Config cfg;
    Shared& sh;
    StopCheck& stop;
    std::array<long long, N_COUNTERS> counters;
    std::vector<Candidate> orbits;
    std::vector<Deferred> deferred;
    std::vector<int> path;
    int f1 = 0;

private:
    bool action_pruned(double bound) const {
        if (cfg.spectrum) return bound > spectrum_cap * (1.0 + ACTION_TIE);
        return bound >= incumbent * (1.0 - ACTION_TIE);
    }
    void note_pruned(double bound) {
        ++counters[P_ACTION];
        sh.min_pruned_bound = std::min(sh.min_pruned_bound, bound);
    }

    // search_reference._Type1.child: CUT when a sound prune cut the child (counted), CUT_ROTATION /
    // CUT_BUDGET for the fast pass's rotation and c_F prunes (checked first: they are cheap).
    int child(const State& s, int e, Child& out) {
        const int dst = static_cast<int>(G.edge_dst[e]);
        const int E = static_cast<int>(G.edge_facet[e]);
        const bool closing = dst == f1;
        if (!cfg.spectrum && bit(s.used, E)) {
            ++counters[P_FACET];
            return CUT;
        }
        const Mat2 Ae{G.edge_A[4 * e], G.edge_A[4 * e + 1], G.edge_A[4 * e + 2], G.edge_A[4 * e + 3]};
        const Mat2 A2 = mul(Ae, s.A);
        bool impossible = false;
        const int code2 = step_code(s.code, A2, impossible);
        const double csum2 = s.csum + (closing ? 0.0 : G.face_cF[dst]);
        if (rotation) {
            if (exceeds_cap(code2, cfg.cap) || (closing && rho_from_code(code2, A2) > cfg.cap + BUDGET_SLACK))
                return CUT_ROTATION;
            if (budgets && csum2 + (closing ? 0.0 : g_cf[dst]) > cfg.cap + BUDGET_SLACK) return CUT_BUDGET;
        }
        const double perr = position_error(s.err, R1);
        const Mat2& A = s.A;
        const double amaxA = amax(A);
        const double bn = std::max(std::abs(s.b[0]), std::abs(s.b[1]));
        const double rcur = G.face_rad[G.edge_src[e]] + perr;
        Polygon2 D2 = s.D;
        for (std::int64_t h = G.edge_hp_start[e]; h < G.edge_hp_start[e + 1]; ++h) {
            const double ha0 = G.hp_a[2 * h], ha1 = G.hp_a[2 * h + 1], hc = G.hp_c[h];
            const double p0 = A.a00 * ha0 + A.a10 * ha1;
            const double p1 = A.a01 * ha0 + A.a11 * ha1;
            const double pc = hc - (ha0 * s.b[0] + ha1 * s.b[1]);
            const double hn = std::abs(ha0) + std::abs(ha1);
            const double slack = (hn * perr + G.hp_ea[h] * 2.0 * rcur + G.hp_ec[h] +
                                  GAMMA * ((std::abs(p0) + std::abs(p1)) * R1 + std::abs(pc) + hn * bn + std::abs(hc)));
            D2 = clip_convex(D2, p0, p1, pc, eps, diam1, slack);
            if (D2.empty()) break;
        }
        if (D2.empty()) {
            ++counters[P_EMPTY];
            return CUT;
        }
        const double be0 = G.edge_b[2 * e], be1 = G.edge_b[2 * e + 1];
        const double alpha = G.edge_alpha[e], beta0 = G.edge_beta[2 * e], beta1 = G.edge_beta[2 * e + 1];
        const std::array<double, 2> a2{s.a[0] + A.a00 * beta0 + A.a10 * beta1, s.a[1] + A.a01 * beta0 + A.a11 * beta1};
        const double d2 = s.d + beta0 * s.b[0] + beta1 * s.b[1] + alpha;
        const double bsum = std::abs(beta0) + std::abs(beta1);
        const double ef2 = (s.ef + bsum * perr + G.edge_ebeta[e] * 2.0 * rcur + G.edge_ealpha[e] +
                            GAMMA * (std::abs(alpha) + bsum * (2.0 * R1 * amaxA + bn)));
        const double ta0 = a2[0] - s.a[0], ta1 = a2[1] - s.a[1], td = d2 - s.d;
        double tmax = -kInf;
        for (const auto& v : D2) tmax = std::max(tmax, ta0 * v[0] + ta1 * v[1] + td);
        if (tmax + (ef2 - s.ef) <= time_res) {
            ++counters[P_ZERO];
            return CUT;
        }
        double minf = kInf;
        for (const auto& v : D2) minf = std::min(minf, a2[0] * v[0] + a2[1] * v[1] + d2);
        minf -= ef2 + GAMMA * ((std::abs(a2[0]) + std::abs(a2[1])) * R1 + std::abs(d2));
        State c;
        c.A = A2;
        c.b = {Ae.a00 * s.b[0] + Ae.a01 * s.b[1] + be0, Ae.a10 * s.b[0] + Ae.a11 * s.b[1] + be1};
        c.err.rho = s.err.rho + GAMMA + G.edge_eA[e] / std::max(amax(Ae), 1e-300);
        c.err.MA = std::max(s.err.MA, amax(c.A));
        c.err.Mb = std::max({s.err.Mb, std::abs(c.b[0]), std::abs(c.b[1]), std::abs(be0), std::abs(be1)});
        c.err.ebs = s.err.ebs + G.edge_eb[e];
        const double perr2 = position_error(c.err, R1);
        double rest = closing ? 0.0 : h_act[dst];
        if (cfg.certify && !closing) rest = std::max(rest, way_back(dst, D2, c.A, c.b, perr2));
        const double bound = minf + rest;
        if (action_pruned(bound)) {
            note_pruned(bound);
            return CUT;
        }
        if (ef2 > cfg.escalate * G.scale * G.scale || perr2 > cfg.escalate * G.face_rad[dst]) {
            // Imprecise: followed within a budget, then reported with its face path (search_reference.py;
            // type1_exact.py replays it in rationals).
            if (counters[IMPRECISE] >= cfg.imprecise_budget) {
                ++counters[UNRESOLVED];
                sh.unresolved.push_back({1.0, std::max(bound, path_floor(s.w + edge_w[e], closing, dst)), amax(c.A)});
                std::vector<std::array<int, 3>> branch;
                for (int f : path) branch.push_back({0, f, 0});
                branch.push_back({0, dst, 0});
                sh.branches.push_back(std::move(branch));
                return CUT;
            }
            ++counters[IMPRECISE];
        }
        c.D = std::move(D2);
        c.a = a2;
        c.d = d2;
        c.ef = ef2;
        c.code = code2;
        if (impossible) ++counters[ROT_IMP];
        c.csum = csum2;
        c.used = with_bit(s.used, E);
        c.w = s.w + edge_w[e];
        out = Child{bound, e, dst, std::move(c), closing};
        return KEPT;
    }

    // search_reference._Type1.path_floor: a lower bound of the action of every loop through this branch
    // that does not use the domain (so no error of A): each segment lasts at least its edge's edge_w,
    // and the way back at least h_act.  Both are float sums of nonnegative terms, at most m on the
    // path and nF in the Dijkstra path, so the relative rounding is below (m + nF) 2^-53 (hence the factor).
    double path_floor(double w, bool closing, int dst) const {
        return (w + (closing ? 0.0 : h_act[dst])) * (1.0 - 2.3e-16 * (G.m + G.nF + 2));
    }

    // search_reference._Type1.way_back: ball-to-ball distance back to F_1 over the top speed.
    double way_back(int face, const Polygon2& D, const Mat2& A, const std::array<double, 2>& b, double perr) const {
        const double* c = &G.face_c[4 * face];
        const double* M = &G.face_M[8 * face];
        const double k = static_cast<double>(D.size());
        std::vector<double> w0s, w1s;
        w0s.reserve(D.size());
        w1s.reserve(D.size());
        double m0 = 0, m1 = 0;
        for (const auto& v : D) {
            w0s.push_back(A.a00 * v[0] + A.a01 * v[1] + b[0]);
            w1s.push_back(A.a10 * v[0] + A.a11 * v[1] + b[1]);
        }
        for (double w : w0s) m0 += w;
        for (double w : w1s) m1 += w;
        m0 /= k;
        m1 /= k;
        double r = 0;
        for (std::size_t i = 0; i < w0s.size(); ++i) {
            const double d0 = w0s[i] - m0, d1 = w1s[i] - m1;
            double dd[4];
            for (int j = 0; j < 4; ++j) dd[j] = M[2 * j] * d0 + M[2 * j + 1] * d1;
            r = std::max(r, std::sqrt(dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2] + dd[3] * dd[3]));
        }
        const double* c1 = &G.face_c[4 * f1];
        double g[4];
        for (int j = 0; j < 4; ++j) g[j] = c[j] + M[2 * j] * m0 + M[2 * j + 1] * m1 - c1[j];
        const double gap = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]) - r - rad1;
        double mn = 0;
        for (int j = 0; j < 4; ++j) mn = std::max(mn, std::abs(M[2 * j]) + std::abs(M[2 * j + 1]));
        return std::max(0.0, gap - 2.0 * mn * perr) * inv_speed;
    }

    void expand(const State& s) {
        if (stop.should_stop()) {
            sh.timed_out = sh.timed_out || stop.timed_out();
            return;
        }
        if (halted()) return;
        // Without facet-once (the spectrum) a path can grow without end: cap it.  Under facet-once
        // every edge of a path enters a new facet, so a path has at most m faces (Lemma 2) and no cap applies.
        if (cfg.spectrum && path.size() > MAX_DEPTH) {
            sh.depth_exceeded = true;
            return;
        }
        ++counters[NODES];
        const int node = path.back();
        std::vector<Child> children;
        std::shared_ptr<const std::vector<int>> shared_path;
        std::shared_ptr<const State> shared_parent;
        for (int e : G.out_edges[node]) {
            if (static_cast<int>(G.edge_dst[e]) < f1) continue;
            Child c;
            const int res = child(s, e, c);
            if (res == CUT) continue;
            if (res != KEPT) {
                ++counters[res == CUT_ROTATION ? P_ROT : P_BUDGET];
                if (defer) {  // the certification pass builds and follows this child without those prunes
                    ++counters[DEFERRED];
                    if (!shared_parent) {
                        shared_path = std::make_shared<const std::vector<int>>(path);
                        shared_parent = std::make_shared<const State>(s);
                    }
                    deferred.push_back(Deferred{f1, shared_path, shared_parent, e});
                }
                continue;
            }
            children.push_back(std::move(c));
        }
        std::sort(children.begin(), children.end(), [](const Child& x, const Child& y) {
            return x.bound < y.bound || (x.bound == y.bound && x.e < y.e);
        });
        for (Child& c : children) {
            if (halted()) return;
            visit(c.bound, c.dst, c.s, c.closing);
        }
    }

    bool memo_check(int face, const State& s) {
        const double am = std::max(1.0, amax(s.A));
        const double dm = G.face_diam[face];
        for (std::size_t idx = 0; idx < path.size(); ++idx) {
            if (path[idx] != face) continue;
            const State& en = states[idx];
            ++counters[MEMO_SIZE];
            const double da = std::max({std::abs(en.A.a00 - s.A.a00), std::abs(en.A.a01 - s.A.a01),
                                        std::abs(en.A.a10 - s.A.a10), std::abs(en.A.a11 - s.A.a11)});
            if (da > MEMO_TOL * am) continue;
            if (std::max(std::abs(en.b[0] - s.b[0]), std::abs(en.b[1] - s.b[1])) > MEMO_TOL * dm) continue;
            ++counters[MEMO_HITS];
            if (en.code > s.code || en.csum > s.csum + BUDGET_SLACK || !subset(en.used, s.used)) continue;
            if (en.D.size() < 3) continue;
            bool inside = true;
            for (const auto& v : s.D)
                if (margin_of(en.D, v[0], v[1]) < -MEMO_MARGIN * diam1) {
                    inside = false;
                    break;
                }
            if (!inside) continue;
            const double fs = std::max(1.0, std::abs(s.d));
            bool dominated = true;
            for (const auto& v : s.D)
                if (!(en.a[0] * v[0] + en.a[1] * v[1] + en.d <= s.a[0] * v[0] + s.a[1] * v[1] + s.d + MEMO_MARGIN * fs)) {
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

    void close_cycle(const State& s) {
        ++counters[CLOSED];
        const FixedPoint fp = solve_fixed_point(s.A, s.b, s.D, diam1, position_error(s.err, R1));
        if (!fp.found) {
            ++counters[FP_REJ];
            ++counters[REJ_OUT];
            return;
        }
        if (fp.status == STATUS_OUTSIDE) {  // float64 cannot place the fixed point: the exact phase decides
            ++counters[FP_REJ];
            ++counters[REJ_NUM];
            sh.pending.push_back(Pending{1, path, -kInf});
            return;
        }
        const double est = s.a[0] * fp.s0 + s.a[1] * fp.s1 + s.d;
        const double an = std::abs(s.a[0]) + std::abs(s.a[1]);
        const double est_err = s.ef + an * fp.err + GAMMA * (an * R1 + std::abs(s.d));
        if (!cfg.spectrum && est - est_err >= incumbent * (1.0 - ACTION_TIE)) {
            ++counters[P_FIXED];
            note_pruned(est - est_err);
            return;
        }
        if (est + est_err < ball_bound) {
            ++counters[FP_REJ];
            ++counters[REJ_BALL_C];
            return;
        }
        const Rebuilt rb = reconstruct(G, path, fp.s0, fp.s1, fp.degenerate);
        std::vector<std::vector<int>> sets(path.size());
        for (std::size_t i = 0; i < path.size(); ++i)
            sets[i] = {static_cast<int>(G.face_pairs[2 * path[i]]), static_cast<int>(G.face_pairs[2 * path[i] + 1])};
        double action = 0;
        int problem = 0;
        int status = validate_closed(G, sets, rb, action, problem);
        if (status == STATUS_OUTSIDE) {
            ++counters[FP_REJ];
            // A rebuilt constant loop excludes the cycle only when its fixed point is placed precisely
            // (search_reference.py); otherwise the exact phase decides.
            if (problem == REJ_BALL && !(fp.degenerate || fp.err > INTERIOR_MARGIN * diam1)) {
                ++counters[REJ_BALL_C];
                return;
            }
            ++counters[REJ_NUM];
            // its lower bound, not the estimate (search_reference.py)
            if (est - est_err < (cfg.spectrum ? spectrum_cap : incumbent))
                sh.pending.push_back(Pending{1, path, est - est_err});
            return;
        }
        if (fp.status == STATUS_BOUNDARY) status = STATUS_BOUNDARY;
        Candidate c;
        c.kind = 1;
        c.faces = path;
        for (int f : path) c.flows.push_back(static_cast<int>(G.face_facets[2 * f + 1]));
        c.x = rb.x;
        c.t = rb.t;
        c.action = action;
        c.code = s.code;
        c.rho = rho_from_code(s.code, s.A);
        c.A = s.A;
        c.degenerate = fp.degenerate;
        c.status = status;
        c.estimate = est;
        c.orbit_type = status == STATUS_OK ? 1 : 2;
        if (cfg.spectrum) {
            if (is_power(path)) {
                ++counters[NONPRIM];
                return;
            }
            if (!is_canonical_rotation(path)) {
                ++counters[DUPROT];
                return;
            }
            if (c.action <= spectrum_cap * (1.0 + ACTION_TIE)) {
                const double act = c.action;
                orbits.push_back(std::move(c));
                if (cfg.max_orbits > 0) {
                    top_actions.push(act);
                    if (static_cast<long long>(top_actions.size()) > cfg.max_orbits) top_actions.pop();
                    if (static_cast<long long>(top_actions.size()) == cfg.max_orbits)
                        spectrum_cap = std::min(spectrum_cap, top_actions.top());
                }
            }
            return;
        }
        sh.offer_capacity(std::move(c), incumbent);
    }

    int words = 1;
    double inv_speed = 0, rad1 = 0;
    std::vector<double> face_ball;
    double diam1 = 1, R1 = 1, eps = 0, incumbent = kInf, spectrum_cap = kInf, ball_bound = 0, time_res = 0;
    bool rotation = true, budgets = true, defer = true;
    std::vector<double> h_act, g_cf, edge_w, zero_e, zero_f;
    std::vector<State> states;  // the ancestors' states (the memo), parallel to path (spectrum only)
    std::priority_queue<double> top_actions;
};

py::dict counters_dict(const std::array<long long, N_COUNTERS>& c) {
    py::dict stats;
    for (int i = 0; i < N_COUNTERS; ++i) stats[kCounters[i]] = c[i];
    return stats;
}

py::list pending_list(const Shared& sh) {
    py::list out;
    for (const auto& p : sh.pending) out.append(py::make_tuple(p.kind, p.faces, p.estimate));
    return out;
}

py::list unresolved_list(const Shared& sh) {
    py::list out;
    for (std::size_t i = 0; i < sh.unresolved.size(); ++i) {
        const auto& u = sh.unresolved[i];
        py::list branch;
        for (const auto& nd : sh.branches[i]) branch.append(py::make_tuple(nd[0] == 0 ? "F" : "J", nd[1], nd[2]));
        out.append(py::make_tuple(int(u[0]), u[1], u[2], branch));
    }
    return out;
}

// What every search call reports besides its counters and orbits (method.py / native_bridge.py read these).
void put_outcome(py::dict& out, const Shared& sh, const StopCheck& stop) {
    out["pending"] = pending_list(sh);
    out["unresolved"] = unresolved_list(sh);
    out["min_pruned_bound"] = sh.min_pruned_bound;
    out["min_other_action"] = sh.min_other_action;
    out["timed_out"] = sh.timed_out || stop.timed_out();
    out["depth_exceeded"] = sh.depth_exceeded;
}

py::dict reeb_search_py(const py::dict& arrays, bool spectrum, double rotation_cap, bool use_cF_budgets,
                        bool use_memo, double action_cap, double seconds, long long max_orbits, double incumbent,
                        bool certify) {
    Graph G = graph_from_dict(arrays);
    Config cfg;
    cfg.spectrum = spectrum;
    cfg.cap = rotation_cap;
    cfg.use_cF = use_cF_budgets;
    cfg.use_memo = use_memo;
    cfg.action_cap = action_cap;
    cfg.max_orbits = max_orbits;
    cfg.incumbent = incumbent;
    cfg.certify = certify;
    Shared sh;
    StopCheck stop(seconds);
    Type1 search(G, cfg, sh, stop);
    {
        py::gil_scoped_release release;
        search.run_all();
    }
    stop.rethrow_if_interrupted();
    py::dict out;
    out["stats"] = counters_dict(search.counters);
    py::list orbits;
    if (spectrum) {
        for (const Candidate& c : search.orbits) orbits.append(candidate_dict(c));
    } else if (sh.have_best) {
        orbits.append(candidate_dict(sh.best));
    }
    out["orbits"] = orbits;
    put_outcome(out, sh, stop);
    return out;
}

// Fast pass, deferred children, jump search (method._run_capacity_python).
py::dict reeb_capacity_search_py(const py::dict& arrays, const py::dict& skeleton, double rotation_cap,
                                 bool use_cF_budgets, bool use_memo, double seconds, double jump_escalate,
                                 long long jump_imprecise_budget, double type1_escalate,
                                 long long type1_imprecise_budget) {
    Graph G = graph_from_dict(arrays);
    Skeleton S = skeleton_from_dict(skeleton, G);
    Shared sh;
    StopCheck stop(seconds);
    Config fast;
    fast.cap = rotation_cap;
    fast.use_cF = use_cF_budgets;
    fast.use_memo = use_memo;
    fast.escalate = type1_escalate;
    fast.imprecise_budget = type1_imprecise_budget;
    Config cert;
    cert.certify = true;
    cert.escalate = type1_escalate;
    cert.imprecise_budget = type1_imprecise_budget;
    std::array<long long, N_COUNTERS> c1{}, c2{};
    JumpStats js;
    double cert_seconds = 0;
    {
        py::gil_scoped_release release;
        Type1 pass1(G, fast, sh, stop);
        pass1.run_all();
        c1 = pass1.counters;
        const auto t0 = std::chrono::steady_clock::now();
        if (!sh.timed_out && !sh.depth_exceeded && !stop.interrupted()) {
            Type1 pass2(G, cert, sh, stop);
            int current = -1;
            for (Deferred& d : pass1.deferred) {
                if (pass2.halted()) break;
                // Taken out of the list, so a parent is freed once its last deferred child is done.
                const std::shared_ptr<const State> parent = std::move(d.parent);
                const std::shared_ptr<const std::vector<int>> dpath = std::move(d.path);
                if (d.f1 != current) {
                    current = d.f1;
                    pass2.start(d.f1);
                    if (stop.check_now()) {
                        sh.timed_out = sh.timed_out || stop.timed_out();
                        break;
                    }
                }
                Child c;
                pass2.path = *dpath;  // before build: a child given up as beyond float64 records its path
                if (pass2.build(*parent, d.e, c) != 1) continue;
                pass2.visit(c.bound, c.dst, c.s, c.closing);
            }
            c2 = pass2.counters;
        }
        if (!sh.timed_out && !sh.depth_exceeded && !stop.interrupted()) run_jump_search(G, S, sh, stop, js, jump_escalate, jump_imprecise_budget);
        cert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    stop.rethrow_if_interrupted();
    py::dict stats = counters_dict(c1);
    stats["certification_nodes"] = c2[NODES];
    stats["certification_pruned_action"] = c2[P_ACTION];
    stats["certification_cycles_closed"] = c2[CLOSED];
    stats["certification_imprecise_children"] = c2[IMPRECISE];
    stats["certification_unresolved_branches"] = c2[UNRESOLVED];
    stats["jump_starts"] = js.starts;
    stats["jump_nodes"] = js.nodes;
    stats["jump_nodes_face"] = js.nodes_face;
    stats["jump_nodes_edge"] = js.nodes_edge;
    stats["jump_nodes_vertex"] = js.nodes_vertex;
    stats["jump_pruned_empty"] = js.pruned_empty;
    stats["jump_pruned_action"] = js.pruned_action;
    stats["jump_pruned_facet_repeat"] = js.pruned_facet;
    stats["jump_pruned_canonical"] = js.pruned_canonical;
    stats["jump_pruned_zero_time"] = js.pruned_zero;
    stats["jump_cycles_closed"] = js.closed;
    stats["jump_rejected_numerical"] = js.rej_numeric;
    stats["jump_rejected_ball"] = js.rej_ball;
    stats["jump_rejected_outside"] = js.rej_outside;
    stats["jump_unresolved_branches"] = js.unresolved;
    stats["jump_imprecise_children"] = js.imprecise;
    py::dict out;
    out["stats"] = stats;
    py::list orbits;
    if (sh.have_best) orbits.append(candidate_dict(sh.best));
    out["orbits"] = orbits;
    put_outcome(out, sh, stop);
    out["seconds_certification"] = cert_seconds;
    return out;
}

py::dict reeb_tolerances_py() {
    py::dict d;
    d["EPS"] = EPS;
    d["GAMMA"] = GAMMA;
    d["CLIP_REL"] = CLIP_REL;
    d["DEDUPE_REL"] = DEDUPE_REL;
    d["INTERIOR_MARGIN"] = INTERIOR_MARGIN;
    d["MEMO_TOL"] = MEMO_TOL;
    d["MEMO_MARGIN"] = MEMO_MARGIN;
    d["ACTION_TIE"] = ACTION_TIE;
    d["BUDGET_SLACK"] = BUDGET_SLACK;
    d["MAX_DEPTH"] = double(MAX_DEPTH);
    d["TRACE_TOL"] = TRACE_TOL;
    d["RESID_TOL"] = RESID_TOL;
    d["TIME_TOL"] = TIME_TOL;
    d["OMEGA_SIGN_TOL"] = OMEGA_SIGN_TOL;
    d["BALL_SLACK"] = BALL_SLACK;
    d["TIME_RES"] = TIME_RES;
    d["PIN_WEIGHT"] = PIN_WEIGHT;
    d["ESCALATE"] = ESCALATE;
    d["IMPRECISE_BUDGET"] = double(IMPRECISE_BUDGET);
    return d;
}

}  // namespace

void register_reeb_edges(py::module_& m);
void register_reeb_skeleton(py::module_& m);

}  // namespace reeb

void register_reeb_search(py::module_& m) {
    reeb::register_reeb_edges(m);
    reeb::register_reeb_skeleton(m);
    m.def("reeb_search", &reeb::reeb_search_py, py::arg("arrays"), py::arg("spectrum"), py::arg("rotation_cap"),
          py::arg("use_cF_budgets"), py::arg("use_memo"), py::arg("action_cap"), py::arg("seconds"),
          py::arg("max_orbits"), py::arg("incumbent") = reeb::kInf, py::arg("certify") = false,
          "One 2-face search on a flow graph built by viterbo.capacity.reeb.flow_graph "
          "(see viterbo/capacity/reeb/search_reference.py).");
    m.def("reeb_capacity_search", &reeb::reeb_capacity_search_py, py::arg("arrays"), py::arg("skeleton"),
          py::arg("rotation_cap"), py::arg("use_cF_budgets"), py::arg("use_memo"), py::arg("seconds"),
          py::arg("jump_escalate") = reeb::ESCALATE, py::arg("jump_imprecise_budget") = reeb::IMPRECISE_BUDGET,
          py::arg("type1_escalate") = reeb::ESCALATE, py::arg("type1_imprecise_budget") = reeb::IMPRECISE_BUDGET,
          "The certified capacity search: fast pass, deferred children, jump search "
          "(see viterbo/capacity/reeb/method.py).");
    m.def("reeb_tolerances", &reeb::reeb_tolerances_py,
          "The tolerances of the reeb kernels (the same as viterbo/capacity/reeb/tolerances.py).");
}

}  // namespace viterbo
