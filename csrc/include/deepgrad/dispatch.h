// Run-time choice of the SIMD micro-kernels.
//
// The level is detected once (x86: AVX2 and FMA -> "avx2"; with AVX-512F as well -> "avx512", which keeps
// every AVX2 kernel and adds the AVX-512 ones; else "portable") and can be forced down with the environment
// variable DEEPGRAD_SIMD=avx2 or DEEPGRAD_SIMD=portable, or at run time with set_simd_level() (the tests use
// it to check every path in one process).
#pragma once

namespace deepgrad {

// Ordered: a level includes the kernels of the levels below it (test with >=).
enum class SimdLevel { portable = 0, avx2 = 1, avx512 = 2 };

SimdLevel simd_level();            // the level kernels use now
const char* simd_level_name();     // "avx512", "avx2" or "portable"
bool cpu_supports(SimdLevel level);  // whether this CPU (and build) can run `level`
const char* supported_levels();    // e.g. "avx2, portable": what this CPU and build can run
// Selects `name` ("avx512", "avx2" or "portable"); returns false (and changes nothing) when the
// name is unknown or the CPU/build cannot run it.
bool set_simd_level(const char* name);

}  // namespace deepgrad
