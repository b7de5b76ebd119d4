// Checked conversion of the arrays that enter the capacity kernels (haim_kislev.cpp, billiard.cpp,
// polygon.cpp).  Every array argument goes through one of these before a kernel reads it: the dtype
// must be real (bool, integer or floating point: no complex, object or string arrays), the number of
// dimensions and the shape must be the ones the kernel expects, and every value must be finite.
// Anything else throws std::invalid_argument, which ext/module.cpp translates into
// viterbo.errors.NativeInputError: a malformed call is an error with a message, never undefined
// behaviour (an index from NaN, a loop bound from inf).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace viterbo {

using CheckedArray = pybind11::array_t<double, pybind11::array::c_style | pybind11::array::forcecast>;
using CheckedMask = pybind11::array_t<std::uint8_t, pybind11::array::c_style | pybind11::array::forcecast>;

namespace detail {

inline std::string shape_string(const pybind11::array& a) {
    std::string s = "(";
    for (pybind11::ssize_t i = 0; i < a.ndim(); ++i) {
        if (i) s += ", ";
        s += std::to_string(a.shape(i));
    }
    if (a.ndim() == 1) s += ",";
    return s + ")";
}

inline pybind11::array as_numeric(const pybind11::handle& obj, const std::string& where) {
    pybind11::array arr = pybind11::array::ensure(obj);
    if (!arr) throw std::invalid_argument(where + " must be an array of real numbers");
    const char kind = arr.dtype().kind();
    if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
        throw std::invalid_argument(where + " has dtype " + std::string(pybind11::str(arr.dtype())) +
                                    "; expected real numbers (float64)");
    return arr;
}

}  // namespace detail

// A float64 array with `ndim` dimensions; `cols` >= 0 fixes the size of the last axis of a matrix.
// Values must be finite.
inline CheckedArray checked_real(const pybind11::handle& obj, const char* who, const char* name, int ndim,
                                 pybind11::ssize_t cols = -1) {
    const std::string where = std::string(who) + ": " + name;
    pybind11::array raw = detail::as_numeric(obj, where);
    if (raw.ndim() != ndim || (cols >= 0 && raw.shape(ndim - 1) != cols)) {
        std::string want = ndim == 1 ? "(k,)" : (cols >= 0 ? "(k, " + std::to_string(cols) + ")" : "(k, d)");
        throw std::invalid_argument(where + " has shape " + detail::shape_string(raw) + "; expected " + want);
    }
    CheckedArray arr = CheckedArray::ensure(raw);
    if (!arr) throw std::invalid_argument(where + " could not be converted to float64");
    const double* p = arr.data();
    for (pybind11::ssize_t i = 0; i < arr.size(); ++i)
        if (!std::isfinite(p[i]))
            throw std::invalid_argument(where + " contains a non-finite value (NaN or inf) at flat index " +
                                        std::to_string(i));
    return arr;
}

// A 0/1 mask of the given shape (rows x cols), or an empty array (size 0) when `allow_empty`.
inline CheckedMask checked_mask(const pybind11::handle& obj, const char* who, const char* name,
                                pybind11::ssize_t rows, pybind11::ssize_t cols, bool allow_empty) {
    const std::string where = std::string(who) + ": " + name;
    pybind11::array raw = detail::as_numeric(obj, where);
    if (allow_empty && raw.size() == 0) return CheckedMask::ensure(raw);
    if (raw.ndim() != 2 || raw.shape(0) != rows || raw.shape(1) != cols)
        throw std::invalid_argument(where + " has shape " + detail::shape_string(raw) + "; expected (" +
                                    std::to_string(rows) + ", " + std::to_string(cols) + ")" +
                                    (allow_empty ? " or an empty array" : ""));
    const CheckedArray values = CheckedArray::ensure(raw);  // checked before narrowing to uint8
    for (pybind11::ssize_t i = 0; i < values.size(); ++i)
        if (values.data()[i] != 0.0 && values.data()[i] != 1.0)
            throw std::invalid_argument(where + " must hold 0 and 1 only");
    return CheckedMask::ensure(raw);
}

// A number that is not NaN (budgets: negative or beyond StopCheck::kMaxSeconds means no limit).
inline double checked_not_nan(double x, const char* who, const char* name) {
    if (std::isnan(x)) throw std::invalid_argument(std::string(who) + ": " + name + " is NaN");
    return x;
}

// A finite number.
inline double checked_finite(double x, const char* who, const char* name) {
    if (!std::isfinite(x)) throw std::invalid_argument(std::string(who) + ": " + name + " is not finite");
    return x;
}

}  // namespace viterbo
