// max/avg/adaptive-avg pooling (see pool.h). Threads over the N*C planes; within a plane the
// inner loops run along an output row (one window tap at a time) so they vectorise.
#include "deepgrad/pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <limits>
#include <vector>

#include "deepgrad/parallel.h"
#include "window.h"

namespace deepgrad {

namespace {

constexpr double kMinWorkPerThread = 1 << 15;

// Runs body(plane, scratch) for the N*C planes, with `scratch` elements of per-thread space.
template <typename T, typename F>
void for_each_plane(const Pool2dShape& s, double work_per_plane, int64_t scratch, F&& body) {
  const int64_t planes = s.N * s.C;
  const int nt = threads_for(work_per_plane * static_cast<double>(planes), kMinWorkPerThread);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<T> buf(static_cast<size_t>(scratch));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < planes; ++i) body(i, buf.data());
  }
}

// One axis of an avg_pool2d window (PyTorch's rule): input range [lo, hi) and the window's
// size clipped to the padded input.
struct Span {
  int64_t lo, hi, padded;
};

Span avg_span(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t len) {
  const int64_t start = o * stride - pad;
  const int64_t end = std::min(start + k, len + pad);
  return {std::max<int64_t>(start, 0), std::min(end, len), end - start};
}

// 1 / divisor of the window (h, w), or 0 for a window with no input element.
template <typename T>
T avg_scale(const Span& h, const Span& w, bool count_include_pad, int64_t divisor_override) {
  if (h.lo >= h.hi || w.lo >= w.hi) return T(0);
  const int64_t div = divisor_override != 0 ? divisor_override
                      : count_include_pad  ? h.padded * w.padded
                                           : (h.hi - h.lo) * (w.hi - w.lo);
  return T(1) / static_cast<T>(div);
}

// PyTorch's adaptive window along one axis: [floor(o*len/out), ceil((o+1)*len/out)).
void adaptive_span(int64_t o, int64_t out, int64_t len, int64_t& lo, int64_t& hi) {
  lo = (o * len) / out;
  hi = ((o + 1) * len + out - 1) / out;
}

}  // namespace

// Index ranges hoisted out of the loops (the divisions behind them cost more than a small
// window): for each window tap t, the outputs q in [q_lo[t], q_hi[t]) whose column
// q*stride_w - pad_w + t*dil_w lies inside the input; for each output row p, the window
// rows r in [r_lo[p], r_hi[p]) that do.
struct TapRanges {
  std::vector<int64_t> q_lo, q_hi, r_lo, r_hi;
  explicit TapRanges(const Pool2dShape& s)
      : q_lo(static_cast<size_t>(s.S)), q_hi(q_lo.size()), r_lo(static_cast<size_t>(s.P)),
        r_hi(r_lo.size()) {
    for (int64_t t = 0; t < s.S; ++t)
      detail::valid_range(t * s.dil_w - s.pad_w, s.stride_w, s.W, s.Q, q_lo[t], q_hi[t]);
    for (int64_t p = 0; p < s.P; ++p)
      detail::valid_range(p * s.stride_h - s.pad_h, s.dil_h, s.H, s.R, r_lo[p], r_hi[p]);
  }
};

