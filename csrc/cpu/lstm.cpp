// lstm_forward / lstm_backward: one LSTM layer and direction, time loop in C++ (shapes and equations in lstm.h).
#include "deepgrad/lstm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "deepgrad/dispatch.h"
#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"
#include "lstm_simd.h"
#include "recurrent.h"

namespace deepgrad {
namespace {

using recurrent::active;
using recurrent::ceil_div_rows;
using recurrent::over_batch;
using recurrent::prev_step;
using recurrent::sigmoid;
using recurrent::tanh_;

// Whether the AVX2 gate loops (lstm_avx2.cpp) run: float only, when the CPU and build have them.
template <typename T>
bool use_avx2() {
#if DEEPGRAD_HAVE_AVX2_TU
  return sizeof(T) == sizeof(float) && simd_level() >= SimdLevel::avx2;
#else
  return false;
#endif
}

// The SIMD loop (AVX-512, else AVX2; called where use_avx2) over a row's first columns; returns where the
// portable loop takes over.
inline int64_t gates_forward_simd(SimdLevel level, float* g, float* c, float* h, const float* cp, int64_t H) {
#if DEEPGRAD_HAVE_AVX512_TU
  if (level >= SimdLevel::avx512) return detail::lstm_gates_forward_avx512(g, c, h, cp, H);
#endif
#if DEEPGRAD_HAVE_AVX2_TU
  return detail::lstm_gates_forward_avx2(g, c, h, cp, H);
#else
  return 0;
#endif
}
inline int64_t gates_forward_simd(SimdLevel, double*, double*, double*, const double*, int64_t) { return 0; }
inline int64_t gates_backward_avx2(float* dg, float* dc, const float* dh, const float* g, const float* c,
                                   const float* cp, int64_t H) {
#if DEEPGRAD_HAVE_AVX2_TU
  return detail::lstm_gates_backward_avx2(dg, dc, dh, g, c, cp, H);
#else
  return 0;
#endif
}
inline int64_t gates_backward_avx2(double*, double*, const double*, const double*, const double*, const double*,
                                   int64_t) {
  return 0;
}

}  // namespace

template <typename T>
void lstm_forward(T* hs, T* cs, T* gates, const T* x, const T* w_ih, const T* w_hh, const T* b, const T* h0,
                  const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse) {
  const int64_t G = 4 * H, BH = B * H, M = steps * B;
  if (M == 0 || H == 0) return;
  // the input projection of every step at once, the bias added to each tile of it as it is finished
  gemm_bias_act<T>(false, true, M, G, I, x, I, w_ih, I, b, false, gates, G);
  const std::vector<T> zeros(h0 == nullptr || c0 == nullptr ? BH : 0, T(0));
  const T* h_init = h0 != nullptr ? h0 : zeros.data();
  const T* c_init = c0 != nullptr ? c0 : zeros.data();
  const bool avx2 = use_avx2<T>();
  const SimdLevel level = simd_level();
  const int parts = recurrent::batch_split_threads<T>(steps, B, G, H);
  // packed once, not once per step (no panels where the per-step product takes the skinny path anyway)
  const PackedB<T> w_hh_packed = gemm_pack_b<T>(true, H, G, w_hh, H, ceil_div_rows(B, parts));
  // samples [b0, b1) through every step; nt threads inside each step (1 when the batch is split)
  auto run = [&](int64_t b0, int64_t b1, int nt, int) {
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      const int64_t tp = prev_step(s, steps, reverse);
      const T* hp = tp < 0 ? h_init : hs + tp * BH;
      const T* cp = tp < 0 ? c_init : cs + tp * BH;
      T* gt = gates + t * B * G;
      if (tp >= 0 || h0 != nullptr) {
        gemm_packed<T>(false, b1 - b0, T(1), hp + b0 * H, H, w_hh_packed, T(1), gt + b0 * G, G);
      }
      T* ht = hs + t * BH;
      T* ct = cs + t * BH;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
      for (int64_t bi = b0; bi < b1; ++bi) {
        const T* hpb = hp + bi * H;
        const T* cpb = cp + bi * H;
        T* hb = ht + bi * H;
        T* cb = ct + bi * H;
        if (!active(lengths, bi, t)) {
          std::memcpy(hb, hpb, sizeof(T) * H);
          std::memcpy(cb, cpb, sizeof(T) * H);
          continue;
        }
        T* __restrict gi = gt + bi * G;
        T* __restrict gf = gi + H;
        T* __restrict gg = gi + 2 * H;
        T* __restrict go = gi + 3 * H;
        const int64_t j0 = avx2 ? gates_forward_simd(level, gi, cb, hb, cpb, H) : 0;
#pragma omp simd
        for (int64_t j = j0; j < H; ++j) {
          const T i = sigmoid(gi[j]), f = sigmoid(gf[j]), g = tanh_(gg[j]), o = sigmoid(go[j]);
          const T c = f * cpb[j] + i * g;
          gi[j] = i;
          gf[j] = f;
          gg[j] = g;
          go[j] = o;
          cb[j] = c;
          hb[j] = o * tanh_(c);
        }
      }
    }
  };
  over_batch(parts, B, H, run);
}

