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

SimdLevel initial_level() {
  const char* forced = std::getenv("DEEPGRAD_SIMD");
  if (forced != nullptr && std::strcmp(forced, "portable") == 0) return SimdLevel::portable;
  return detect_avx2() ? SimdLevel::avx2 : SimdLevel::portable;
}

std::atomic<int>& level_slot() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}

}  // namespace

SimdLevel simd_level() { return static_cast<SimdLevel>(level_slot().load(std::memory_order_relaxed)); }

const char* simd_level_name() { return simd_level() == SimdLevel::avx2 ? "avx2" : "portable"; }

bool cpu_supports(SimdLevel level) {
  if (level == SimdLevel::portable) return true;
  static const bool avx2 = detect_avx2();
  return avx2;
}

bool set_simd_level(const char* name) {
  SimdLevel level;
  if (std::strcmp(name, "portable") == 0) {
    level = SimdLevel::portable;
  } else if (std::strcmp(name, "avx2") == 0) {
    level = SimdLevel::avx2;
  } else {
    return false;
  }
  if (!cpu_supports(level)) return false;
  level_slot().store(static_cast<int>(level), std::memory_order_relaxed);
  return true;
}

}  // namespace deepgrad
