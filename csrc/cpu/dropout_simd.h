// The counter-based random stream of dropout (dropout.h), shared by dropout.cpp and its AVX2 build of the same
// loop in pointwise_avx2.cpp. Private to csrc/cpu.
#pragma once

#include <cstdint>

namespace deepgrad {
namespace detail {
// Internal linkage: dropout.cpp and pointwise_avx2.cpp each compile their own copy with their own instruction set
// (a shared inline definition could be linked from the AVX2 object into the portable path).
namespace {

// MurmurHash3's 32-bit finaliser: a bijection that mixes every input bit into every output bit; its 32-bit
// multiplies vectorise (vpmulld needs SSE4.1, hence the AVX2 build).
inline uint32_t mix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Elements [first, first + len) of one block: two hash rounds keyed by the seed's halves (lo, and key = hi mixed
// with the index's high half); kept where the top 24 bits reach threshold = p * 2^24.
template <typename T>
inline void dropout_block(T* __restrict y, T* __restrict mask, const T* __restrict x, int32_t len, uint32_t first,
                          uint32_t lo, uint32_t key, uint32_t threshold, T scale) {
#pragma omp simd
  for (int32_t j = 0; j < len; ++j) {
    const uint32_t h = mix32(mix32((first + static_cast<uint32_t>(j)) * 0x9e3779b9u + lo) ^ key);
    // a signed compare (both sides < 2^24): GCC vectorises it, not the unsigned one
    const T m = static_cast<int32_t>(h >> 8) >= static_cast<int32_t>(threshold) ? scale : T(0);
    mask[j] = m;
    y[j] = x[j] * m;
  }
}

}  // namespace

#if DEEPGRAD_HAVE_AVX2_TU
void dropout_block_avx2(float* y, float* mask, const float* x, int32_t len, uint32_t first, uint32_t lo,
                        uint32_t key, uint32_t threshold, float scale);
#endif

}  // namespace detail
}  // namespace deepgrad
