// The exactly symplectic map S of a normal form as a "program" of elementary factors, applied in long
// double exactly as the numpy reference viterbo.geometry._frame._apply_factor applies them (products
// summed from 0 in index order as numpy's non-BLAS matmul does, outer(q_k, v) taken before the update,
// exact scalings by powers of two), so that the compiled maps agree with numpy bit for bit.
// The program is built once per map by viterbo.geometry._frame.SymplecticMap._program:
//   codes: one row (kind, k, offset, inverse_offset) per factor, in the order applied to points;
//   data: the long double numbers the factors read, at those offsets.
// Kinds: 0 up (q += B p; B n x n at offset), 1 low (p += C q), 2 col (q += v q_k, p_k -= <v, p>; v at offset),
// 3 diag (q *= a, p *= b with a = 2^e at offset, b = 2^-e at offset + n; the inverse swaps them),
// 4 signs (q *= s, p *= s), 5 perm (q, p -> q[P], p[P]; P at offset, argsort P at inverse_offset),
// 6 turn ((q_i, p_i) -> (-p_i, q_i) where mask, at offset; the inverse turns back).
// Used by ext/symplectic_map.cpp (the frame maps) and ext/verify_orbit.cpp (verify() in the normal form).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace viterbo {
namespace symplectic {

using LD = long double;
using CheckedCodes = pybind11::array_t<std::int64_t, pybind11::array::c_style | pybind11::array::forcecast>;
using CheckedLD = pybind11::array_t<LD, pybind11::array::c_style | pybind11::array::forcecast>;

enum Kind : std::int64_t { kUp = 0, kLow = 1, kCol = 2, kDiag = 3, kSigns = 4, kPerm = 5, kTurn = 6 };

// One factor on the rows of Y (k x 2n, row-major): q = Y[:, :n], p = Y[:, n:].
inline void apply_factor(std::vector<LD>& Y, std::size_t rows, std::size_t n, const std::int64_t* code, const LD* data,
                  bool inverse, std::vector<LD>& tmp) {
    const std::size_t d = 2 * n;
    const std::int64_t kind = code[0];
    const std::size_t col = static_cast<std::size_t>(code[1]);
    const LD* a = data + code[2];
    if (kind == kUp || kind == kLow) {  // target += sign * (source @ M^T)
        const std::size_t src = kind == kUp ? n : 0, dst = kind == kUp ? 0 : n;
        const LD sign = inverse ? -1.0L : 1.0L;
        tmp.assign(n, 0.0L);
        for (std::size_t i = 0; i < rows; ++i) {
            LD* y = &Y[i * d];
            for (std::size_t r = 0; r < n; ++r) {
                LD s = 0.0L;
                for (std::size_t c = 0; c < n; ++c) s += y[src + c] * a[r * n + c];
                tmp[r] = s;
            }
            for (std::size_t r = 0; r < n; ++r) y[dst + r] += sign * tmp[r];
        }
    } else if (kind == kCol) {
        tmp.assign(n, 0.0L);
        for (std::size_t i = 0; i < rows; ++i) {
            LD* y = &Y[i * d];
            const LD qk = y[col];
            for (std::size_t j = 0; j < n; ++j) tmp[j] = qk * a[j];  // outer(q_k, v), before the update
            for (std::size_t j = 0; j < n; ++j) {
                if (inverse)
                    y[j] -= tmp[j];
                else
                    y[j] += tmp[j];
            }
            LD s = 0.0L;  // <p, v> after the q update (p is untouched by it)
            for (std::size_t j = 0; j < n; ++j) s += y[n + j] * a[j];
            if (inverse)
                y[n + col] += s;
            else
                y[n + col] -= s;
        }
    } else if (kind == kDiag) {
        const LD* sq = inverse ? a + n : a;
        const LD* sp = inverse ? a : a + n;
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                Y[i * d + j] *= sq[j];
                Y[i * d + n + j] *= sp[j];
            }
    } else if (kind == kSigns) {
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                Y[i * d + j] *= a[j];
                Y[i * d + n + j] *= a[j];
            }
    } else if (kind == kPerm) {
        const LD* P = inverse ? data + code[3] : a;
        tmp.assign(d, 0.0L);
        for (std::size_t i = 0; i < rows; ++i) {
            LD* y = &Y[i * d];
            for (std::size_t j = 0; j < n; ++j) {
                const std::size_t from = static_cast<std::size_t>(P[j]);
                tmp[j] = y[from];
                tmp[n + j] = y[n + from];
            }
            for (std::size_t j = 0; j < d; ++j) y[j] = tmp[j];
        }
    } else if (kind == kTurn) {
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                if (a[j] == 0.0L) continue;
                const LD q = Y[i * d + j], p = Y[i * d + n + j];
                if (inverse) {
                    Y[i * d + j] = p;
                    Y[i * d + n + j] = -q;
                } else {
                    Y[i * d + j] = -p;
                    Y[i * d + n + j] = q;
                }
            }
    } else {
        throw std::invalid_argument("symplectic map: unknown factor kind " + std::to_string(kind));
    }
}

