// The Linear layer as one kernel: y = x @ w^T + b, with an optional ReLU epilogue.
//
// Shapes (row-major, contiguous):
//   x: (M, K)   w: (N, K)   b: (N,) or null   y: (M, N)
//   dy: (M, N)  dx: (M, K)  dw: (N, K)  db: (N,)   (each output may be null when not needed)
#pragma once

#include <cstdint>

namespace deepgrad {

// The bias seeds C before the GEMM accumulates into it (beta = 1), so it is added while each tile of y is in
// the micro-kernel's registers; the ReLU, when asked for, is one pass over y right after.
template <typename T>
void linear_forward(T* y, const T* x, const T* w, const T* b, int64_t M, int64_t N, int64_t K, bool relu);

// dx = dy @ w, dw = dy^T @ x, db = column sums of dy. The caller applies any ReLU mask to dy first.
template <typename T>
void linear_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w, int64_t M, int64_t N, int64_t K);

// Reference twins: the definitions as plain loops.
template <typename T>
void linear_forward_naive(T* y, const T* x, const T* w, const T* b, int64_t M, int64_t N, int64_t K, bool relu);

template <typename T>
void linear_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w, int64_t M, int64_t N,
                           int64_t K);

}  // namespace deepgrad
