// dropout_forward; the contract is in dropout.h, the stream in dropout_simd.h.
#include "deepgrad/dropout.h"

#include <algorithm>

#include "deepgrad/dispatch.h"
#include "deepgrad/parallel.h"
#include "dropout_simd.h"

namespace deepgrad {

template <typename T>
void dropout_forward(T* y, T* mask, const T* x, int64_t n, double p, uint64_t seed) {
  const uint32_t lo = static_cast<uint32_t>(seed), hi = static_cast<uint32_t>(seed >> 32);
  const uint32_t threshold = static_cast<uint32_t>(std::min(p, 1.0) * 16777216.0 + 0.5);  // keep: bits >= p 2^24
  const T scale = static_cast<T>(1.0 / (1.0 - p));
#if DEEPGRAD_HAVE_AVX2_TU
  const bool avx2 = sizeof(T) == sizeof(float) && simd_level() >= SimdLevel::avx2;
#endif
  constexpr int64_t kBlock = 16384;  // divides 2^32: a block never straddles a change of the index's high half
  const int nt = threads_for(static_cast<double>(n), 4 * kBlock);
  parallel_for((n + kBlock - 1) / kBlock, nt, [&](int64_t block) {
    const int64_t begin = block * kBlock;
    const int32_t len = static_cast<int32_t>(std::min(n - begin, kBlock));
    const uint32_t key = hi + static_cast<uint32_t>(static_cast<uint64_t>(begin) >> 32) * 0x27d4eb2fu;
    const uint32_t first = static_cast<uint32_t>(begin);
#if DEEPGRAD_HAVE_AVX2_TU
    if (avx2) {
      detail::dropout_block_avx2(reinterpret_cast<float*>(y + begin), reinterpret_cast<float*>(mask + begin),
                                 reinterpret_cast<const float*>(x + begin), len, first, lo, key, threshold,
                                 static_cast<float>(scale));
      return;
    }
#endif
    detail::dropout_block<T>(y + begin, mask + begin, x + begin, len, first, lo, key, threshold, scale);
  });
}

template void dropout_forward<float>(float*, float*, const float*, int64_t, double, uint64_t);
template void dropout_forward<double>(double*, double*, const double*, int64_t, double, uint64_t);

}  // namespace deepgrad
