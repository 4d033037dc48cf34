// conv2d / conv_transpose2d (see conv.h): im2col + gemm per image, threads over images.
//
// Per image n and group g (Cg = C/groups input channels, Kg = K/groups output channels,
// CRS = Cg*R*S rows of the column matrix, PQ = P*Q its columns):
//   cols (CRS x PQ)  = im2col(x[n, group g])
//   y[n, g]  (Kg x PQ) = w_g (Kg x CRS) . cols
//   dw_g    (Kg x CRS) += dy[n, g] (Kg x PQ) . cols^T
//   dx[n, g]           = col2im(w_g^T (CRS x Kg) . dy[n, g])
// With at least as many images as threads each thread takes whole images with a
// single-threaded gemm and its own workspace (and its own dw partial sum, reduced at the
// end); measured faster on the small layers of a CNN than one threaded gemm per image.
#include "deepgrad/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "deepgrad/gemm.h"
#include "deepgrad/parallel.h"
#include "window.h"

namespace deepgrad {

namespace {

// Below this many multiply-adds per thread, extra threads cost more than they save.
constexpr double kMinMacsPerThread = 1 << 15;

struct Dims {
  int64_t Cg, Kg, HW, PQ, CRS;
};

Dims dims_of(const Conv2dShape& s) {
  Dims d;
  d.Cg = s.C / s.groups;
  d.Kg = s.K / s.groups;
  d.HW = s.H * s.W;
  d.PQ = s.P * s.Q;
  d.CRS = d.Cg * s.R * s.S;
  return d;
}

// 1x1, stride 1, no padding, output the input's size: the column matrix is x itself.
bool is_pointwise(const Conv2dShape& s) {
  return s.R == 1 && s.S == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 &&
         s.pad_w == 0 && s.P == s.H && s.Q == s.W;
}

// cols (Cg*R*S, P*Q) from one image's group of channels x (Cg, H, W).
template <typename T>
void im2col(T* cols, const T* x, int64_t Cg, const Conv2dShape& s) {
  const int64_t PQ = s.P * s.Q;
  for (int64_t c = 0; c < Cg; ++c) {
    const T* xc = x + c * s.H * s.W;
    for (int64_t r = 0; r < s.R; ++r) {
      for (int64_t t = 0; t < s.S; ++t) {
        T* row = cols + ((c * s.R + r) * s.S + t) * PQ;
        const int64_t off_w = t * s.dil_w - s.pad_w;
        int64_t q_lo, q_hi;
        detail::valid_range(off_w, s.stride_w, s.W, s.Q, q_lo, q_hi);
        for (int64_t p = 0; p < s.P; ++p) {
          T* out = row + p * s.Q;
          const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
          if (h < 0 || h >= s.H) {
            for (int64_t q = 0; q < s.Q; ++q) out[q] = T(0);
            continue;
          }
          const T* in = xc + h * s.W + off_w;
          // Rows are short (tens of elements): plain loops rather than a memset/memcpy call per row (those calls
          // were a tenth of a small conv's time)
          for (int64_t q = 0; q < q_lo; ++q) out[q] = T(0);
          if (s.stride_w == 1) {
#pragma omp simd
            for (int64_t q = q_lo; q < q_hi; ++q) out[q] = in[q];
          } else {
            for (int64_t q = q_lo; q < q_hi; ++q) out[q] = in[q * s.stride_w];
          }
          for (int64_t q = q_hi; q < s.Q; ++q) out[q] = T(0);
        }
      }
    }
  }
}

// dx (Cg, H, W) += col2im(cols): the adjoint of im2col.
template <typename T>
void col2im_add(T* dx, const T* cols, int64_t Cg, const Conv2dShape& s) {
  const int64_t PQ = s.P * s.Q;
  for (int64_t c = 0; c < Cg; ++c) {
    T* xc = dx + c * s.H * s.W;
    for (int64_t r = 0; r < s.R; ++r) {
      for (int64_t t = 0; t < s.S; ++t) {
        const T* row = cols + ((c * s.R + r) * s.S + t) * PQ;
        const int64_t off_w = t * s.dil_w - s.pad_w;
        int64_t q_lo, q_hi;
        detail::valid_range(off_w, s.stride_w, s.W, s.Q, q_lo, q_hi);
        for (int64_t p = 0; p < s.P; ++p) {
          const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
          if (h < 0 || h >= s.H) continue;
          const T* in = row + p * s.Q;
          T* out = xc + h * s.W + off_w;
          if (s.stride_w == 1) {
#pragma omp simd
            for (int64_t q = q_lo; q < q_hi; ++q) out[q] += in[q];
          } else {
            for (int64_t q = q_lo; q < q_hi; ++q) out[q * s.stride_w] += in[q];
          }
        }
      }
    }
  }
}

// db[c] = sum over n and the plane of dy[n, c]; dy is (N, C, plane).
template <typename T>
void channel_sum(T* db, const T* dy, int64_t N, int64_t C, int64_t plane) {
#pragma omp parallel for schedule(static) if (N * C * plane > (1 << 16))
  for (int64_t c = 0; c < C; ++c) {
    T acc = T(0);
    for (int64_t n = 0; n < N; ++n) {
      const T* src = dy + (n * C + c) * plane;
      T part = T(0);
#pragma omp simd reduction(+ : part)
      for (int64_t i = 0; i < plane; ++i) part += src[i];
      acc += part;
    }
    db[c] = acc;
  }
}

// y (N, C, plane) += b[c].
template <typename T>
void add_channel_bias(T* y, const T* b, int64_t N, int64_t C, int64_t plane) {
#pragma omp parallel for schedule(static) if (N * C * plane > (1 << 16))
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const T bc = b[nc % C];
    T* dst = y + nc * plane;
#pragma omp simd
    for (int64_t i = 0; i < plane; ++i) dst[i] += bc;
  }
}

// Threads to use over the images, or 1 to go image by image with a threaded gemm.
int image_threads(const Conv2dShape& s, const Dims& d) {
  const double macs = static_cast<double>(s.N) * static_cast<double>(s.K) *
                      static_cast<double>(d.PQ) * static_cast<double>(d.CRS);
  const int nt = threads_for(macs, kMinMacsPerThread);
  return s.N >= nt ? nt : 1;
}

// Runs body(n, thread) for every image; threaded over images when nt > 1.
template <typename F>
void for_each_image(int64_t N, int nt, F&& body) {
#ifdef _OPENMP
  if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t n = 0; n < N; ++n) body(n, omp_get_thread_num());
    return;
  }
