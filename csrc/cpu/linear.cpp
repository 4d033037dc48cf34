#include "deepgrad/linear.h"

#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"

namespace deepgrad {

template <typename T>
void linear_forward(T* y, const T* x, const T* w, const T* b, int64_t M, int64_t N, int64_t K, bool relu) {
  gemm_bias_act<T>(false, true, M, N, K, x, K, w, K, b, relu, y, N);
}

template <typename T>
void linear_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w, int64_t M, int64_t N, int64_t K) {
  if (dx != nullptr) gemm<T>(false, false, M, K, N, T(1), dy, N, w, K, T(0), dx, K);
  if (dw != nullptr) gemm<T>(true, false, N, K, M, T(1), dy, N, x, K, T(0), dw, K);
  if (db != nullptr) {
    const int nt = threads_for(static_cast<double>(M) * N, 1 << 16);
    // column sums: each thread owns a block of columns and streams the rows
    parallel_for((N + 255) / 256, nt, [&](int64_t block) {
      const int64_t j0 = block * 256, j1 = j0 + 256 < N ? j0 + 256 : N;
      for (int64_t j = j0; j < j1; ++j) db[j] = T(0);
      for (int64_t i = 0; i < M; ++i) {
        const T* row = dy + i * N;
#pragma omp simd
        for (int64_t j = j0; j < j1; ++j) db[j] += row[j];
      }
    });
  }
}

template <typename T>
void linear_forward_naive(T* y, const T* x, const T* w, const T* b, int64_t M, int64_t N, int64_t K, bool relu) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = b != nullptr ? b[j] : T(0);
      for (int64_t k = 0; k < K; ++k) acc += x[i * K + k] * w[j * K + k];
      y[i * N + j] = relu && acc < T(0) ? T(0) : acc;
    }
  }
}

template <typename T>
void linear_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w, int64_t M, int64_t N,
                           int64_t K) {
  if (dx != nullptr) gemm_naive<T>(false, false, M, K, N, T(1), dy, N, w, K, T(0), dx, K);
  if (dw != nullptr) gemm_naive<T>(true, false, N, K, M, T(1), dy, N, x, K, T(0), dw, K);
  if (db != nullptr) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = T(0);
      for (int64_t i = 0; i < M; ++i) acc += dy[i * N + j];
      db[j] = acc;
    }
  }
}

#define DEEPGRAD_INSTANTIATE(T)                                                                          \
  template void linear_forward<T>(T*, const T*, const T*, const T*, int64_t, int64_t, int64_t, bool);       \
  template void linear_backward<T>(T*, T*, T*, const T*, const T*, const T*, int64_t, int64_t, int64_t);    \
  template void linear_forward_naive<T>(T*, const T*, const T*, const T*, int64_t, int64_t, int64_t, bool); \
  template void linear_backward_naive<T>(T*, T*, T*, const T*, const T*, const T*, int64_t, int64_t, int64_t);
DEEPGRAD_INSTANTIATE(float)
DEEPGRAD_INSTANTIATE(double)
#undef DEEPGRAD_INSTANTIATE

}  // namespace deepgrad
