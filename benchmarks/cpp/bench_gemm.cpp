// GEMM microbenchmarks: square sizes 64-2048 and the training shapes of benchmarks/compare.py, in GFLOP/s.
#include <benchmark/benchmark.h>

#include "bench_util.h"

#include <cstdint>
#include <vector>

#include "deepgrad/gemm.h"
#include "deepgrad/linear.h"

namespace {

using bench::random_vector;

void set_flops(benchmark::State& state, double flops_per_iter) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iter, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

// C (M x N) = A (M x K) @ B (K x N)
void BM_sgemm(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  auto A = random_vector(M * K, 1), B = random_vector(K * N, 2);
  std::vector<float> C(static_cast<size_t>(M * N));
  for (auto _ : state) {
    deepgrad::gemm<float>(false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 0.f, C.data(), N);
    benchmark::DoNotOptimize(C.data());
  }
  set_flops(state, 2.0 * M * N * K);
}

// y (M x N) = x (M x K) @ w^T (w: N x K) + b, the Linear layer's forward
void BM_linear_forward(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  auto x = random_vector(M * K, 3), w = random_vector(N * K, 4), b = random_vector(N, 5);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    deepgrad::linear_forward<float>(y.data(), x.data(), w.data(), b.data(), M, N, K, false);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state, 2.0 * M * N * K);
}

void square_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {64, 128, 256, 512, 1024, 2048}) b->Args({n, n, n});
}

// (M, K, N) training shapes: MLP on MNIST, its output layer, LSTM input projections
void training_shapes(benchmark::internal::Benchmark* b) {
  b->Args({64, 784, 128})->Args({64, 128, 10})->Args({800, 256, 4096})->Args({256, 1024, 4096});
}

}  // namespace

BENCHMARK(BM_sgemm)->Apply(square_sizes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_sgemm)->Apply(training_shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_linear_forward)->Apply(training_shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
