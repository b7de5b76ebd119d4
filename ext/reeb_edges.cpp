// Edges of the Reeb flow graph with closed domains and error bounds: the C++ of
// viterbo/capacity/reeb/flow_graph._edges_python (same formulas, same order).
#include "reeb_common.hpp"

#include <algorithm>

namespace viterbo {
namespace reeb {
namespace {

py::dict reeb_build_edges_py(const py::array& N_, const py::array& H_, const py::array& R_, const py::array& facets_,
                             const py::array& c_, const py::array& M_, const py::array& P_, const py::array& psi_,
                             const py::array& poly_, const py::array& poly_start_, const py::array& diam_,
                             const py::array& rad_, const py::array& rate_) {
    const std::vector<double> N = f64_vector(N_, "N"), H = f64_vector(H_, "H"), R = f64_vector(R_, "R");
    const std::vector<std::int64_t> ff = i64_vector(facets_, "face_facets");
    const std::vector<double> C = f64_vector(c_, "face_c"), M = f64_vector(M_, "face_M"), P = f64_vector(P_, "face_P");
    const std::vector<double> PSI = f64_vector(psi_, "face_psi"), PL = f64_vector(poly_, "face_poly");
    const std::vector<std::int64_t> PS = i64_vector(poly_start_, "face_poly_start");
    const std::vector<double> DIAM = f64_vector(diam_, "face_diam"), RAD = f64_vector(rad_, "face_rad");
    const std::vector<double> RATE = f64_vector(rate_, "face_rate");
    const int m = static_cast<int>(H.size()), nF = static_cast<int>(DIAM.size());
    check_len("N", N.size(), 4 * std::size_t(m));
    check_len("R", R.size(), 4 * std::size_t(m));
    check_len("face_facets", ff.size(), 2 * std::size_t(nF));
    check_range("face_facets", ff, 0, m);
    check_len("face_c", C.size(), 4 * std::size_t(nF));
    check_len("face_M", M.size(), 8 * std::size_t(nF));
    check_len("face_P", P.size(), 8 * std::size_t(nF));
    check_len("face_psi", PSI.size(), 4 * std::size_t(nF));
    check_len("face_rad", RAD.size(), std::size_t(nF));
    check_len("face_rate", RATE.size(), std::size_t(nF));
    check_len("face_poly_start", PS.size(), std::size_t(nF) + 1);
    if (PL.size() % 2 || PS.front() != 0 || static_cast<std::size_t>(PS.back()) != PL.size() / 2)
        throw std::invalid_argument("reeb: face_poly / face_poly_start are inconsistent");
    for (int f = 0; f < nF; ++f)
        if (PS[f + 1] <= PS[f]) throw std::invalid_argument("reeb: face_poly_start must be increasing");
    std::vector<std::int64_t> src, dst, fac, hp_start{0};
    std::vector<double> eA_v, eb_v, alpha_v, beta_v, hpa, hpc, hpea, hpec, minf_v, ea_v, ebt_v, eAe_v, ebe_v;
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
            const double* c1 = &C[4 * f1];
            const double* M1 = &M[8 * f1];
            const double* RE = &R[4 * E];
            const double R1 = RAD[f1];
            Polygon2 poly1;
            for (std::int64_t i = PS[f1]; i < PS[f1 + 1]; ++i) poly1.push_back({PL[2 * i], PL[2 * i + 1]});
            double c1_max = 0;
            for (int r = 0; r < 4; ++r) c1_max = std::max(c1_max, std::abs(c1[r]));
            std::vector<double> alphas(k), b0(k), b1(k), ealphas(k), ebetas(k);
            for (int g = 0; g < k; ++g) {
                const int Gi = static_cast<int>(ff[2 * ex[g] + 1]);
                const double* NG = &N[4 * Gi];
                const double rate = RATE[ex[g]];  // <n_G, R_E>, computed in extended precision (flow_graph.py)
                double nc = 0, m0 = 0, m1 = 0, n1 = 0, am0 = 0, am1 = 0;
                for (int r = 0; r < 4; ++r) {
                    nc += NG[r] * c1[r];
                    m0 += NG[r] * M1[2 * r];
                    m1 += NG[r] * M1[2 * r + 1];
                    n1 += std::abs(NG[r]);
                    am0 += std::abs(NG[r]) * std::abs(M1[2 * r]);
                    am1 += std::abs(NG[r]) * std::abs(M1[2 * r + 1]);
                }
                alphas[g] = (H[Gi] - nc) / rate;
                b0[g] = -m0 / rate;
                b1[g] = -m1 / rate;
                // flow_graph._edge_errors
                const double absr = std::abs(rate);
                const double d_rate = GAMMA * absr;
                const double d_num = GAMMA * (std::abs(H[Gi]) + n1 * c1_max);
                ealphas[g] = (d_num + std::abs(alphas[g]) * d_rate) / absr;
                ebetas[g] = (GAMMA * std::max(am0, am1) + std::max(std::abs(b0[g]), std::abs(b1[g])) * d_rate) / absr;
            }
            const double eps = DEDUPE_REL * DIAM[f1];
            for (int i2 = 0; i2 < k; ++i2) {
                const int f2 = ex[i2];
                const double alpha2 = alphas[i2], beta20 = b0[i2], beta21 = b1[i2];
                Polygon2 dom = poly1;
                std::vector<std::array<double, 5>> hps;
                for (int g = 0; g < k; ++g) {
                    if (g == i2) continue;
                    const double a0 = beta20 - b0[g], a1 = beta21 - b1[g], cv = alphas[g] - alpha2;
                    bool cuts = false;
                    for (const auto& p : poly1)
                        if (p[0] * a0 + p[1] * a1 - cv > 0.0) cuts = true;
                    if (!cuts) continue;
                    const double ea = ebetas[i2] + ebetas[g], ec = ealphas[i2] + ealphas[g];
                    hps.push_back({a0, a1, cv, ea, ec});
                    if (!dom.empty()) {
                        const double slack = 2.0 * R1 * ea + ec + GAMMA * ((std::abs(a0) + std::abs(a1)) * R1 + std::abs(cv));
                        dom = clip_convex(dom, a0, a1, cv, eps, DIAM[f1], slack);
                    }
                }
                if (dom.empty()) continue;
                const double* P2 = &P[8 * f2];
                const double* c2 = &C[4 * f2];
                // A = P2 (M1 + RE beta2^T), b = P2 (c1 + alpha2 RE - c2), with their error bounds.
                double A[4], bv[2], aA = 0, aB = 0, p2r = 0;
                for (int i = 0; i < 2; ++i) {
                    for (int j = 0; j < 2; ++j) {
                        double s = 0, sa = 0;
                        const double bj = j == 0 ? beta20 : beta21;
                        for (int r = 0; r < 4; ++r) {
                            s += P2[4 * i + r] * (M1[2 * r + j] + RE[r] * bj);
                            sa += std::abs(P2[4 * i + r]) * (std::abs(M1[2 * r + j]) + std::abs(RE[r]) * std::abs(bj));
                        }
                        A[2 * i + j] = s;
                        aA = std::max(aA, sa);
                    }
                    double s = 0, sb = 0, pr = 0;
                    for (int r = 0; r < 4; ++r) {
                        s += P2[4 * i + r] * (c1[r] + alpha2 * RE[r] - c2[r]);
                        sb += std::abs(P2[4 * i + r]) * (std::abs(c1[r]) + std::abs(alpha2) * std::abs(RE[r]) + std::abs(c2[r]));
                        pr += P2[4 * i + r] * RE[r];
                    }
                    bv[i] = s;
                    aB = std::max(aB, sb);
                    p2r = std::max(p2r, std::abs(pr));
                }
                double psi_err = 0;
                for (int i = 0; i < 4; ++i) psi_err = std::max(psi_err, std::abs(A[i] - PSI[4 * f2 + i]));
                max_psi_error = std::max(max_psi_error, psi_err);
                const double eA = std::max(2.0 * psi_err, GAMMA * aA + p2r * ebetas[i2]);
                const double eb = GAMMA * aB + p2r * ealphas[i2];
                double minf = kInf;
                for (const auto& p : dom) minf = std::min(minf, alpha2 + beta20 * p[0] + beta21 * p[1]);
                minf -= ealphas[i2] + 2.0 * R1 * ebetas[i2] +
                        GAMMA * (std::abs(alpha2) + (std::abs(beta20) + std::abs(beta21)) * R1);
                src.push_back(f1);
                dst.push_back(f2);
                fac.push_back(E);
                eA_v.insert(eA_v.end(), A, A + 4);
                eb_v.insert(eb_v.end(), bv, bv + 2);
                alpha_v.push_back(alpha2);
                beta_v.push_back(beta20);
                beta_v.push_back(beta21);
                for (const auto& h : hps) {
                    hpa.push_back(h[0]);
                    hpa.push_back(h[1]);
                    hpc.push_back(h[2]);
                    hpea.push_back(h[3]);
                    hpec.push_back(h[4]);
                }
                hp_start.push_back(static_cast<std::int64_t>(hpc.size()));
                minf_v.push_back(minf);
                eAe_v.push_back(eA);
                ebe_v.push_back(eb);
                ea_v.push_back(ealphas[i2]);
                ebt_v.push_back(ebetas[i2]);
            }
        }
    }
    auto arr = [](const std::vector<double>& v) { return py::array_t<double>(v.size(), v.data()); };
    auto iarr = [](const std::vector<std::int64_t>& v) { return py::array_t<std::int64_t>(v.size(), v.data()); };
    py::dict out;
    out["edge_src"] = iarr(src);
    out["edge_dst"] = iarr(dst);
    out["edge_facet"] = iarr(fac);
    out["edge_A"] = arr(eA_v);
    out["edge_b"] = arr(eb_v);
    out["edge_alpha"] = arr(alpha_v);
    out["edge_beta"] = arr(beta_v);
    out["edge_hp_start"] = iarr(hp_start);
    out["hp_a"] = arr(hpa);
    out["hp_c"] = arr(hpc);
    out["hp_ea"] = arr(hpea);
    out["hp_ec"] = arr(hpec);
    out["edge_minf"] = arr(minf_v);
    out["edge_eA"] = arr(eAe_v);
    out["edge_eb"] = arr(ebe_v);
    out["edge_ealpha"] = arr(ea_v);
    out["edge_ebeta"] = arr(ebt_v);
    out["max_psi_error"] = max_psi_error;
    return out;
}

}  // namespace

void register_reeb_edges(py::module_& m) {
    m.def("reeb_build_edges", &reeb_build_edges_py, py::arg("N"), py::arg("H"), py::arg("R"),
          py::arg("face_facets"), py::arg("face_c"), py::arg("face_M"), py::arg("face_P"), py::arg("face_psi"),
          py::arg("face_poly"), py::arg("face_poly_start"), py::arg("face_diam"), py::arg("face_rad"),
          py::arg("face_rate"),
          "Edges of the Reeb flow graph with closed domains and error bounds "
          "(see viterbo.capacity.reeb.flow_graph).");
}

}  // namespace reeb
}  // namespace viterbo