// take (all ones or zero) ? a : b, on the bits so that no branch is emitted.
template <typename T>
T select_bits(int64_t take, T a, T b) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits ba, bb;
  std::memcpy(&ba, &a, sizeof(T));
  std::memcpy(&bb, &b, sizeof(T));
  const Bits m = static_cast<Bits>(take);
  const Bits r = (ba & m) | (bb & ~m);
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dShape& s) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  const TapRanges taps(s);
  for_each_plane<T>(s, static_cast<double>(PQ * s.R * s.S), 0, [&](int64_t i, T*) {
    const T* xp = x + i * HW;
    const int64_t W = s.W, stride_w = s.stride_w;
    for (int64_t p = 0; p < s.P; ++p) {
      T* yr = y + i * PQ + p * s.Q;
      int64_t* ir = indices + i * PQ + p * s.Q;
      std::fill(yr, yr + s.Q, -std::numeric_limits<T>::infinity());
      std::fill(ir, ir + s.Q, int64_t(-1));
      // Taps in window order (row-major) with the outputs of the row innermost: the outputs
      // are independent, so their compare-select chains overlap.
      for (int64_t r = taps.r_lo[p]; r < taps.r_hi[p]; ++r) {
        const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
        for (int64_t t = 0; t < s.S; ++t) {
          const int64_t base = h * W + t * s.dil_w - s.pad_w;
          for (int64_t q = taps.q_lo[t]; q < taps.q_hi[t]; ++q) {
            const int64_t at = base + q * stride_w;
            const T v = xp[at];
            // First maximum wins, NaN propagates (as PyTorch). Bitwise selects: compilers
            // turn a ?: back into a branch, which mispredicts on every other tap.
            const int64_t take = -static_cast<int64_t>((v > yr[q]) | (v != v) | (ir[q] < 0));
            yr[q] = select_bits(take, v, yr[q]);
            ir[q] = (at & take) | (ir[q] & ~take);
          }
        }
      }
    }
  });
}

template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, const Pool2dShape& s) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  for_each_plane<T>(s, static_cast<double>(PQ + HW), 0, [&](int64_t i, T*) {
    T* dxp = dx + i * HW;
    std::fill(dxp, dxp + HW, T(0));
    const T* g = dy + i * PQ;
    const int64_t* ip = indices + i * PQ;
    for (int64_t j = 0; j < PQ; ++j) {
      if (ip[j] >= 0 && ip[j] < HW) dxp[ip[j]] += g[j];
    }
  });
}

template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                        int64_t divisor_override) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  const TapRanges taps(s);
  for_each_plane<T>(s, static_cast<double>(PQ * s.R * s.S), 0, [&](int64_t i, T*) {
    const T* xp = x + i * HW;
    for (int64_t p = 0; p < s.P; ++p) {
      T* yr = y + i * PQ + p * s.Q;
      std::fill(yr, yr + s.Q, T(0));
      const Span sh = avg_span(p, s.stride_h, s.pad_h, s.R, s.H);
      for (int64_t h = sh.lo; h < sh.hi; ++h) {
        for (int64_t t = 0; t < s.S; ++t) {
          const T* row = xp + h * s.W + t - s.pad_w;
          for (int64_t q = taps.q_lo[t]; q < taps.q_hi[t]; ++q) yr[q] += row[q * s.stride_w];
        }
      }
      for (int64_t q = 0; q < s.Q; ++q) {
        const Span sw = avg_span(q, s.stride_w, s.pad_w, s.S, s.W);
        yr[q] *= avg_scale<T>(sh, sw, count_include_pad, divisor_override);
      }
    }
  });
}

template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                         int64_t divisor_override) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  const TapRanges taps(s);
  for_each_plane<T>(s, static_cast<double>(PQ * s.R * s.S), s.Q, [&](int64_t i, T* g) {
    T* dxp = dx + i * HW;
    std::fill(dxp, dxp + HW, T(0));
    for (int64_t p = 0; p < s.P; ++p) {
      const T* gr = dy + i * PQ + p * s.Q;
      const Span sh = avg_span(p, s.stride_h, s.pad_h, s.R, s.H);
      for (int64_t q = 0; q < s.Q; ++q) {
        const Span sw = avg_span(q, s.stride_w, s.pad_w, s.S, s.W);
        g[q] = gr[q] * avg_scale<T>(sh, sw, count_include_pad, divisor_override);
      }
      for (int64_t h = sh.lo; h < sh.hi; ++h) {
        for (int64_t t = 0; t < s.S; ++t) {
          T* row = dxp + h * s.W + t - s.pad_w;
          for (int64_t q = taps.q_lo[t]; q < taps.q_hi[t]; ++q) row[q * s.stride_w] += g[q];
        }
      }
    }
  });
}

