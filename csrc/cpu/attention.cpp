// attention_forward / attention_backward (+ naive twins); shapes and mask conventions in attention.h.
//
// The fused kernels follow FlashAttention-2 on a CPU: a tile of kTileQ query rows meets the keys kTileK at a
// time; the two products per tile go through the GEMM (its SIMD micro-kernels), the softmax is online (running
// max and sum per row, the accumulator rescaled when the max grows), and only the per-row log-sum-exp is kept
// for the backward, which recomputes each probability tile from it.
#include "deepgrad/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"
#include "deepgrad/dispatch.h"
#include "simd_exp.h"
#include "softmax_simd.h"

namespace deepgrad {
namespace {

constexpr int64_t kTileQ = 64;
constexpr int64_t kTileK = 256;
constexpr double kMinFlopsPerThread = 1 << 18;

using detail::exp_or_zero;

// row[c] = exp(row[c] - shift), returning the sum: the AVX2 loop when the CPU has it.
inline float exp_shift_sum(float* row, int64_t n, float shift) {
#if DEEPGRAD_HAVE_AVX2_TU
  if (simd_level() >= SimdLevel::avx2) return detail::exp_shift_sum_avx2(row, n, shift);
#endif
  return detail::exp_shift_sum_portable(row, n, shift);
}
inline double exp_shift_sum(double* row, int64_t n, double shift) {
  return detail::exp_shift_sum_portable(row, n, shift);
}

template <typename T>
constexpr T neg_inf() {
  return -std::numeric_limits<T>::infinity();
}

// Keys a causal tile of query rows [i0, i0 + m) can see: [0, min(S, i0 + m)).
inline int64_t key_end(const AttentionShape& s, int64_t i0, int64_t m) {
  return s.causal ? std::min(s.S, i0 + m) : s.S;
}

// Adds the mask to the m x n score tile sc (rows i0.., keys j0..) of batch-head b: -inf where a bool mask
// forbids or the causal mask cuts, plus an additive mask.
template <typename T>
void mask_tile(T* sc, int64_t m, int64_t n, int64_t b, int64_t i0, int64_t j0, const AttentionMask<T>& mask,
               const AttentionShape& s) {
  const int64_t off = mask.offsets != nullptr ? mask.offsets[b] : 0;
  for (int64_t r = 0; r < m; ++r) {
    T* row = sc + r * n;
    const int64_t i = i0 + r;
    if (mask.allow != nullptr) {
      const uint8_t* a = mask.allow + off + i * mask.row_stride + j0;
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) row[c] = a[c] ? row[c] : neg_inf<T>();
    } else if (mask.add != nullptr) {
      const T* a = mask.add + off + i * mask.row_stride + j0;
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) row[c] += a[c];
    }
    if (s.causal) {
      for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < n; ++c) row[c] = neg_inf<T>();
    }
  }
}

template <typename T>
inline T row_max(const T* row, int64_t n) {
  T mx = neg_inf<T>();
#pragma omp simd reduction(max : mx)
  for (int64_t c = 0; c < n; ++c) mx = row[c] > mx ? row[c] : mx;
  return mx;
}

