#include "polygon.hpp"

#include <algorithm>
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace viterbo {

Polygon2 clip_halfplane(const Polygon2& poly, const Point2& a, double b, double eps) {
    Polygon2 out;
    const std::size_t k = poly.size();
    if (k == 0) return out;
    out.reserve(k + 1);
    for (std::size_t i = 0; i < k; ++i) {
        const Point2& p = poly[i];
        const Point2& q = poly[(i + 1) % k];
        const double sp = a[0] * p[0] + a[1] * p[1] - b;
        const double sq = a[0] * q[0] + a[1] * q[1] - b;
        const bool p_in = sp <= eps;
        const bool q_in = sq <= eps;
        if (p_in) out.push_back(p);
        // A strict crossing (one side beyond eps, the other strictly inside) adds
        // the intersection point; touching points were already kept above.
        if ((sp < -eps && sq > eps) || (sp > eps && sq < -eps)) {
            const double s = sp / (sp - sq);
            out.push_back({p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])});
        }
    }
    return out;
}

Polygon2 dedupe_vertices(const Polygon2& poly, double eps) {
    Polygon2 out;
    out.reserve(poly.size());
    for (const Point2& p : poly) {
        if (!out.empty() && std::abs(p[0] - out.back()[0]) <= eps &&
            std::abs(p[1] - out.back()[1]) <= eps)
            continue;
        out.push_back(p);
    }
    while (out.size() > 1 && std::abs(out.front()[0] - out.back()[0]) <= eps &&
           std::abs(out.front()[1] - out.back()[1]) <= eps)
        out.pop_back();
    return out;
}

double polygon_area(const Polygon2& poly) {
    const std::size_t k = poly.size();
    double twice = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        const Point2& p = poly[i];
        const Point2& q = poly[(i + 1) % k];
        twice += p[0] * q[1] - p[1] * q[0];
    }
    return 0.5 * twice;
}

Polygon2 affine_image(const Polygon2& poly, const std::array<double, 4>& M, const Point2& t) {
    Polygon2 out;
    out.reserve(poly.size());
    for (const Point2& p : poly)
        out.push_back({M[0] * p[0] + M[1] * p[1] + t[0], M[2] * p[0] + M[3] * p[1] + t[1]});
    if (M[0] * M[3] - M[1] * M[2] < 0) std::reverse(out.begin(), out.end());
    return out;
}

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

Polygon2 polygon_from_array(const Array& arr, const char* name) {
    if (arr.ndim() != 2 || arr.shape(1) != 2)
        throw std::invalid_argument(std::string(name) + " must have shape (k, 2)");
    auto r = arr.unchecked<2>();
    Polygon2 poly(static_cast<std::size_t>(r.shape(0)));
    for (py::ssize_t i = 0; i < r.shape(0); ++i) poly[i] = {r(i, 0), r(i, 1)};
    return poly;
}

Array polygon_to_array(const Polygon2& poly) {
    Array out({static_cast<py::ssize_t>(poly.size()), static_cast<py::ssize_t>(2)});
    auto w = out.mutable_unchecked<2>();
    for (std::size_t i = 0; i < poly.size(); ++i) {
        w(i, 0) = poly[i][0];
        w(i, 1) = poly[i][1];
    }
    return out;
}

Array clip_polygon_py(const Array& vertices, const Array& A, const Array& b, double eps) {
    Polygon2 poly = polygon_from_array(vertices, "vertices");
    if (A.ndim() != 2 || A.shape(1) != 2 || b.ndim() != 1 || b.shape(0) != A.shape(0))
        throw std::invalid_argument("A must have shape (h, 2) and b shape (h,)");
    auto Ar = A.unchecked<2>();
    auto br = b.unchecked<1>();
    {
        py::gil_scoped_release release;
        for (py::ssize_t i = 0; i < Ar.shape(0) && !poly.empty(); ++i)
            poly = dedupe_vertices(clip_halfplane(poly, {Ar(i, 0), Ar(i, 1)}, br(i), eps), eps);
    }
    return polygon_to_array(poly);
}

Array affine_image_py(const Array& vertices, const Array& M, const Array& t) {
    Polygon2 poly = polygon_from_array(vertices, "vertices");
    if (M.ndim() != 2 || M.shape(0) != 2 || M.shape(1) != 2 || t.ndim() != 1 || t.shape(0) != 2)
        throw std::invalid_argument("M must have shape (2, 2) and t shape (2,)");
    auto Mr = M.unchecked<2>();
    auto tr = t.unchecked<1>();
    return polygon_to_array(
        affine_image(poly, {Mr(0, 0), Mr(0, 1), Mr(1, 0), Mr(1, 1)}, {tr(0), tr(1)}));
}

}  // namespace

void register_polygon(py::module_& m) {
    m.def("clip_polygon", &clip_polygon_py, py::arg("vertices"), py::arg("A"), py::arg("b"),
          py::arg("eps"),
          "Intersect a convex counter-clockwise polygon with {x : A x <= b}. "
          "See viterbo.geometry.polygon.clip_polygon.");
    m.def("affine_image", &affine_image_py, py::arg("vertices"), py::arg("M"), py::arg("t"),
          "Image of a convex polygon under x -> M x + t, counter-clockwise. "
          "See viterbo.geometry.polygon.affine_image.");
    m.def("polygon_area",
          [](const Array& v) { return polygon_area(polygon_from_array(v, "vertices")); },
          py::arg("vertices"), "Signed area of a polygon (positive when counter-clockwise).");
}

}  // namespace viterbo
