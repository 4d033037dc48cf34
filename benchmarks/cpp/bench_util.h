// Shared helpers of the C++ microbenchmarks.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace bench {

// n floats uniform in [-1, 1), reproducible by seed.
inline std::vector<float> random_vector(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  return v;
}

}  // namespace bench