// One tile of query rows [i0, i0 + m) of batch-head b; sc (kTileQ x kTileK), acc (kTileQ x Ev), mrow and lrow
// (kTileQ) are the calling thread's scratch.
template <typename T>
void forward_tile(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionMask<T>& mask,
                  const AttentionShape& s, int64_t b, int64_t i0, int64_t m, T* sc, T* acc, T* mrow, T* lrow) {
  const int64_t E = s.E, Ev = s.Ev;
  const T* qb = q + (b * s.L + i0) * E;
  const T* kb = k + b * s.S * E;
  const T* vb = v + b * s.S * Ev;
  std::fill(acc, acc + m * Ev, T(0));
  std::fill(mrow, mrow + m, neg_inf<T>());
  std::fill(lrow, lrow + m, T(0));
  const bool masked = mask.allow != nullptr || mask.add != nullptr;
  const int64_t jend = key_end(s, i0, m);
  for (int64_t j0 = 0; j0 < jend; j0 += kTileK) {
    const int64_t n = std::min(kTileK, jend - j0);
    gemm<T>(false, true, m, n, E, static_cast<T>(s.scale), qb, E, kb + j0 * E, E, T(0), sc, n);
    if (masked || (s.causal && j0 + n - 1 > i0)) mask_tile(sc, m, n, b, i0, j0, mask, s);
    for (int64_t r = 0; r < m; ++r) {
      T* row = sc + r * n;
      const T mnew = std::max(mrow[r], row_max(row, n));
      if (mnew == neg_inf<T>()) {  // every key so far masked: nothing to add
        std::fill(row, row + n, T(0));
        continue;
      }
      const T alpha = exp_or_zero(mrow[r] - mnew);
      const T sum = exp_shift_sum(row, n, mnew);
      lrow[r] = lrow[r] * alpha + sum;
      mrow[r] = mnew;
      if (alpha != T(1)) {
        T* a = acc + r * Ev;
#pragma omp simd
        for (int64_t c = 0; c < Ev; ++c) a[c] *= alpha;
      }
    }
    gemm<T>(false, false, m, Ev, n, T(1), sc, n, vb + j0 * Ev, Ev, T(1), acc, Ev);
  }
  for (int64_t r = 0; r < m; ++r) {
    T* o = out + (b * s.L + i0 + r) * Ev;
    const T* a = acc + r * Ev;
    const T inv = lrow[r] > T(0) ? T(1) / lrow[r] : T(0);
#pragma omp simd
    for (int64_t c = 0; c < Ev; ++c) o[c] = a[c] * inv;
    lse[b * s.L + i0 + r] = lrow[r] > T(0) ? mrow[r] + std::log(lrow[r]) : neg_inf<T>();
  }
}

// Gradients of batch-head b (its dq, dk, dv slices are this call's alone).
template <typename T>
void backward_head(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v, const T* out,
                   const T* lse, const AttentionMask<T>& mask, const AttentionShape& s, int64_t b, T* sc, T* dp,
                   T* drow) {
  const int64_t L = s.L, S = s.S, E = s.E, Ev = s.Ev;
  const T scale = static_cast<T>(s.scale);
  const T* kb = k + b * S * E;
  const T* vb = v + b * S * Ev;
  T* dkb = dk != nullptr ? dk + b * S * E : nullptr;
  T* dvb = dv != nullptr ? dv + b * S * Ev : nullptr;
  if (dkb != nullptr) std::fill(dkb, dkb + S * E, T(0));
  if (dvb != nullptr) std::fill(dvb, dvb + S * Ev, T(0));
  if (dq != nullptr) std::fill(dq + b * L * E, dq + (b + 1) * L * E, T(0));
  const bool masked = mask.allow != nullptr || mask.add != nullptr;
  const bool need_ds = dq != nullptr || dk != nullptr;
  for (int64_t i0 = 0; i0 < L; i0 += kTileQ) {
    const int64_t m = std::min(kTileQ, L - i0);
    const T* qb = q + (b * L + i0) * E;
    const T* dob = dout + (b * L + i0) * Ev;
    const T* lb = lse + b * L + i0;
    T* dqb = dq != nullptr ? dq + (b * L + i0) * E : nullptr;
    for (int64_t r = 0; r < m; ++r) {  // D_i = dout_i . out_i = sum_j p_ij dp_ij
      const T* o = out + (b * L + i0 + r) * Ev;
      const T* d = dob + r * Ev;
      T acc = T(0);
#pragma omp simd reduction(+ : acc)
      for (int64_t c = 0; c < Ev; ++c) acc += d[c] * o[c];
      drow[r] = acc;
    }
    const int64_t jend = key_end(s, i0, m);
    for (int64_t j0 = 0; j0 < jend; j0 += kTileK) {
      const int64_t n = std::min(kTileK, jend - j0);
      gemm<T>(false, true, m, n, E, scale, qb, E, kb + j0 * E, E, T(0), sc, n);
      if (masked || (s.causal && j0 + n - 1 > i0)) mask_tile(sc, m, n, b, i0, j0, mask, s);
      for (int64_t r = 0; r < m; ++r) {
        T* row = sc + r * n;
        const T l = lb[r];
        if (l == neg_inf<T>()) {
          std::fill(row, row + n, T(0));
          continue;
        }
        exp_shift_sum(row, n, l);
      }
      if (dvb != nullptr) gemm<T>(true, false, n, Ev, m, T(1), sc, n, dob, Ev, T(1), dvb + j0 * Ev, Ev);
      if (!need_ds) continue;
      gemm<T>(false, true, m, n, Ev, T(1), dob, Ev, vb + j0 * Ev, Ev, T(0), dp, n);
      for (int64_t r = 0; r < m; ++r) {  // ds = p * (dp - D)
        T* d = dp + r * n;
        const T* p = sc + r * n;
        const T D = drow[r];
#pragma omp simd
        for (int64_t c = 0; c < n; ++c) d[c] = p[c] * (d[c] - D);
      }
      if (dqb != nullptr) gemm<T>(false, false, m, E, n, scale, dp, n, kb + j0 * E, E, T(1), dqb, E);
      if (dkb != nullptr) gemm<T>(true, false, n, E, m, scale, dp, n, qb, E, T(1), dkb + j0 * E, E);
    }
  }
}