template <typename T>
void lstm_backward(T* dx, T* dw_ih, T* dw_hh, T* db, T* dh0, T* dc0, const T* dhs, const T* dhn, const T* dcn,
                   const T* gates, const T* hs, const T* cs, const T* x, const T* w_ih, const T* w_hh,
                   const T* h0, const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I,
                   int64_t H, bool reverse) {
  const int64_t G = 4 * H, BH = B * H, M = steps * B;
  // every step writes all of its rows of dg (inactive ones as zeros): no need to clear 4 x the hidden states first
  const std::unique_ptr<T[]> dg(new T[M * G]);
  std::vector<T> dh(BH, T(0)), dc(BH, T(0)), tmp(BH);
  if (dhn != nullptr) std::memcpy(dh.data(), dhn, sizeof(T) * BH);
  if (dcn != nullptr) std::memcpy(dc.data(), dcn, sizeof(T) * BH);
  const std::vector<T> zeros(c0 == nullptr ? BH : 0, T(0));
  const T* c_init = c0 != nullptr ? c0 : zeros.data();
  const bool needs_dh = dh0 != nullptr || steps > 1;  // dh_{t-1} = dgates_t @ W_hh (not after the first step)
  const int parts = recurrent::batch_split_threads<T>(steps, B, G, H);
  const recurrent::BackwardWeight<T> w_hh_b(w_hh, G, H, ceil_div_rows(B, parts), needs_dh);
  const bool avx2 = use_avx2<T>();
  // db summed while each row of dgates is still in L1, a partial sum per thread (one pass over all of dgates less)
  const int slots = std::max(parts, recurrent::inner_threads(B, H));
  std::vector<T> db_parts(db != nullptr ? slots * G : 0, T(0));
  // samples [b0, b1) back through every step; nt threads inside each step (1 when the batch is split)
  auto run = [&](int64_t b0, int64_t b1, int nt, int slot) {
    for (int64_t s = steps - 1; s >= 0; --s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      const int64_t tp = prev_step(s, steps, reverse);
      const T* cp = tp < 0 ? c_init : cs + tp * BH;
      const T* gt = gates + t * B * G;
      T* dgt = dg.get() + t * B * G;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
      for (int64_t bi = b0; bi < b1; ++bi) {
        T* __restrict dhb = dh.data() + bi * H;
        T* __restrict dcb = dc.data() + bi * H;
        if (dhs != nullptr) {
          const T* __restrict dyb = dhs + t * BH + bi * H;
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) dhb[j] += dyb[j];
        }
        if (!active(lengths, bi, t)) {
          std::memset(dgt + bi * G, 0, sizeof(T) * G);
          continue;
        }
        const T* __restrict gi = gt + bi * G;
        const T* __restrict gf = gi + H;
        const T* __restrict gg = gi + 2 * H;
        const T* __restrict go = gi + 3 * H;
        const T* __restrict cb = cs + t * BH + bi * H;
        const T* __restrict cpb = cp + bi * H;
        T* __restrict di = dgt + bi * G;
        T* __restrict df = di + H;
        T* __restrict dgg = di + 2 * H;
        T* __restrict dout = di + 3 * H;
        const int64_t j0 = avx2 ? gates_backward_avx2(di, dcb, dhb, gi, cb, cpb, H) : 0;
#pragma omp simd
        for (int64_t j = j0; j < H; ++j) {
          const T dht = dhb[j];
          const T i = gi[j], f = gf[j], g = gg[j], o = go[j];
          const T tc = tanh_(cb[j]);
          const T dct = dcb[j] + dht * o * (T(1) - tc * tc);
          dout[j] = dht * tc * o * (T(1) - o);
          di[j] = dct * g * i * (T(1) - i);
          df[j] = dct * cpb[j] * f * (T(1) - f);
          dgg[j] = dct * i * (T(1) - g * g);
          dcb[j] = dct * f;
        }
        if (db != nullptr) {
          T* __restrict dbp = db_parts.data() + (slot + recurrent::thread_in_team()) * G;
          const T* __restrict row = dgt + bi * G;
#pragma omp simd
          for (int64_t j = 0; j < G; ++j) dbp[j] += row[j];
        }
      }
      if (s == 0 && dh0 == nullptr) break;
      gemm_packed<T>(false, b1 - b0, T(1), dgt + b0 * G, G, w_hh_b.packed, T(0), tmp.data() + b0 * H, H);
      for (int64_t bi = b0; bi < b1; ++bi) {
        if (active(lengths, bi, t)) std::memcpy(dh.data() + bi * H, tmp.data() + bi * H, sizeof(T) * H);
      }
    }
  };
  over_batch(parts, B, H, run);
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), sizeof(T) * BH);
  if (dc0 != nullptr) std::memcpy(dc0, dc.data(), sizeof(T) * BH);
  if (dx != nullptr) gemm<T>(false, false, M, I, G, T(1), dg.get(), G, w_ih, I, T(0), dx, I);
  if (dw_ih != nullptr) gemm<T>(true, false, G, I, M, T(1), dg.get(), G, x, I, T(0), dw_ih, I);
  if (dw_hh != nullptr) recurrent::weight_grad_hh(dw_hh, dg.get(), hs, h0, steps, B, G, H, reverse);
  if (db != nullptr) recurrent::sum_slots(db, db_parts, slots, G);
}

