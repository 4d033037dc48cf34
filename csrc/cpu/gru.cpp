// gru_forward / gru_backward: one GRU layer and direction, time loop in C++ (shapes and equations in gru.h). The
// same plan as lstm.cpp, with the helpers it shares in recurrent.h.
#include "deepgrad/gru.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"
#include "recurrent.h"

namespace deepgrad {

using recurrent::active;
using recurrent::ceil_div_rows;
using recurrent::over_batch;
using recurrent::prev_step;
using recurrent::sigmoid;
using recurrent::tanh_;

template <typename T>
void gru_forward(T* hs, T* gates, T* hn, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
                 const T* h0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse) {
  const int64_t G = 3 * H, BH = B * H, M = steps * B;
  if (M == 0 || H == 0) return;
  // the input projection of every step at once, b_ih added to each tile of it as it is finished
  gemm_bias_act<T>(false, true, M, G, I, x, I, w_ih, I, b_ih, false, gates, G);
  const std::vector<T> zeros(h0 == nullptr ? BH : 0, T(0)), no_bias(b_hh == nullptr ? G : 0, T(0));
  const T* h_init = h0 != nullptr ? h0 : zeros.data();
  const T* bh = b_hh != nullptr ? b_hh : no_bias.data();
  const int parts = recurrent::batch_split_threads<T>(steps, B, G, H);
  const PackedB<T> w_hh_packed = gemm_pack_b<T>(true, H, G, w_hh, H, ceil_div_rows(B, parts));
  std::vector<T> gh(B * G);  // h_{t-1} W_hh^T of the step, rows split like the batch
  auto run = [&](int64_t b0, int64_t b1, int nt, int) {
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      const int64_t tp = prev_step(s, steps, reverse);
      const T* hp = tp < 0 ? h_init : hs + tp * BH;
      if (tp >= 0 || h0 != nullptr) {
        gemm_packed<T>(false, b1 - b0, T(1), hp + b0 * H, H, w_hh_packed, T(0), gh.data() + b0 * G, G);
      } else {
        std::fill(gh.begin() + b0 * G, gh.begin() + b1 * G, T(0));
      }
      T* ht = hs + t * BH;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
      for (int64_t bi = b0; bi < b1; ++bi) {
        const T* __restrict hpb = hp + bi * H;
        T* __restrict hb = ht + bi * H;
        if (!active(lengths, bi, t)) {
          std::memcpy(hb, hpb, sizeof(T) * H);
          continue;
        }
        T* __restrict gr = gates + (t * B + bi) * G;
        T* __restrict gz = gr + H;
        T* __restrict gn = gr + 2 * H;
        const T* __restrict hr = gh.data() + bi * G;
        const T* __restrict hz = hr + H;
        const T* __restrict hh = hr + 2 * H;
        T* __restrict hnb = hn + (t * B + bi) * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const T r = sigmoid(gr[j] + hr[j] + bh[j]);
          const T z = sigmoid(gz[j] + hz[j] + bh[H + j]);
          const T a = hh[j] + bh[2 * H + j];
          const T n = tanh_(gn[j] + r * a);
          gr[j] = r;
          gz[j] = z;
          gn[j] = n;
          hnb[j] = a;
          hb[j] = n + z * (hpb[j] - n);
        }
      }
    }
  };
  over_batch(parts, B, H, run);
}

