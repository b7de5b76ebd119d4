// Convex polygon kernel: clipping by half-planes and affine images.
// Used directly by the 4D Reeb-orbit search (pushing candidate domains forward)
// and exposed to Python for parity tests against viterbo.geometry.polygon.
#pragma once
#include <array>
#include <vector>

namespace viterbo {

using Point2 = std::array<double, 2>;
using Polygon2 = std::vector<Point2>;

// Intersect the convex polygon `poly` (vertices in counter-clockwise order) with
// the half-plane {x : a . x <= b}.  Sutherland-Hodgman for one clipping line.
// Points with |a.x - b| <= eps count as on the line; eps is absolute and the
// caller scales it to the polygon's size.
Polygon2 clip_halfplane(const Polygon2& poly, const Point2& a, double b, double eps);

// Remove consecutive vertices closer than eps (and the wrap-around duplicate).
Polygon2 dedupe_vertices(const Polygon2& poly, double eps);

// Signed area (positive for counter-clockwise order).
double polygon_area(const Polygon2& poly);

// Image under x -> M x + t (M row-major 2x2).  Orientation is restored to
// counter-clockwise when det M < 0.
Polygon2 affine_image(const Polygon2& poly, const std::array<double, 4>& M, const Point2& t);

}  // namespace viterbo
