// layernorm_forward / layernorm_backward (+ naive twins); shapes and formulas in layernorm.h.
#include "deepgrad/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "deepgrad/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace deepgrad {

template <typename T>
void layernorm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                       double eps) {
  const int nt = threads_for(static_cast<double>(M) * N, 1 << 15);
  parallel_for(M, nt, [&](int64_t i) {
    const T* xi = x + i * N;
    T* yi = y + i * N;
    T sum = T(0);
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < N; ++j) sum += xi[j];
    const T mu = sum / static_cast<T>(N);
    T sq = T(0);
#pragma omp simd reduction(+ : sq)
    for (int64_t j = 0; j < N; ++j) sq += (xi[j] - mu) * (xi[j] - mu);
    const T rs = T(1) / std::sqrt(sq / static_cast<T>(N) + static_cast<T>(eps));
    mean[i] = mu;
    rstd[i] = rs;
    if (w != nullptr && b != nullptr) {
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) yi[j] = (xi[j] - mu) * rs * w[j] + b[j];
    } else if (w != nullptr) {
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) yi[j] = (xi[j] - mu) * rs * w[j];
    } else {
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) yi[j] = (xi[j] - mu) * rs + (b != nullptr ? b[j] : T(0));
    }
  });
}

template <typename T>
void layernorm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, const T* w,
                        int64_t M, int64_t N) {
  const int nt = threads_for(static_cast<double>(M) * N, 1 << 15);
  const bool params = dw != nullptr || db != nullptr;
  // per-thread partial sums of dw and db: rows are split between threads, the columns are not
  std::vector<T> partial(params ? static_cast<size_t>(nt) * 2 * N : 0, T(0));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
#ifdef _OPENMP
    const int tid = omp_get_thread_num();
#else
    const int tid = 0;
#endif
    T* pw = params ? partial.data() + static_cast<size_t>(tid) * 2 * N : nullptr;
    T* pb = params ? pw + N : nullptr;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < M; ++i) {
      const T* xi = x + i * N;
      const T* gi = dy + i * N;
      const T mu = mean[i], rs = rstd[i];
      if (params) {
#pragma omp simd
        for (int64_t j = 0; j < N; ++j) {
          pw[j] += gi[j] * (xi[j] - mu) * rs;
          pb[j] += gi[j];
        }
      }
      if (dx == nullptr) continue;
      T sg = T(0), sgx = T(0);
#pragma omp simd reduction(+ : sg, sgx)
      for (int64_t j = 0; j < N; ++j) {
        const T g = w != nullptr ? gi[j] * w[j] : gi[j];
        sg += g;
        sgx += g * (xi[j] - mu) * rs;
      }
      const T mg = sg / static_cast<T>(N), mgx = sgx / static_cast<T>(N);
      T* dxi = dx + i * N;
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) {
        const T g = w != nullptr ? gi[j] * w[j] : gi[j];
        dxi[j] = rs * (g - mg - (xi[j] - mu) * rs * mgx);
      }
    }
  }
  if (!params) return;
  for (int64_t j = 0; j < N; ++j) {
    T sw = T(0), sb = T(0);
    for (int t = 0; t < nt; ++t) {
      sw += partial[static_cast<size_t>(t) * 2 * N + j];
      sb += partial[static_cast<size_t>(t) * 2 * N + N + j];
    }
    if (dw != nullptr) dw[j] = sw;
    if (db != nullptr) db[j] = sb;
  }
}

template <typename T>
void layernorm_forward_naive(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t M, int64_t N,
                             double eps) {
  for (int64_t i = 0; i < M; ++i) {
    double mu = 0, var = 0;
    for (int64_t j = 0; j < N; ++j) mu += x[i * N + j];
    mu /= static_cast<double>(N);
    for (int64_t j = 0; j < N; ++j) var += (x[i * N + j] - mu) * (x[i * N + j] - mu);
    var /= static_cast<double>(N);
    const double rs = 1.0 / std::sqrt(var + eps);
    mean[i] = static_cast<T>(mu);
    rstd[i] = static_cast<T>(rs);
    for (int64_t j = 0; j < N; ++j) {
      double v = (x[i * N + j] - mu) * rs;
      if (w != nullptr) v *= w[j];
      if (b != nullptr) v += b[j];
      y[i * N + j] = static_cast<T>(v);
    }
  }
}

template <typename T>
void layernorm_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd,
                              const T* w, int64_t M, int64_t N) {
  if (dw != nullptr) std::fill(dw, dw + N, T(0));
  if (db != nullptr) std::fill(db, db + N, T(0));
  for (int64_t i = 0; i < M; ++i) {
    const double mu = mean[i], rs = rstd[i];
    double sg = 0, sgx = 0;
    for (int64_t j = 0; j < N; ++j) {
      const double xhat = (x[i * N + j] - mu) * rs;
      const double g = dy[i * N + j] * (w != nullptr ? w[j] : T(1));
      sg += g;
      sgx += g * xhat;
      if (dw != nullptr) dw[j] += static_cast<T>(dy[i * N + j] * xhat);
      if (db != nullptr) db[j] += dy[i * N + j];
    }
    if (dx == nullptr) continue;
    for (int64_t j = 0; j < N; ++j) {
      const double xhat = (x[i * N + j] - mu) * rs;
      const double g = dy[i * N + j] * (w != nullptr ? w[j] : T(1));
      dx[i * N + j] = static_cast<T>(rs * (g - sg / N - xhat * sgx / N));
    }
  }
}

#define DEEPGRAD_INSTANTIATE(T)                                                                                  \
  template void layernorm_forward<T>(T*, T*, T*, const T*, const T*, const T*, int64_t, int64_t, double);       \
  template void layernorm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, int64_t,     \
                                      int64_t);                                                                 \
  template void layernorm_forward_naive<T>(T*, T*, T*, const T*, const T*, const T*, int64_t, int64_t, double); \
  template void layernorm_backward_naive<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*,       \
                                            int64_t, int64_t);
DEEPGRAD_INSTANTIATE(float)
DEEPGRAD_INSTANTIATE(double)
#undef DEEPGRAD_INSTANTIATE

}  // namespace deepgrad