template <typename T>
void gru_backward(T* dx, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, T* dh0, const T* dhs, const T* dhn, const T* gates,
                  const T* hn, const T* hs, const T* x, const T* w_ih, const T* w_hh, const T* h0,
                  const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse) {
  const int64_t G = 3 * H, BH = B * H, M = steps * B;
  // gradients of the input-side and hidden-side pre-activations, which differ in n's part (by the factor r); every
  // step writes all of its rows (inactive ones as zeros)
  const std::unique_ptr<T[]> dgi(new T[M * G]), dgh(new T[M * G]);
  std::vector<T> dh(BH, T(0));
  if (dhn != nullptr) std::memcpy(dh.data(), dhn, sizeof(T) * BH);
  const std::vector<T> zeros(h0 == nullptr ? BH : 0, T(0));
  const T* h_init = h0 != nullptr ? h0 : zeros.data();
  const bool needs_dh = dh0 != nullptr || steps > 1;  // dh_{t-1} += dgh_t @ W_hh (not after the first step)
  const int parts = recurrent::batch_split_threads<T>(steps, B, G, H);
  const recurrent::BackwardWeight<T> w_hh_b(w_hh, G, H, ceil_div_rows(B, parts), needs_dh);
  // the biases' gradients summed while each row is in L1, a partial sum per thread
  const int slots = std::max(parts, recurrent::inner_threads(B, H));
  std::vector<T> dbi_parts(db_ih != nullptr ? slots * G : 0, T(0)), dbh_parts(db_hh != nullptr ? slots * G : 0, T(0));
  auto run = [&](int64_t b0, int64_t b1, int nt, int slot) {
    for (int64_t s = steps - 1; s >= 0; --s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      const int64_t tp = prev_step(s, steps, reverse);
      const T* hp = tp < 0 ? h_init : hs + tp * BH;
      T* dgit = dgi.get() + t * B * G;
      T* dght = dgh.get() + t * B * G;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
      for (int64_t bi = b0; bi < b1; ++bi) {
        T* __restrict dhb = dh.data() + bi * H;
        if (dhs != nullptr) {
          const T* __restrict dyb = dhs + t * BH + bi * H;
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) dhb[j] += dyb[j];
        }
        T* __restrict di = dgit + bi * G;
        T* __restrict dhh = dght + bi * G;
        if (!active(lengths, bi, t)) {  // the state was held: dh passes through unchanged
          std::memset(di, 0, sizeof(T) * G);
          std::memset(dhh, 0, sizeof(T) * G);
          continue;
        }
        const T* __restrict gr = gates + (t * B + bi) * G;
        const T* __restrict gz = gr + H;
        const T* __restrict gn = gr + 2 * H;
        const T* __restrict a = hn + (t * B + bi) * H;
        const T* __restrict hpb = hp + bi * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const T d = dhb[j], r = gr[j], z = gz[j], n = gn[j];
          const T dn = d * (T(1) - z) * (T(1) - n * n);
          const T dr = dn * a[j] * r * (T(1) - r);
          const T dz = d * (hpb[j] - n) * z * (T(1) - z);
          di[j] = dr;
          di[H + j] = dz;
          di[2 * H + j] = dn;
          dhh[j] = dr;
          dhh[H + j] = dz;
          dhh[2 * H + j] = dn * r;
          dhb[j] = d * z;  // the direct path; the product below adds the path through the gates
        }
        const int q = slot + recurrent::thread_in_team();
        if (db_ih != nullptr) {
          T* __restrict acc = dbi_parts.data() + q * G;
#pragma omp simd
          for (int64_t j = 0; j < G; ++j) acc[j] += di[j];
        }
        if (db_hh != nullptr) {
          T* __restrict acc = dbh_parts.data() + q * G;
#pragma omp simd
          for (int64_t j = 0; j < G; ++j) acc[j] += dhh[j];
        }
      }
      if (s == 0 && dh0 == nullptr) break;
      // inactive rows of dgh are zero, so their dh is left as it was
      gemm_packed<T>(false, b1 - b0, T(1), dght + b0 * G, G, w_hh_b.packed, T(1), dh.data() + b0 * H, H);
    }
  };
  over_batch(parts, B, H, run);
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), sizeof(T) * BH);
  if (dx != nullptr) gemm<T>(false, false, M, I, G, T(1), dgi.get(), G, w_ih, I, T(0), dx, I);
  if (dw_ih != nullptr) gemm<T>(true, false, G, I, M, T(1), dgi.get(), G, x, I, T(0), dw_ih, I);
  if (dw_hh != nullptr) recurrent::weight_grad_hh(dw_hh, dgh.get(), hs, h0, steps, B, G, H, reverse);
  if (db_ih != nullptr) recurrent::sum_slots(db_ih, dbi_parts, slots, G);
  if (db_hh != nullptr) recurrent::sum_slots(db_hh, dbh_parts, slots, G);
}

#define DEEPGRAD_INSTANTIATE(T)                                                                                      \
  template void gru_forward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*,              \
                               const int64_t*, int64_t, int64_t, int64_t, int64_t, bool);                           \
  template void gru_backward<T>(T*, T*, T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*, \
                                const T*, const T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t,   \
                                bool);
DEEPGRAD_INSTANTIATE(float)
DEEPGRAD_INSTANTIATE(double)
#undef DEEPGRAD_INSTANTIATE

}  // namespace deepgrad
