// CPU feature detection for the SIMD micro-kernels (see dispatch.h).
#include "deepgrad/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace deepgrad {
namespace {

bool detect_avx2() {
#if DEEPGRAD_HAVE_AVX2_TU && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool detect_avx512() {
#if DEEPGRAD_HAVE_AVX512_TU && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return detect_avx2() && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

const char* const kNames[] = {"portable", "avx2", "avx512"};

bool parse(const char* name, SimdLevel* level) {
  for (int i = 0; i < 3; ++i) {
    if (std::strcmp(name, kNames[i]) == 0) {
      *level = static_cast<SimdLevel>(i);
      return true;
    }
  }
  return false;
}

SimdLevel best_level() {
  if (detect_avx512()) return SimdLevel::avx512;
  return detect_avx2() ? SimdLevel::avx2 : SimdLevel::portable;
}

SimdLevel initial_level() {
  const SimdLevel best = best_level();
  const char* forced = std::getenv("DEEPGRAD_SIMD");
  SimdLevel level;
  if (forced != nullptr && parse(forced, &level) && level < best) return level;
  return best;
}

std::atomic<int>& level_slot() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}

}  // namespace

SimdLevel simd_level() { return static_cast<SimdLevel>(level_slot().load(std::memory_order_relaxed)); }

const char* simd_level_name() { return kNames[static_cast<int>(simd_level())]; }

bool cpu_supports(SimdLevel level) {
  static const SimdLevel best = best_level();
  return level <= best;
}

const char* supported_levels() {
  static const char* const lists[] = {"portable", "avx2, portable", "avx512, avx2, portable"};
  return lists[static_cast<int>(best_level())];
}

bool set_simd_level(const char* name) {
  SimdLevel level;
  if (!parse(name, &level) || !cpu_supports(level)) return false;
  level_slot().store(static_cast<int>(level), std::memory_order_relaxed);
  return true;
}

}  // namespace deepgrad