template <typename T>
void lstm_forward_naive(T* hs, T* cs, T* gates, const T* x, const T* w_ih, const T* w_hh, const T* b,
                        const T* h0, const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I,
                        int64_t H, bool reverse) {
  const int64_t G = 4 * H;
  std::vector<T> h(B * H, T(0)), c(B * H, T(0));
  if (h0 != nullptr) h.assign(h0, h0 + B * H);
  if (c0 != nullptr) c.assign(c0, c0 + B * H);
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    for (int64_t bi = 0; bi < B; ++bi) {
      T* gb = gates + (t * B + bi) * G;
      if (lengths == nullptr || t < lengths[bi]) {
        for (int64_t r = 0; r < G; ++r) {
          T a = b != nullptr ? b[r] : T(0);
          for (int64_t k = 0; k < I; ++k) a += x[(t * B + bi) * I + k] * w_ih[r * I + k];
          for (int64_t k = 0; k < H; ++k) a += h[bi * H + k] * w_hh[r * H + k];
          gb[r] = a;
        }
        for (int64_t j = 0; j < H; ++j) {
          const T i = T(1) / (T(1) + std::exp(-gb[j]));
          const T f = T(1) / (T(1) + std::exp(-gb[H + j]));
          const T g = std::tanh(gb[2 * H + j]);
          const T o = T(1) / (T(1) + std::exp(-gb[3 * H + j]));
          gb[j] = i, gb[H + j] = f, gb[2 * H + j] = g, gb[3 * H + j] = o;
        }
      }
    }
    for (int64_t bi = 0; bi < B; ++bi) {
      const T* gb = gates + (t * B + bi) * G;
      if (lengths == nullptr || t < lengths[bi]) {
        for (int64_t j = 0; j < H; ++j) {
          c[bi * H + j] = gb[H + j] * c[bi * H + j] + gb[j] * gb[2 * H + j];
          h[bi * H + j] = gb[3 * H + j] * std::tanh(c[bi * H + j]);
        }
      }
      for (int64_t j = 0; j < H; ++j) {
        hs[(t * B + bi) * H + j] = h[bi * H + j];
        cs[(t * B + bi) * H + j] = c[bi * H + j];
      }
    }
  }
}

