// Fused optimizer steps: one pass over a parameter and its state instead of a chain of array operations.
//
// Adam / AdamW (torch.optim.Adam's single-tensor algorithm, step already incremented by the caller):
//   g = -grad if maximize else grad
//   weight_decay: decoupled -> p *= 1 - lr * wd;  else g = g + wd * p
//   m = lerp(m, g, 1 - beta1)                      (torch's two-sided lerp)
//   v = beta2 * v + (1 - beta2) * g * g;  amsgrad: vmax = max(vmax, v), used in place of v
//   p += (-lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// Each scalar is rounded to T first and every operation is done in T in that order, so the result is the
// NumPy formulation's, bit for bit (this file is compiled without FMA contraction).
//
// p, grad, m, v, vmax: (n,) contiguous; vmax only read when amsgrad.
#pragma once

#include <cstdint>

namespace deepgrad {

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay, step;
  bool amsgrad, maximize, decoupled_weight_decay;
};

template <typename T>
void adam_step(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamOptions& o);

}  // namespace deepgrad