// Separable: average along each row's column windows into (H, Q), then along the row windows.
template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, const Pool2dShape& s) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  for_each_plane<T>(s, static_cast<double>(HW + PQ), s.H * s.Q, [&](int64_t i, T* tmp) {
    const T* xp = x + i * HW;
    for (int64_t q = 0; q < s.Q; ++q) {
      int64_t lo, hi;
      adaptive_span(q, s.Q, s.W, lo, hi);
      const T scale = T(1) / static_cast<T>(hi - lo);
      for (int64_t h = 0; h < s.H; ++h) {
        T acc = T(0);
        for (int64_t w = lo; w < hi; ++w) acc += xp[h * s.W + w];
        tmp[h * s.Q + q] = acc * scale;
      }
    }
    for (int64_t p = 0; p < s.P; ++p) {
      int64_t lo, hi;
      adaptive_span(p, s.P, s.H, lo, hi);
      const T scale = T(1) / static_cast<T>(hi - lo);
      T* yr = y + i * PQ + p * s.Q;
      std::fill(yr, yr + s.Q, T(0));
      for (int64_t h = lo; h < hi; ++h) {
#pragma omp simd
        for (int64_t q = 0; q < s.Q; ++q) yr[q] += tmp[h * s.Q + q];
      }
      for (int64_t q = 0; q < s.Q; ++q) yr[q] *= scale;
    }
  });
}

template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, const Pool2dShape& s) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  for_each_plane<T>(s, static_cast<double>(HW + PQ), s.H * s.Q, [&](int64_t i, T* tmp) {
    std::fill(tmp, tmp + s.H * s.Q, T(0));
    for (int64_t p = 0; p < s.P; ++p) {
      int64_t lo, hi;
      adaptive_span(p, s.P, s.H, lo, hi);
      const T scale = T(1) / static_cast<T>(hi - lo);
      const T* gr = dy + i * PQ + p * s.Q;
      for (int64_t h = lo; h < hi; ++h) {
#pragma omp simd
        for (int64_t q = 0; q < s.Q; ++q) tmp[h * s.Q + q] += gr[q] * scale;
      }
    }
    T* dxp = dx + i * HW;
    std::fill(dxp, dxp + HW, T(0));
    for (int64_t q = 0; q < s.Q; ++q) {
      int64_t lo, hi;
      adaptive_span(q, s.Q, s.W, lo, hi);
      const T scale = T(1) / static_cast<T>(hi - lo);
      for (int64_t h = 0; h < s.H; ++h) {
        const T g = tmp[h * s.Q + q] * scale;
        for (int64_t w = lo; w < hi; ++w) dxp[h * s.W + w] += g;
      }
    }
  });
}

// ---- references ----------------------------------------------------------------------------

template <typename T>
void max_pool2d_forward_naive(T* y, int64_t* indices, const T* x, const Pool2dShape& s) {
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        T best = -std::numeric_limits<T>::infinity();
        int64_t arg = -1;
        for (int64_t r = 0; r < s.R; ++r)
          for (int64_t t = 0; t < s.S; ++t) {
            const int64_t h = p * s.stride_h - s.pad_h + r * s.dil_h;
            const int64_t w = q * s.stride_w - s.pad_w + t * s.dil_w;
            if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;
            const T v = x[(i * s.H + h) * s.W + w];
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = h * s.W + w;
            }
          }
        y[(i * s.P + p) * s.Q + q] = best;
        indices[(i * s.P + p) * s.Q + q] = arg;
      }
}

template <typename T>
void max_pool2d_backward_naive(T* dx, const T* dy, const int64_t* indices,
                               const Pool2dShape& s) {
  const int64_t HW = s.H * s.W, PQ = s.P * s.Q;
  std::fill(dx, dx + s.N * s.C * HW, T(0));
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t j = 0; j < PQ; ++j) {
      const int64_t at = indices[i * PQ + j];
      if (at >= 0 && at < HW) dx[i * HW + at] += dy[i * PQ + j];
    }
}

