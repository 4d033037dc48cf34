// What the fused recurrent layers (lstm.cpp, gru.cpp) share: the gate non-linearities, how a layer's time loop is
// split over threads, W_hh packed for the backward's per-step products, and dW_hh from the saved states.
// Private to csrc/cpu; include only from portable translation units (inline templates, see gemm_ukernel.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"
#include "simd_exp.h"

namespace deepgrad {
namespace recurrent {

template <typename T>
inline T sigmoid(T x) {
  return T(1) / (T(1) + detail::exp_or_zero(-x));
}
// tanh through exp, accurate to a few ulp of 1 (absolute), which is what the gates need.
template <typename T>
inline T tanh_(T x) {
  return T(1) - T(2) / (detail::exp_or_zero(T(2) * x) + T(1));
}
inline double tanh_(double x) { return std::tanh(x); }

inline bool active(const int64_t* lengths, int64_t b, int64_t t) { return lengths == nullptr || t < lengths[b]; }

// The step before t in processing order, or -1 for the first step.
inline int64_t prev_step(int64_t s, int64_t steps, bool reverse) {
  if (s == 0) return -1;
  return reverse ? steps - s : s - 1;
}

inline int64_t ceil_div_rows(int64_t B, int parts) { return (B + parts - 1) / parts; }

// Threads for a layer's time loop split over the batch: each thread then runs the recurrence of its own
// samples, no barrier per step. That pays where W_hh (G x H) is small enough for every thread to keep a copy near
// (in its L2); a large W_hh is better split by columns inside each step's product, each thread reading its
// half (1 = no batch split).
template <typename T>
int batch_split_threads(int64_t steps, int64_t B, int64_t G, int64_t H) {
  constexpr double kMaxWhhBytes = 512 << 10;
  const double w_hh_bytes = static_cast<double>(G) * static_cast<double>(H) * sizeof(T);
  if (w_hh_bytes > kMaxWhhBytes) return 1;
  const int nt = threads_for(static_cast<double>(steps) * B * G * H, 1 << 20);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, B / 4)));
}

// Threads over_batch's run calls use, at most: `parts`, or the threads inside each step.
inline int inner_threads(int64_t B, int64_t H) { return threads_for(static_cast<double>(B * H) * 40, 1 << 15); }

// run(b0, b1, nt, slot) for the whole batch: `parts` threads each with its share of the samples through every step
// (nt = 1, slot = its index), or one call that uses nt threads inside each step (slot 0; a thread's slot is then
// slot + its id in the step's team).
template <typename F>
void over_batch(int parts, int64_t B, int64_t H, F&& run) {
  if (parts > 1) {
    parallel_for(parts, parts, [&](int64_t q) { run(B * q / parts, B * (q + 1) / parts, 1, static_cast<int>(q)); });
  } else {
    run(0, B, inner_threads(B, H), 0);
  }
}

inline int thread_in_team() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// W_hh (G x H) as the B operand of the backward's dh_{t-1} = dgates_t @ W_hh, for products of up to `rows` rows.
// Packed straight from W_hh where the few-rows kernel takes them; otherwise as a product with W_hh^T's rows: for a
// few rows of dgates the skinny GEMM takes dot products with contiguous rows, about twice as fast as streaming
// W_hh's columns (measured, B = 8, H = 1024). Empty (no panels) when `needed` is false.
template <typename T>
struct BackwardWeight {
  std::vector<T> transposed;  // W_hh^T (H x G) when the panels are made from it
  PackedB<T> packed;

  BackwardWeight(const T* w_hh, int64_t G, int64_t H, int64_t rows, bool needed)
      : packed(gemm_pack_b<T>(false, needed ? G : 0, H, w_hh, H, rows)) {
    if (!needed || packed.whole_k) return;
    transposed.resize(G * H);
    constexpr int64_t kTile = 32;  // 32 x 32 tiles (both sides stay in L1), rows of tiles split over threads
    parallel_for((G + kTile - 1) / kTile, threads_for(static_cast<double>(G) * H, 1 << 18), [&](int64_t tile) {
      const int64_t r0 = tile * kTile, r1 = std::min(r0 + kTile, G);
      for (int64_t k0 = 0; k0 < H; k0 += kTile) {
        const int64_t k1 = std::min(k0 + kTile, H);
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t k = k0; k < k1; ++k) transposed[k * G + r] = w_hh[r * H + k];
        }
      }
    });
    packed = gemm_pack_b<T>(true, G, H, transposed.data(), G, rows);
  }
};

// dw_hh (G x H) = sum over steps of dg_t^T h_{t-1} (dg: (steps, B, G) time-major): h_{t-1} for every step but the
// first in processing order is hs shifted by one step, so one product covers them; the first step's is h0 (none:
// zero).
template <typename T>
void weight_grad_hh(T* dw_hh, const T* dg, const T* hs, const T* h0, int64_t steps, int64_t B, int64_t G,
                    int64_t H, bool reverse) {
  if (steps == 0) {
    std::fill(dw_hh, dw_hh + G * H, T(0));
    return;
  }
  const int64_t first = reverse ? steps - 1 : 0;
  const T* dg_rest = dg + (reverse ? 0 : B * G);
  const T* h_rest = hs + (reverse ? B * H : 0);
  gemm<T>(true, false, G, H, (steps - 1) * B, T(1), dg_rest, G, h_rest, H, T(0), dw_hh, H);
  if (h0 != nullptr) gemm<T>(true, false, G, H, B, T(1), dg + first * B * G, G, h0, H, T(1), dw_hh, H);
}

// out[0:n] = the sum of `slots` partial sums parts[q * n + j].
template <typename T>
void sum_slots(T* out, const std::vector<T>& parts, int slots, int64_t n) {
  std::copy(parts.begin(), parts.begin() + n, out);
  for (int q = 1; q < slots; ++q) {
    const T* part = parts.data() + q * n;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) out[j] += part[j];
  }
}

}  // namespace recurrent
}  // namespace deepgrad
