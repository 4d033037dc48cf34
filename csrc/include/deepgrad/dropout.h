// Inverted dropout with a counter-based random stream: element i is kept when u_i >= p, u_i uniform in [0, 1)
// from a hash of (seed, i), and scaled by 1 / (1 - p). The same seed gives the same mask whatever the thread count.
//
// x, y, mask: (n,) contiguous; mask gets 1 / (1 - p) where kept and 0 elsewhere (the backward is dy * mask).
#pragma once

#include <cstdint>

namespace deepgrad {

template <typename T>
void dropout_forward(T* y, T* mask, const T* x, int64_t n, double p, uint64_t seed);

}  // namespace deepgrad
