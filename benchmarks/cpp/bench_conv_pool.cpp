// Convolution and pooling microbenchmarks at the shapes of benchmarks/compare.py, forward + backward, GFLOP/s.
#include <benchmark/benchmark.h>

#include "bench_util.h"

#include <cstdint>
#include <vector>

#include "deepgrad/conv.h"
#include "deepgrad/pool.h"

namespace {

using bench::random_vector;

// args: N, C, H (= W), K, pad; 3x3 kernel, stride 1
void BM_conv2d_forward_backward(benchmark::State& state) {
  deepgrad::Conv2dShape s{};
  s.N = state.range(0), s.C = state.range(1), s.H = s.W = state.range(2), s.K = state.range(3);
  s.R = s.S = 3, s.stride_h = s.stride_w = 1, s.pad_h = s.pad_w = state.range(4), s.dil_h = s.dil_w = 1;
  s.groups = 1, s.P = s.H + 2 * s.pad_h - 2, s.Q = s.W + 2 * s.pad_w - 2;
  auto x = random_vector(s.N * s.C * s.H * s.W, 1), w = random_vector(s.K * s.C * 9, 2), b = random_vector(s.K, 3);
  auto dy = random_vector(s.N * s.K * s.P * s.Q, 4);
  std::vector<float> y(dy.size()), dx(x.size()), dw(w.size()), db(b.size());
  for (auto _ : state) {
    deepgrad::conv2d_forward<float>(y.data(), x.data(), w.data(), b.data(), s);
    deepgrad::conv2d_backward<float>(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), s);
    benchmark::DoNotOptimize(dx.data());
  }
  const double macs = static_cast<double>(s.N) * s.K * s.P * s.Q * s.C * 9;
  state.counters["GFLOP/s"] = benchmark::Counter(3 * 2 * macs, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// 2x2 max pooling, stride 2, forward + backward; args: N, C, H (= W)
void BM_max_pool2d_forward_backward(benchmark::State& state) {
  deepgrad::Pool2dShape s{};
  s.N = state.range(0), s.C = state.range(1), s.H = s.W = state.range(2);
  s.R = s.S = 2, s.stride_h = s.stride_w = 2, s.pad_h = s.pad_w = 0, s.dil_h = s.dil_w = 1;
  s.P = s.H / 2, s.Q = s.W / 2;
  auto x = random_vector(s.N * s.C * s.H * s.W, 5);
  auto dy = random_vector(s.N * s.C * s.P * s.Q, 6);
  std::vector<float> y(dy.size()), dx(x.size());
  std::vector<int64_t> idx(dy.size());
  for (auto _ : state) {
    deepgrad::max_pool2d_forward<float>(y.data(), idx.data(), x.data(), s);
    deepgrad::max_pool2d_backward<float>(dx.data(), dy.data(), idx.data(), s);
    benchmark::DoNotOptimize(dx.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 2 * (x.size() + dy.size()) * sizeof(float));
}

}  // namespace

BENCHMARK(BM_conv2d_forward_backward)
    ->Args({64, 1, 28, 24, 0})
    ->Args({64, 24, 13, 36, 0})
    ->Args({64, 3, 32, 32, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_max_pool2d_forward_backward)->Args({64, 24, 26})->Unit(benchmark::kMicrosecond)->UseRealTime();
