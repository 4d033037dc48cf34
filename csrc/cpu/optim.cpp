// adam_step; the algorithm and its rounding contract are in optim.h.
#include "deepgrad/optim.h"

#include <algorithm>
#include <cmath>

#include "deepgrad/parallel.h"

namespace deepgrad {

namespace {

template <typename T>
struct AdamScalars {
  T sign, wd, decay_factor, lerp_w, lerp_1mw, beta2, one_minus_beta2, neg_step_size, bc2_sqrt, eps;
  bool lerp_small;
};

// One block of elements; the options are template arguments so that the loop has no branches and vectorises.
template <typename T, bool Coupled, bool Decoupled, bool Amsgrad>
void adam_block(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v, T* __restrict vmax,
                int64_t begin, int64_t end, const AdamScalars<T>& c) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    T g = c.sign * grad[i];  // -grad when maximising (exact)
    if (Coupled) g = g + c.wd * p[i];
    if (Decoupled) p[i] = p[i] * c.decay_factor;
    const T mi = c.lerp_small ? m[i] + c.lerp_w * (g - m[i]) : g - (g - m[i]) * c.lerp_1mw;
    m[i] = mi;
    T vi = v[i] * c.beta2;
    vi = vi + c.one_minus_beta2 * g * g;
    v[i] = vi;
    if (Amsgrad) {
      vi = vmax[i] > vi || vmax[i] != vmax[i] ? vmax[i] : vi;  // np.maximum: NaN wins
      vmax[i] = vi;
    }
    const T denom = std::sqrt(vi) / c.bc2_sqrt + c.eps;
    p[i] = p[i] + c.neg_step_size * mi / denom;
  }
}

template <typename T, bool Coupled, bool Decoupled>
void adam_run(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, bool amsgrad, const AdamScalars<T>& c) {
  // blocks of 4096: each a vectorised loop, split over threads only for large parameters
  constexpr int64_t kBlock = 4096;
  const int nt = threads_for(static_cast<double>(n), 1 << 16);
  parallel_for((n + kBlock - 1) / kBlock, nt, [&](int64_t block) {
    const int64_t begin = block * kBlock, end = std::min(n, begin + kBlock);
    if (amsgrad) {
      adam_block<T, Coupled, Decoupled, true>(p, grad, m, v, vmax, begin, end, c);
    } else {
      adam_block<T, Coupled, Decoupled, false>(p, grad, m, v, vmax, begin, end, c);
    }
  });
}

}  // namespace

template <typename T>
void adam_step(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamOptions& o) {
  AdamScalars<T> c;
  c.sign = o.maximize ? T(-1) : T(1);
  c.wd = static_cast<T>(o.weight_decay);
  c.decay_factor = static_cast<T>(1 - o.lr * o.weight_decay);
  c.lerp_small = 1 - o.beta1 < 0.5;
  c.lerp_w = static_cast<T>(1 - o.beta1);
  c.lerp_1mw = T(1) - c.lerp_w;
  c.beta2 = static_cast<T>(o.beta2);
  c.one_minus_beta2 = static_cast<T>(1 - o.beta2);
  c.neg_step_size = static_cast<T>(-(o.lr / (1 - std::pow(o.beta1, o.step))));
  c.bc2_sqrt = static_cast<T>(std::pow(1 - std::pow(o.beta2, o.step), 0.5));  // Python's ** 0.5
  c.eps = static_cast<T>(o.eps);
  const bool decay = o.weight_decay != 0;
  if (decay && o.decoupled_weight_decay) {
    adam_run<T, false, true>(p, grad, m, v, vmax, n, o.amsgrad, c);
  } else if (decay) {
    adam_run<T, true, false>(p, grad, m, v, vmax, n, o.amsgrad, c);
  } else {
    adam_run<T, false, false>(p, grad, m, v, vmax, n, o.amsgrad, c);
  }
}

template void adam_step<float>(float*, const float*, float*, float*, float*, int64_t, const AdamOptions&);
template void adam_step<double>(double*, const double*, double*, double*, double*, int64_t, const AdamOptions&);

}  // namespace deepgrad