template <typename T>
void lstm_backward_naive(T* dx, T* dw_ih, T* dw_hh, T* db, T* dh0, T* dc0, const T* dhs, const T* dhn,
                         const T* dcn, const T* gates, const T* hs, const T* cs, const T* x, const T* w_ih,
                         const T* w_hh, const T* h0, const T* c0, const int64_t* lengths, int64_t steps,
                         int64_t B, int64_t I, int64_t H, bool reverse) {
  const int64_t G = 4 * H;
  std::vector<T> dh(B * H, T(0)), dc(B * H, T(0)), dgb(G), ddx(steps * B * I, T(0));
  std::vector<T> gw_ih(G * I, T(0)), gw_hh(G * H, T(0)), gb(G, T(0));
  if (dhn != nullptr) dh.assign(dhn, dhn + B * H);
  if (dcn != nullptr) dc.assign(dcn, dcn + B * H);
  for (int64_t s = steps - 1; s >= 0; --s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const int64_t tp = s == 0 ? -1 : (reverse ? t + 1 : t - 1);
    for (int64_t bi = 0; bi < B; ++bi) {
      const int64_t row = t * B + bi;
      if (dhs != nullptr) {
        for (int64_t j = 0; j < H; ++j) dh[bi * H + j] += dhs[row * H + j];
      }
      if (lengths != nullptr && t >= lengths[bi]) continue;
      const T* g4 = gates + row * G;
      for (int64_t j = 0; j < H; ++j) {
        const T i = g4[j], f = g4[H + j], g = g4[2 * H + j], o = g4[3 * H + j];
        const T c = cs[row * H + j];
        const T cprev = tp >= 0 ? cs[(tp * B + bi) * H + j] : (c0 != nullptr ? c0[bi * H + j] : T(0));
        const T dht = dh[bi * H + j];
        const T dct = dc[bi * H + j] + dht * o * (T(1) - std::tanh(c) * std::tanh(c));
        dgb[j] = dct * g * i * (T(1) - i);
        dgb[H + j] = dct * cprev * f * (T(1) - f);
        dgb[2 * H + j] = dct * i * (T(1) - g * g);
        dgb[3 * H + j] = dht * std::tanh(c) * o * (T(1) - o);
        dc[bi * H + j] = dct * f;
      }
      for (int64_t k = 0; k < H; ++k) {
        const T hprev = tp >= 0 ? hs[(tp * B + bi) * H + k] : (h0 != nullptr ? h0[bi * H + k] : T(0));
        T acc = T(0);
        for (int64_t r = 0; r < G; ++r) {
          acc += dgb[r] * w_hh[r * H + k];
          gw_hh[r * H + k] += dgb[r] * hprev;
        }
        dh[bi * H + k] = acc;
      }
      for (int64_t k = 0; k < I; ++k) {
        for (int64_t r = 0; r < G; ++r) {
          ddx[row * I + k] += dgb[r] * w_ih[r * I + k];
          gw_ih[r * I + k] += dgb[r] * x[row * I + k];
        }
      }
      for (int64_t r = 0; r < G; ++r) gb[r] += dgb[r];
    }
  }
  if (dx != nullptr) std::copy(ddx.begin(), ddx.end(), dx);
  if (dw_ih != nullptr) std::copy(gw_ih.begin(), gw_ih.end(), dw_ih);
  if (dw_hh != nullptr) std::copy(gw_hh.begin(), gw_hh.end(), dw_hh);
  if (db != nullptr) std::copy(gb.begin(), gb.end(), db);
  if (dh0 != nullptr) std::copy(dh.begin(), dh.end(), dh0);
  if (dc0 != nullptr) std::copy(dc.begin(), dc.end(), dc0);
}

#define DEEPGRAD_INSTANTIATE(T)                                                                                     \
  template void lstm_forward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*,               \
                                const int64_t*, int64_t, int64_t, int64_t, int64_t, bool);                            \
  template void lstm_forward_naive<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*,         \
                                      const int64_t*, int64_t, int64_t, int64_t, int64_t, bool);                      \
  template void lstm_backward<T>(T*, T*, T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*,  \
                                 const T*, const T*, const T*, const T*, const T*, const int64_t*, int64_t, int64_t,  \
                                 int64_t, int64_t, bool);                                                            \
  template void lstm_backward_naive<T>(T*, T*, T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*,      \
                                       const T*, const T*, const T*, const T*, const T*, const T*, const int64_t*,    \
                                       int64_t, int64_t, int64_t, int64_t, bool);
DEEPGRAD_INSTANTIATE(float)
DEEPGRAD_INSTANTIATE(double)
#undef DEEPGRAD_INSTANTIATE

}  // namespace deepgrad