#endif
  for (int64_t n = 0; n < N; ++n) body(n, 0);
}

// The column matrix of one image's group of channels xg: im2col into cols, or xg itself.
template <typename T>
const T* columns(T* cols, const T* xg, int64_t Cg, const Conv2dShape& s) {
  if (is_pointwise(s)) return xg;
  im2col(cols, xg, Cg, s);
  return cols;
}

// One image's y[n] (K, P, Q) from x[n] (C, H, W), plus bias (null: none) added to each tile of the product as it
// is finished (a pass over the whole output afterwards was a tenth of a (64,3,32,32) -> 32 convolution); cols is
// CRS*PQ scratch.
template <typename T>
void forward_image(T* y, const T* x, const T* w, const T* bias, T* cols, const Conv2dShape& s, const Dims& d) {
  for (int64_t g = 0; g < s.groups; ++g) {
    const T* b = columns(cols, x + g * d.Cg * d.HW, d.Cg, s);
    gemm_bias_act<T>(false, false, d.Kg, d.PQ, d.CRS, w + g * d.Kg * d.CRS, d.CRS, b, d.PQ,
                     bias != nullptr ? bias + g * d.Kg : nullptr, false, y + g * d.Kg * d.PQ, d.PQ, BiasOf::rows);
  }
}

// acc[k] += sum of dy[k] over the plane, for one image's dy (K, PQ).
template <typename T>
void add_channel_sums(T* acc, const T* dy, int64_t K, int64_t PQ) {
  for (int64_t k = 0; k < K; ++k) {
    const T* src = dy + k * PQ;
    T part = T(0);
#pragma omp simd reduction(+ : part)
    for (int64_t i = 0; i < PQ; ++i) part += src[i];
    acc[k] += part;
  }
}

// One image's input gradient dx[n] (C, H, W) from dy[n] (K, P, Q); cols is scratch.
template <typename T>
void input_grad_image(T* dx, const T* dy, const T* w, T* cols, const Conv2dShape& s,
                      const Dims& d) {
  const bool pointwise = is_pointwise(s);
  if (!pointwise) std::fill(dx, dx + s.C * d.HW, T(0));
  for (int64_t g = 0; g < s.groups; ++g) {
    T* dxg = dx + g * d.Cg * d.HW;
    T* out = pointwise ? dxg : cols;
    gemm<T>(true, false, d.CRS, d.PQ, d.Kg, T(1), w + g * d.Kg * d.CRS, d.CRS,
            dy + g * d.Kg * d.PQ, d.PQ, T(0), out, d.PQ);
    if (!pointwise) col2im_add(dxg, cols, d.Cg, s);
  }
}

