// Run-time choice of the SIMD micro-kernels.
//
// The level is detected once (x86: AVX2 and FMA both present -> "avx2", else "portable")
// and can be forced down with the environment variable DEEPGRAD_SIMD=portable, or at run
// time with set_simd_level() (the tests use it to check both paths in one process).
#pragma once

namespace deepgrad {

enum class SimdLevel { portable = 0, avx2 = 1 };

SimdLevel simd_level();            // the level kernels use now
const char* simd_level_name();     // "avx2" or "portable"
bool cpu_supports(SimdLevel level);  // whether this CPU (and build) can run `level`
// Selects `name` ("avx2" or "portable"); returns false (and changes nothing) when the
// name is unknown or the CPU/build cannot run it.
bool set_simd_level(const char* name);

}  // namespace deepgrad
