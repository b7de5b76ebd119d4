// viterbo._native: the compiled kernels behind viterbo's exact methods.
// Each kernel file defines one register_* function; this file only wires them.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace viterbo {
void register_polygon(py::module_& m);
void register_billiard(py::module_& m);
void register_reeb_search(py::module_& m);
void register_haim_kislev(py::module_& m);
}

#define VITERBO_STRINGIFY(x) #x
#define VITERBO_MACRO_STRINGIFY(x) VITERBO_STRINGIFY(x)

PYBIND11_MODULE(_native, m) {
    m.doc() = "Compiled kernels of viterbo (polygon clipping, capacity searches).";
    viterbo::register_polygon(m);
    viterbo::register_billiard(m);
    viterbo::register_reeb_search(m);
    viterbo::register_haim_kislev(m);
    m.attr("__version__") = VITERBO_MACRO_STRINGIFY(VITERBO_VERSION_INFO);
}