// dw (K, Cg, R, S) += dy[n] . im2col(x[n])^T for one image; cols is scratch.
template <typename T>
void weight_grad_image(T* dw, const T* dy, const T* x, T* cols, const Conv2dShape& s,
                       const Dims& d) {
  for (int64_t g = 0; g < s.groups; ++g) {
    const T* b = columns(cols, x + g * d.Cg * d.HW, d.Cg, s);
    gemm<T>(false, true, d.Kg, d.CRS, d.PQ, T(1), dy + g * d.Kg * d.PQ, d.PQ, b, d.PQ, T(1),
            dw + g * d.Kg * d.CRS, d.CRS);
  }
}

}  // namespace

template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s) {
  const Dims d = dims_of(s);
  if (s.N == 0 || s.K == 0 || d.PQ == 0) return;
  const int nt = image_threads(s, d);
  const int64_t ws = is_pointwise(s) ? 0 : d.CRS * d.PQ;
  std::vector<T> cols(static_cast<size_t>(ws * nt));
  for_each_image(s.N, nt, [&](int64_t n, int t) {
    forward_image(y + n * s.K * d.PQ, x + n * s.C * d.HW, w, b, cols.data() + t * ws, s, d);
  });
}

template <typename T>
void conv2d_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                     const Conv2dShape& s) {
  const Dims d = dims_of(s);
  const int64_t wsize = s.K * d.CRS;
  if (dw) std::fill(dw, dw + wsize, T(0));
  if (dx && (d.PQ == 0 || s.K == 0)) std::fill(dx, dx + s.N * s.C * d.HW, T(0));
  if (s.N == 0 || s.K == 0 || d.PQ == 0 || (!dx && !dw)) {
    if (db) channel_sum(db, dy, s.N, s.K, d.PQ);
    return;
  }
  const int nt = image_threads(s, d);
  const int64_t ws = is_pointwise(s) ? 0 : d.CRS * d.PQ;
  std::vector<T> cols(static_cast<size_t>(ws * nt));
  // Threads other than 0 sum their images' weight gradients apart, added in at the end.
  std::vector<T> dw_parts(dw ? static_cast<size_t>(wsize * (nt - 1)) : 0, T(0));
  // db summed image by image as well, each thread apart: reading an image's dy here also brings it into cache for
  // the products below, where a separate pass over all of dy came back from memory
  std::vector<T> db_parts(db ? static_cast<size_t>(s.K * nt) : 0, T(0));
  for_each_image(s.N, nt, [&](int64_t n, int t) {
    T* scratch = cols.data() + t * ws;
    const T* dyn = dy + n * s.K * d.PQ;
    if (db) add_channel_sums(db_parts.data() + t * s.K, dyn, s.K, d.PQ);
    if (dw) {
      T* acc = t == 0 ? dw : dw_parts.data() + (t - 1) * wsize;
      weight_grad_image(acc, dyn, x + n * s.C * d.HW, scratch, s, d);
    }
    if (dx) input_grad_image(dx + n * s.C * d.HW, dyn, w, scratch, s, d);
  });
  for (int t = 1; t < nt && dw; ++t) {
    const T* part = dw_parts.data() + (t - 1) * wsize;
#pragma omp simd
    for (int64_t i = 0; i < wsize; ++i) dw[i] += part[i];
  }
  if (db) {
    std::copy(db_parts.begin(), db_parts.begin() + s.K, db);
    for (int t = 1; t < nt; ++t) {
      for (int64_t k = 0; k < s.K; ++k) db[k] += db_parts[t * s.K + k];
    }
  }
}

template <typename T>
void conv_transpose2d_forward(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s) {
  conv2d_backward<T>(y, nullptr, nullptr, x, nullptr, w, s);
  if (b) add_channel_bias(y, b, s.N, s.C, s.H * s.W);
}

template <typename T>
void conv_transpose2d_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                               const Conv2dShape& s) {
  if (dx) conv2d_forward<T>(dx, dy, w, nullptr, s);
  if (dw) conv2d_backward<T>(nullptr, dw, nullptr, x, dy, w, s);
  if (db) channel_sum(db, dy, s.N, s.C, s.H * s.W);
}

// ---- references ----------------------------------------------------------------------------

