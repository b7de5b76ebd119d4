// Jump faces of a 4D polytope: the C++ of viterbo/capacity/reeb/skeleton.build_skeleton (same rules,
// same order, so the arrays are identical).  reeb-certification.md §2.
#include "reeb_common.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace viterbo {
namespace reeb {
namespace {

py::dict reeb_build_skeleton_py(const py::array& inc_, const py::array& N_, const py::array& face_pairs_,
                                const py::array& face_facets_) {
    if (!py::isinstance<py::array>(inc_) || !inc_.dtype().is(py::dtype::of<bool>()) || inc_.ndim() != 2)
        throw std::invalid_argument("reeb: incidence must be a (facets, vertices) bool array");
    const auto inc_arr = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(inc_);
    const int m = static_cast<int>(inc_arr.shape(0)), nV = static_cast<int>(inc_arr.shape(1));
    const std::vector<double> N = f64_vector(N_, "N");
    const std::vector<std::int64_t> fp = i64_vector(face_pairs_, "face_pairs"), ff = i64_vector(face_facets_, "face_facets");
    check_len("N", N.size(), 4 * std::size_t(m));
    if (fp.size() % 2 || ff.size() != fp.size()) throw std::invalid_argument("reeb: face_pairs / face_facets mismatch");
    check_range("face_pairs", fp, 0, m);
    check_range("face_facets", ff, 0, m);
    const int nF = static_cast<int>(fp.size() / 2);
    const bool* inc = inc_arr.data();
    std::vector<std::int64_t> jf_kind, jf_v, jf_fstart{0}, jf_facets, jp_face, jp_E, jp_C, jp_xstart{0}, jp_X;
    std::vector<std::int64_t> exit_start(m + 1, 0), exits;
    long long n_edges = 0;
    {
        py::gil_scoped_release release;
        auto W = [&](int i, int j) {
            const double* a = &N[4 * i];
            const double* b = &N[4 * j];
            return a[0] * b[2] + a[1] * b[3] - a[2] * b[0] - a[3] * b[1];
        };
        std::map<std::pair<int, int>, int> face_of;
        for (int f = 0; f < nF; ++f) {
            face_of[{int(fp[2 * f]), int(fp[2 * f + 1])}] = f;
            face_of[{int(fp[2 * f + 1]), int(fp[2 * f])}] = f;
        }
        // Faces in the order of skeleton.py: edges (u < v, row-major), then vertices.
        std::vector<std::pair<int, int>> faces;
        std::vector<std::vector<int>> sets;
        for (int u = 0; u < nV; ++u)
            for (int v = u + 1; v < nV; ++v) {
                std::vector<int> S;
                for (int g = 0; g < m; ++g)
                    if (inc[std::size_t(g) * nV + u] && inc[std::size_t(g) * nV + v]) S.push_back(g);
                if (S.size() >= 3) {
                    faces.push_back({u, v});
                    sets.push_back(std::move(S));
                }
            }
        n_edges = static_cast<long long>(faces.size());
        for (int v = 0; v < nV; ++v) {
            std::vector<int> S;
            for (int g = 0; g < m; ++g)
                if (inc[std::size_t(g) * nV + v]) S.push_back(g);
            faces.push_back({v, v});
            sets.push_back(std::move(S));
        }
        for (std::size_t idx = 0; idx < faces.size(); ++idx) {
            const bool edge = static_cast<long long>(idx) < n_edges;
            const auto& S = sets[idx];
            const int k = static_cast<int>(S.size());
            std::vector<int> arrive, depart;
            for (int i = 0; i < k; ++i) {
                bool a = true, d = true;
                for (int j = 0; j < k; ++j) {
                    if (i == j) continue;
                    const double w = W(S[i], S[j]);
                    if (!(w > -OMEGA_SIGN_TOL)) a = false;
                    if (!(w < OMEGA_SIGN_TOL)) d = false;
                }
                if (a) arrive.push_back(i);
                if (d) depart.push_back(i);
            }
            struct J {
                int E, C;
                std::vector<int> X;
            };
            std::vector<J> jumps;
            for (int i : arrive) {
                const int E = S[i];
                std::vector<int> through;
                bool ok = true;
                for (int g : S) {
                    if (g == E) continue;
                    const auto it = face_of.find({E, g});
                    if (it == face_of.end()) continue;
                    if (ff[2 * it->second] != E) ok = false;
                    through.push_back(it->second);
                }
                if (!ok || static_cast<int>(through.size()) < (edge ? 2 : 3)) continue;
                std::sort(through.begin(), through.end());
                for (int c : depart) {
                    const int C = S[c];
                    if (C == E || face_of.count({E, C})) continue;
                    bool cok = true;
                    for (int g : S) {
                        if (g == C) continue;
                        const auto it = face_of.find({C, g});
                        if (it != face_of.end() && ff[2 * it->second + 1] != C) cok = false;
                    }
                    if (!cok) continue;
                    jumps.push_back({E, C, through});
                }
            }
            if (jumps.empty()) continue;
            const std::int64_t p = static_cast<std::int64_t>(jf_kind.size());
            jf_kind.push_back(edge ? 1 : 0);
            jf_v.push_back(faces[idx].first);
            jf_v.push_back(faces[idx].second);
            jf_facets.insert(jf_facets.end(), S.begin(), S.end());
            jf_fstart.push_back(static_cast<std::int64_t>(jf_facets.size()));
            for (const J& j : jumps) {
                jp_face.push_back(p);
                jp_E.push_back(j.E);
                jp_C.push_back(j.C);
                jp_X.insert(jp_X.end(), j.X.begin(), j.X.end());
                jp_xstart.push_back(static_cast<std::int64_t>(jp_X.size()));
            }
        }
        std::vector<std::vector<int>> ex(m);
        for (int f = 0; f < nF; ++f) ex[ff[2 * f]].push_back(f);
        for (int E = 0; E < m; ++E) {
            exit_start[E + 1] = exit_start[E] + static_cast<std::int64_t>(ex[E].size());
            exits.insert(exits.end(), ex[E].begin(), ex[E].end());
        }
    }
    auto iarr = [](const std::vector<std::int64_t>& v) { return py::array_t<std::int64_t>(v.size(), v.data()); };
    py::dict out;
    out["jf_kind"] = iarr(jf_kind);
    out["jf_v"] = iarr(jf_v);
    out["jf_fstart"] = iarr(jf_fstart);
    out["jf_facets"] = iarr(jf_facets);
    out["jp_face"] = iarr(jp_face);
    out["jp_E"] = iarr(jp_E);
    out["jp_C"] = iarr(jp_C);
    out["jp_xstart"] = iarr(jp_xstart);
    out["jp_X"] = iarr(jp_X);
    out["exit_start"] = iarr(exit_start);
    out["exits"] = iarr(exits);
    out["n_edges"] = n_edges;
    return out;
}

}  // namespace

void register_reeb_skeleton(py::module_& m) {
    m.def("reeb_build_skeleton", &reeb_build_skeleton_py, py::arg("incidence"), py::arg("N"), py::arg("face_pairs"),
          py::arg("face_facets"), "Jump faces and jumps (see viterbo.capacity.reeb.skeleton).");
}

}  // namespace reeb
}  // namespace viterbo