template <typename T>
void avg_pool2d_forward_naive(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                              int64_t divisor_override) {
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        const Span sh = avg_span(p, s.stride_h, s.pad_h, s.R, s.H);
        const Span sw = avg_span(q, s.stride_w, s.pad_w, s.S, s.W);
        T acc = T(0);
        for (int64_t h = sh.lo; h < sh.hi; ++h)
          for (int64_t w = sw.lo; w < sw.hi; ++w) acc += x[(i * s.H + h) * s.W + w];
        y[(i * s.P + p) * s.Q + q] =
            acc * avg_scale<T>(sh, sw, count_include_pad, divisor_override);
      }
}

template <typename T>
void avg_pool2d_backward_naive(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                               int64_t divisor_override) {
  std::fill(dx, dx + s.N * s.C * s.H * s.W, T(0));
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        const Span sh = avg_span(p, s.stride_h, s.pad_h, s.R, s.H);
        const Span sw = avg_span(q, s.stride_w, s.pad_w, s.S, s.W);
        const T g = dy[(i * s.P + p) * s.Q + q] *
                    avg_scale<T>(sh, sw, count_include_pad, divisor_override);
        for (int64_t h = sh.lo; h < sh.hi; ++h)
          for (int64_t w = sw.lo; w < sw.hi; ++w) dx[(i * s.H + h) * s.W + w] += g;
      }
}

template <typename T>
void adaptive_avg_pool2d_forward_naive(T* y, const T* x, const Pool2dShape& s) {
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0, h1, w0, w1;
        adaptive_span(p, s.P, s.H, h0, h1);
        adaptive_span(q, s.Q, s.W, w0, w1);
        T acc = T(0);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) acc += x[(i * s.H + h) * s.W + w];
        y[(i * s.P + p) * s.Q + q] = acc / static_cast<T>((h1 - h0) * (w1 - w0));
      }
}

template <typename T>
void adaptive_avg_pool2d_backward_naive(T* dx, const T* dy, const Pool2dShape& s) {
  std::fill(dx, dx + s.N * s.C * s.H * s.W, T(0));
  for (int64_t i = 0; i < s.N * s.C; ++i)
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0, h1, w0, w1;
        adaptive_span(p, s.P, s.H, h0, h1);
        adaptive_span(q, s.Q, s.W, w0, w1);
        const T g = dy[(i * s.P + p) * s.Q + q] / static_cast<T>((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dx[(i * s.H + h) * s.W + w] += g;
      }
}

#define DEEPGRAD_INSTANTIATE_POOL(T)                                                            \
  template void max_pool2d_forward<T>(T*, int64_t*, const T*, const Pool2dShape&);              \
  template void max_pool2d_backward<T>(T*, const T*, const int64_t*, const Pool2dShape&);       \
  template void avg_pool2d_forward<T>(T*, const T*, const Pool2dShape&, bool, int64_t);         \
  template void avg_pool2d_backward<T>(T*, const T*, const Pool2dShape&, bool, int64_t);        \
  template void adaptive_avg_pool2d_forward<T>(T*, const T*, const Pool2dShape&);               \
  template void adaptive_avg_pool2d_backward<T>(T*, const T*, const Pool2dShape&);              \
  template void max_pool2d_forward_naive<T>(T*, int64_t*, const T*, const Pool2dShape&);        \
  template void max_pool2d_backward_naive<T>(T*, const T*, const int64_t*, const Pool2dShape&); \
  template void avg_pool2d_forward_naive<T>(T*, const T*, const Pool2dShape&, bool, int64_t);   \
  template void avg_pool2d_backward_naive<T>(T*, const T*, const Pool2dShape&, bool, int64_t);  \
  template void adaptive_avg_pool2d_forward_naive<T>(T*, const T*, const Pool2dShape&);         \
  template void adaptive_avg_pool2d_backward_naive<T>(T*, const T*, const Pool2dShape&);

DEEPGRAD_INSTANTIATE_POOL(float)
DEEPGRAD_INSTANTIATE_POOL(double)

}  // namespace deepgrad