// Scores of query row i of batch-head b against every key, masked: p (S,).
template <typename T>
void naive_scores(T* p, const T* q, const T* k, const AttentionMask<T>& mask, const AttentionShape& s, int64_t b,
                  int64_t i) {
  const int64_t off = mask.offsets != nullptr ? mask.offsets[b] : 0;
  for (int64_t j = 0; j < s.S; ++j) {
    T acc = T(0);
    for (int64_t c = 0; c < s.E; ++c) acc += q[(b * s.L + i) * s.E + c] * k[(b * s.S + j) * s.E + c];
    acc *= static_cast<T>(s.scale);
    if (mask.allow != nullptr && !mask.allow[off + i * mask.row_stride + j]) acc = neg_inf<T>();
    if (mask.add != nullptr) acc += mask.add[off + i * mask.row_stride + j];
    if (s.causal && j > i) acc = neg_inf<T>();
    p[j] = acc;
  }
}

}  // namespace

namespace detail {

template <typename T>
T exp_shift_sum_loop(T* row, int64_t n, T shift) {
  T sum = T(0);
#pragma omp simd reduction(+ : sum)
  for (int64_t c = 0; c < n; ++c) {
    const T p = exp_or_zero(row[c] - shift);
    row[c] = p;
    sum += p;
  }
  return sum;
}
float exp_shift_sum_portable(float* row, int64_t n, float shift) { return exp_shift_sum_loop(row, n, shift); }
double exp_shift_sum_portable(double* row, int64_t n, double shift) { return exp_shift_sum_loop(row, n, shift); }

}  // namespace detail

template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionMask<T>& mask,
                       const AttentionShape& s) {
  const int64_t n_qt = (s.L + kTileQ - 1) / kTileQ;
  const int64_t items = s.BH * n_qt;
  const double flops = 2.0 * s.BH * s.L * s.S * (s.E + s.Ev) * (s.causal ? 0.5 : 1.0);
  int nt = threads_for(flops, kMinFlopsPerThread);
  if (nt > items) nt = static_cast<int>(items);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<T> sc(kTileQ * kTileK), acc(kTileQ * s.Ev), mrow(kTileQ), lrow(kTileQ);
    // causal tiles late in the sequence cost more: hand out work dynamically
#pragma omp for schedule(dynamic)
    for (int64_t w = 0; w < items; ++w) {
      const int64_t b = w / n_qt, i0 = (w % n_qt) * kTileQ;
      forward_tile(out, lse, q, k, v, mask, s, b, i0, std::min(kTileQ, s.L - i0), sc.data(), acc.data(),
                   mrow.data(), lrow.data());
    }
  }
}

template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v, const T* out,
                        const T* lse, const AttentionMask<T>& mask, const AttentionShape& s) {
  const double flops = 4.0 * s.BH * s.L * s.S * (s.E + s.Ev) * (s.causal ? 0.5 : 1.0);
  int nt = threads_for(flops, kMinFlopsPerThread);
  if (nt > s.BH) nt = static_cast<int>(s.BH);  // one batch-head owns its dk, dv: with fewer, the GEMMs thread
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<T> sc(kTileQ * kTileK), dp(kTileQ * kTileK), drow(kTileQ);
#pragma omp for schedule(dynamic)
    for (int64_t b = 0; b < s.BH; ++b) {
      backward_head(dq, dk, dv, dout, q, k, v, out, lse, mask, s, b, sc.data(), dp.data(), drow.data());
    }
  }
}

