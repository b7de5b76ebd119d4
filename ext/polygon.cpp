#include "polygon.hpp"

#include <algorithm>
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <string>

#include "array_checks.hpp"

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

// Python-facing entry points: every array is checked (array_checks.hpp: real dtype, shape, finite values).
Polygon2 polygon_from_array(const py::object& obj, const char* who) {
    const CheckedArray arr = checked_real(obj, who, "vertices", 2, 2);
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

Array clip_polygon_py(const py::object& vertices, const py::object& A_in, const py::object& b_in, double eps) {
    Polygon2 poly = polygon_from_array(vertices, "clip_polygon");
    const CheckedArray A = checked_real(A_in, "clip_polygon", "A", 2, 2);
    const CheckedArray b = checked_real(b_in, "clip_polygon", "b", 1);
    if (b.shape(0) != A.shape(0))
        throw std::invalid_argument("clip_polygon: A must have shape (h, 2) and b shape (h,); got A " +
                                    detail::shape_string(A) + " and b " + detail::shape_string(b));
    if (!(std::isfinite(eps) && eps >= 0.0))
        throw std::invalid_argument("clip_polygon: eps must be finite and >= 0");
    auto Ar = A.unchecked<2>();
    auto br = b.unchecked<1>();
    {
        py::gil_scoped_release release;
        for (py::ssize_t i = 0; i < Ar.shape(0) && !poly.empty(); ++i)
            poly = dedupe_vertices(clip_halfplane(poly, {Ar(i, 0), Ar(i, 1)}, br(i), eps), eps);
    }
    return polygon_to_array(poly);
}

Array affine_image_py(const py::object& vertices, const py::object& M_in, const py::object& t_in) {
    Polygon2 poly = polygon_from_array(vertices, "affine_image");
    const CheckedArray M = checked_real(M_in, "affine_image", "M", 2, 2);
    const CheckedArray t = checked_real(t_in, "affine_image", "t", 1);
    if (M.shape(0) != 2 || t.shape(0) != 2)
        throw std::invalid_argument("affine_image: M must have shape (2, 2) and t shape (2,); got M " +
                                    detail::shape_string(M) + " and t " + detail::shape_string(t));
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
          [](const py::object& v) { return polygon_area(polygon_from_array(v, "polygon_area")); },
          py::arg("vertices"), "Signed area of a polygon (positive when counter-clockwise).");
}

}  // namespace viterbo
