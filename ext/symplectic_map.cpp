// The maps between a polytope and its normal form, x' = 2^-e S (x - z) and back (viterbo/geometry/_frame.py).
//
// Every capacity() call maps its witness back from the normal form, and verify() maps it in again; with a
// symplectic factor S that is a chain of small long double numpy operations (tens of microseconds, more
// than the search at 8 facets).  This kernel runs the same operations in the same order and precision
// (ext/symplectic_program.hpp), so its output is bit for bit that of the numpy reference
// Frame.to_frame / Frame.from_frame (tests/test_frame_map_parity.py).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <stdexcept>

#include "array_checks.hpp"
#include "symplectic_program.hpp"

namespace py = pybind11;

namespace viterbo {

namespace {

// direction 0: x' = 2^-e S (x - z);  direction 1: x = z + S^{-1} 2^e x'.  float64 in, float64 out.
py::array_t<double> symplectic_map(const py::object& X_in, const py::object& centre_in, int exponent,
                                   const py::object& codes_in, const py::object& data_in, int direction) {
    constexpr const char* who = "symplectic_map";
    const CheckedArray X = checked_real(X_in, who, "X", 2);
    const std::size_t rows = static_cast<std::size_t>(X.shape(0)), d = static_cast<std::size_t>(X.shape(1));
    if (d < 2 || d % 2) throw std::invalid_argument("symplectic_map: X must have shape (k, 2n)");
    const CheckedArray centre = checked_real(centre_in, who, "centre", 1);
    if (static_cast<std::size_t>(centre.shape(0)) != d)
        throw std::invalid_argument("symplectic_map: centre must have shape (2n,) like X's rows");
    if (direction != 0 && direction != 1) throw std::invalid_argument("symplectic_map: direction is 0 or 1");
    const auto program = symplectic::checked_program(codes_in, data_in, d / 2, who);
    py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(d)});
    double* o = out.mutable_data();
    {
        py::gil_scoped_release release;
        symplectic::frame_map(X.data(), rows, d, centre.data(), exponent, program.first, program.second.data(),
                              direction, o);
    }
    return out;
}

}  // namespace

void register_symplectic_map(py::module_& m) {
    m.def("symplectic_map", &symplectic_map, py::arg("X"), py::arg("centre"), py::arg("exponent"), py::arg("codes"),
          py::arg("data"), py::arg("direction"),
          "Rows of X mapped into the normal form (direction 0: 2^-e S (x - z)) or back (1: z + S^{-1} 2^e x), in "
          "long double, bit for bit as the numpy reference; see viterbo.geometry._frame.Frame.to_frame.");
}

}  // namespace viterbo