template <typename T>
void conv2d_forward_naive(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s) {
  const Dims d = dims_of(s);
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t k = 0; k < s.K; ++k)
      for (int64_t p = 0; p < s.P; ++p)
        for (int64_t q = 0; q < s.Q; ++q) {
          T acc = b ? b[k] : T(0);
          const int64_t g = k / d.Kg;
          for (int64_t c = 0; c < d.Cg; ++c)
            for (int64_t r = 0; r < s.R; ++r)
              for (int64_t t = 0; t < s.S; ++t) {
                const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
                const int64_t v = q * s.stride_w - s.pad_w + t * s.dil_w;
                if (h < 0 || h >= s.H || v < 0 || v >= s.W) continue;
                acc += w[((k * d.Cg + c) * s.R + r) * s.S + t] *
                       x[((n * s.C + g * d.Cg + c) * s.H + h) * s.W + v];
              }
          y[((n * s.K + k) * s.P + p) * s.Q + q] = acc;
        }
}

template <typename T>
void conv2d_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                           const Conv2dShape& s) {
  const Dims d = dims_of(s);
  if (dx) std::fill(dx, dx + s.N * s.C * d.HW, T(0));
  if (dw) std::fill(dw, dw + s.K * d.CRS, T(0));
  if (db) std::fill(db, db + s.K, T(0));
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t k = 0; k < s.K; ++k)
      for (int64_t p = 0; p < s.P; ++p)
        for (int64_t q = 0; q < s.Q; ++q) {
          const T g_out = dy[((n * s.K + k) * s.P + p) * s.Q + q];
          if (db) db[k] += g_out;
          const int64_t g = k / d.Kg;
          for (int64_t c = 0; c < d.Cg; ++c)
            for (int64_t r = 0; r < s.R; ++r)
              for (int64_t t = 0; t < s.S; ++t) {
                const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
                const int64_t v = q * s.stride_w - s.pad_w + t * s.dil_w;
                if (h < 0 || h >= s.H || v < 0 || v >= s.W) continue;
                const int64_t wi = ((k * d.Cg + c) * s.R + r) * s.S + t;
                const int64_t xi = ((n * s.C + g * d.Cg + c) * s.H + h) * s.W + v;
                if (dx) dx[xi] += w[wi] * g_out;
                if (dw) dw[wi] += x[xi] * g_out;
              }
        }
}

template <typename T>
void conv_transpose2d_forward_naive(T* y, const T* x, const T* w, const T* b,
                                    const Conv2dShape& s) {
  conv2d_backward_naive<T>(y, nullptr, nullptr, x, nullptr, w, s);
  if (!b) return;
  for (int64_t nc = 0; nc < s.N * s.C; ++nc)
    for (int64_t i = 0; i < s.H * s.W; ++i) y[nc * s.H * s.W + i] += b[nc % s.C];
}

template <typename T>
void conv_transpose2d_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                                     const Conv2dShape& s) {
  if (dx) conv2d_forward_naive<T>(dx, dy, w, nullptr, s);
  if (dw) conv2d_backward_naive<T>(nullptr, dw, nullptr, x, dy, w, s);
  if (!db) return;
  std::fill(db, db + s.C, T(0));
  for (int64_t nc = 0; nc < s.N * s.C; ++nc)
    for (int64_t i = 0; i < s.H * s.W; ++i) db[nc % s.C] += dy[nc * s.H * s.W + i];
}

#define DEEPGRAD_INSTANTIATE_CONV(T)                                                            \
  template void conv2d_forward<T>(T*, const T*, const T*, const T*, const Conv2dShape&);        \
  template void conv2d_backward<T>(T*, T*, T*, const T*, const T*, const T*,                    \
                                   const Conv2dShape&);                                         \
  template void conv_transpose2d_forward<T>(T*, const T*, const T*, const T*,                   \
                                            const Conv2dShape&);                                \
  template void conv_transpose2d_backward<T>(T*, T*, T*, const T*, const T*, const T*,          \
                                             const Conv2dShape&);                               \
  template void conv2d_forward_naive<T>(T*, const T*, const T*, const T*, const Conv2dShape&);  \
  template void conv2d_backward_naive<T>(T*, T*, T*, const T*, const T*, const T*,              \
                                         const Conv2dShape&);                                   \
  template void conv_transpose2d_forward_naive<T>(T*, const T*, const T*, const T*,             \
                                                  const Conv2dShape&);                          \
  template void conv_transpose2d_backward_naive<T>(T*, T*, T*, const T*, const T*, const T*,    \
                                                   const Conv2dShape&);

DEEPGRAD_INSTANTIATE_CONV(float)
DEEPGRAD_INSTANTIATE_CONV(double)

}  // namespace deepgrad
