// viterbo._native: the compiled kernels behind viterbo's exact methods.
// Each kernel file defines one register_* function; this file only wires them.
#include <pybind11/pybind11.h>

#include <stdexcept>

namespace py = pybind11;

namespace viterbo {
void register_polygon(py::module_& m);
void register_billiard(py::module_& m);
void register_reeb_search(py::module_& m);
void register_haim_kislev(py::module_& m);
void register_haim_kislev_witness(py::module_& m);
void register_verify_orbit(py::module_& m);
void register_symplectic_map(py::module_& m);
}

#define VITERBO_STRINGIFY(x) #x
#define VITERBO_MACRO_STRINGIFY(x) VITERBO_STRINGIFY(x)

PYBIND11_MODULE(_native, m) {
    m.doc() = "Compiled kernels of viterbo (polygon clipping, capacity searches).";
    // Kernels throw std::invalid_argument for malformed arrays; Python sees viterbo.errors.NativeInputError
    // (a ViterboError and a ValueError) with the kernel's message.
    // Leaked on purpose: a static py::object would be destroyed after the interpreter is gone.
    static PyObject* native_input_error =
        py::object(py::module_::import("viterbo.errors").attr("NativeInputError")).release().ptr();
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const std::invalid_argument& e) {
            PyErr_SetString(native_input_error, e.what());
        }
    });
    viterbo::register_polygon(m);
    viterbo::register_billiard(m);
    viterbo::register_reeb_search(m);
    viterbo::register_haim_kislev(m);
    viterbo::register_haim_kislev_witness(m);
    viterbo::register_verify_orbit(m);
    viterbo::register_symplectic_map(m);
    m.attr("__version__") = VITERBO_MACRO_STRINGIFY(VITERBO_VERSION_INFO);
}