// The program's codes must index inside data; checked once per call (a malformed program is an error,
// never a read out of bounds).
inline void check_program(const CheckedCodes& codes, std::size_t data_size, std::size_t n) {
    if (codes.ndim() != 2 || codes.shape(1) != 4)
        throw std::invalid_argument("symplectic map: codes must have shape (factors, 4)");
    for (pybind11::ssize_t f = 0; f < codes.shape(0); ++f) {
        const std::int64_t* c = codes.data() + 4 * f;
        if (c[0] < kUp || c[0] > kTurn)
            throw std::invalid_argument("symplectic map: unknown factor kind " + std::to_string(c[0]));
        const std::size_t need = c[0] == kUp || c[0] == kLow ? n * n : (c[0] == kDiag ? 2 * n : n);
        if (c[1] < 0 || static_cast<std::size_t>(c[1]) >= n || c[2] < 0 || c[3] < 0 ||
            static_cast<std::size_t>(c[2]) + need > data_size || static_cast<std::size_t>(c[3]) + n > data_size)
            throw std::invalid_argument("symplectic map: factor " + std::to_string(f) + " reads outside data");
    }
}

inline void check_permutations(const CheckedCodes& codes, const LD* data, std::size_t n) {
    for (pybind11::ssize_t f = 0; f < codes.shape(0); ++f) {
        const std::int64_t* c = codes.data() + 4 * f;
        if (c[0] != kPerm) continue;
        for (const std::int64_t off : {c[2], c[3]})
            for (std::size_t j = 0; j < n; ++j) {
                const LD v = data[off + static_cast<std::int64_t>(j)];
                if (!(v >= 0.0L && v < static_cast<LD>(n) && v == std::floor(v)))
                    throw std::invalid_argument("symplectic map: a permutation entry is not an index in [0, n)");
            }
    }
}

// The rows of Y (k x 2n) through every factor: S y (inverse false) or S^{-1} y (inverse true).
inline void apply(std::vector<LD>& Y, std::size_t rows, std::size_t n, const CheckedCodes& codes, const LD* data,
                  bool inverse) {
    const std::size_t factors = codes.size() ? static_cast<std::size_t>(codes.shape(0)) : 0;
    std::vector<LD> tmp;
    if (!inverse)
        for (std::size_t f = 0; f < factors; ++f) apply_factor(Y, rows, n, codes.data() + 4 * f, data, false, tmp);
    else
        for (std::size_t f = factors; f-- > 0;) apply_factor(Y, rows, n, codes.data() + 4 * f, data, true, tmp);
}

// codes and data as the kernels receive them, checked (a malformed program is an error, never a read out
// of bounds).
inline std::pair<CheckedCodes, CheckedLD> checked_program(const pybind11::handle& codes_in,
                                                          const pybind11::handle& data_in, std::size_t n,
                                                          const char* who) {
    CheckedCodes codes = CheckedCodes::ensure(codes_in);
    CheckedLD data = CheckedLD::ensure(data_in);
    if (!codes || !data)
        throw std::invalid_argument(std::string(who) + ": codes must be int64 and data long double");
    if (codes.size()) {
        check_program(codes, static_cast<std::size_t>(data.size()), n);
        check_permutations(codes, data.data(), n);
    }
    return {codes, data};
}

// Rows of X (float64) in the normal form, x' = 2^-e S (x - z) (direction 0), or back, x = z + S^{-1} 2^e x'
// (direction 1), rounded to float64 as numpy rounds the long double result: Frame.to_frame / from_frame.
inline void frame_map(const double* X, std::size_t rows, std::size_t d, const double* centre, int exponent,
                      const CheckedCodes& codes, const LD* data, int direction, double* out) {
    const std::size_t n = d / 2;
    std::vector<LD> Y(rows * d);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < d; ++j)
            Y[i * d + j] = direction == 0 ? static_cast<LD>(X[i * d + j]) - static_cast<LD>(centre[j])
                                          : std::ldexp(static_cast<LD>(X[i * d + j]), exponent);
    apply(Y, rows, n, codes, data, direction != 0);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < d; ++j)
            out[i * d + j] = static_cast<double>(direction == 0 ? std::ldexp(Y[i * d + j], -exponent)
                                                                 : Y[i * d + j] + static_cast<LD>(centre[j]));
}

}  // namespace symplectic
}  // namespace viterbo