template <typename T>
void attention_forward_naive(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionMask<T>& mask,
                             const AttentionShape& s) {
  std::vector<T> p(s.S);
  for (int64_t b = 0; b < s.BH; ++b) {
    for (int64_t i = 0; i < s.L; ++i) {
      naive_scores(p.data(), q, k, mask, s, b, i);
      T mx = neg_inf<T>();
      for (int64_t j = 0; j < s.S; ++j) mx = std::max(mx, p[j]);
      T* o = out + (b * s.L + i) * s.Ev;
      std::fill(o, o + s.Ev, T(0));
      if (mx == neg_inf<T>()) {
        lse[b * s.L + i] = neg_inf<T>();
        continue;
      }
      T sum = T(0);
      for (int64_t j = 0; j < s.S; ++j) sum += (p[j] = std::exp(p[j] - mx));
      for (int64_t j = 0; j < s.S; ++j) {
        for (int64_t c = 0; c < s.Ev; ++c) o[c] += p[j] / sum * v[(b * s.S + j) * s.Ev + c];
      }
      lse[b * s.L + i] = mx + std::log(sum);
    }
  }
}

template <typename T>
void attention_backward_naive(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v, const T* out,
                              const T* lse, const AttentionMask<T>& mask, const AttentionShape& s) {
  (void)out;  // D_i is computed from p and dp here, independently of the fused kernel's dout . out
  const int64_t L = s.L, S = s.S, E = s.E, Ev = s.Ev;
  const T scale = static_cast<T>(s.scale);
  if (dq != nullptr) std::fill(dq, dq + s.BH * L * E, T(0));
  if (dk != nullptr) std::fill(dk, dk + s.BH * S * E, T(0));
  if (dv != nullptr) std::fill(dv, dv + s.BH * S * Ev, T(0));
  std::vector<T> p(S), dp(S);
  for (int64_t b = 0; b < s.BH; ++b) {
    for (int64_t i = 0; i < L; ++i) {
      const T l = lse[b * L + i];
      if (l == neg_inf<T>()) continue;
      naive_scores(p.data(), q, k, mask, s, b, i);
      const T* d = dout + (b * L + i) * Ev;
      T D = T(0);
      for (int64_t j = 0; j < S; ++j) {
        p[j] = std::exp(p[j] - l);
        T acc = T(0);
        for (int64_t c = 0; c < Ev; ++c) acc += d[c] * v[(b * S + j) * Ev + c];
        dp[j] = acc;
        D += p[j] * acc;
      }
      for (int64_t j = 0; j < S; ++j) {
        const T ds = p[j] * (dp[j] - D) * scale;
        for (int64_t c = 0; c < E; ++c) {
          if (dq != nullptr) dq[(b * L + i) * E + c] += ds * k[(b * S + j) * E + c];
          if (dk != nullptr) dk[(b * S + j) * E + c] += ds * q[(b * L + i) * E + c];
        }
        if (dv != nullptr) {
          for (int64_t c = 0; c < Ev; ++c) dv[(b * S + j) * Ev + c] += p[j] * d[c];
        }
      }
    }
  }
}

#define DEEPGRAD_INSTANTIATE(T)                                                                              \
  template void attention_forward<T>(T*, T*, const T*, const T*, const T*, const AttentionMask<T>&,          \
                                     const AttentionShape&);                                                  \
  template void attention_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*, \
                                      const AttentionMask<T>&, const AttentionShape&);                        \
  template void attention_forward_naive<T>(T*, T*, const T*, const T*, const T*, const AttentionMask<T>&,    \
                                           const AttentionShape&);                                            \
  template void attention_backward_naive<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*,     \
                                            const T*, const AttentionMask<T>&, const AttentionShape&);
DEEPGRAD_INSTANTIATE(float)
DEEPGRAD_INSTANTIATE(double)
#undef DEEPGRAD_INSTANTIATE

}  // namespace deepgrad
