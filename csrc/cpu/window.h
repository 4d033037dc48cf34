// Index ranges shared by the sliding-window kernels (conv.cpp, pool.cpp).
#pragma once

#include <algorithm>
#include <cstdint>

namespace deepgrad {
namespace detail {

// The outputs q in [lo, hi), within [0, Q), whose tap q*stride + off lands inside [0, len).
inline void valid_range(int64_t off, int64_t stride, int64_t len, int64_t Q, int64_t& lo,
                        int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = len - off <= 0 ? 0 : (len - off + stride - 1) / stride;
  lo = std::min(lo, Q);
  hi = std::max(lo, std::min(hi, Q));
}

}  // namespace detail
}  // namespace deepgrad
