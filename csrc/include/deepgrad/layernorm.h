// Layer normalisation over the last N values of each row, forward and backward, fused and naive.
//
//   y = (x - mean) * rstd * w + b,   mean and var over the row (biased var), rstd = 1 / sqrt(var + eps)
//
// Shapes (row-major, contiguous):
//   x, y, dy, dx: (M, N)   w, b, dw, db: (N,) (w, b may be null: no affine part; dw, db, dx null when not needed)
//   mean, rstd: (M,)  saved by the forward for the backward
#pragma once

#include <cstdint>

namespace deepgrad {

// OpenMP over rows; two passes over each row (mean, then centred sum of squares) for accuracy.
template <typename T>
void layernorm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N, double eps);

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w, xhat = (x - mean) * rstd;
// dw = sum over rows of dy * xhat, db = sum over rows of dy (per-thread partial sums, then added).
template <typename T>
void layernorm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, const T* w,
                        int64_t M, int64_t N);

template <typename T>
void layernorm_forward_naive(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                             double eps);

template <typename T>
void layernorm_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd,
                              const T* w, int64_t M, int64_t N);

}  // namespace deepgrad
