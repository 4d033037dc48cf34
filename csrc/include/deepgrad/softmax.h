// Softmax and log-softmax along the last axis of a (rows, n) row-major array, forward and backward.
//
//   softmax:      y = exp(x - max) / sum(exp(x - max))       backward: dx = y * (dy - sum(dy * y))
//   log_softmax:  y = (x - max) - log(sum(exp(x - max)))     backward: dx = dy - exp(y) * sum(dy)
//
// x, y, dy, dx: (rows, n), contiguous; dx may alias dy. OpenMP over rows when the array is large.
#pragma once

#include <cstdint>

namespace deepgrad {

template <typename T>
void softmax_forward(T* y, const T* x, int64_t rows, int64_t n, bool log);

template <typename T>
void softmax_backward(T* dx, const T* y, const T* dy, int64_t rows, int64_t n, bool log);

}  // namespace deepgrad
