// deepgrad._C.adam_step: checks, then the fused kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/optim.h"

namespace py = pybind11;
using namespace deepgrad_bind;

void bind_optim(py::module_& m) {
  m.def(
      "adam_step",
      [](py::array param, py::array grad, py::array exp_avg, py::array exp_avg_sq, py::object max_exp_avg_sq,
         double lr, double beta1, double beta2, double eps, double weight_decay, double step, bool amsgrad,
         bool maximize, bool decoupled_weight_decay) {
        const char* op = "adam_step";
        is_float32(op, "param", param);
        const std::vector<int64_t> shape = dims_of(param);
        check_array(op, "param", param, param.dtype(), shape, true);
        check_array(op, "grad", grad, param.dtype(), shape, false);
        check_array(op, "exp_avg", exp_avg, param.dtype(), shape, true);
        check_array(op, "exp_avg_sq", exp_avg_sq, param.dtype(), shape, true);
        if (amsgrad && max_exp_avg_sq.is_none()) throw py::value_error("adam_step: amsgrad needs max_exp_avg_sq");
        const deepgrad::AdamOptions o{lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize,
                                      decoupled_weight_decay};
        const int64_t n = param.size();
        with_dtype(param, [&](auto tag) {
          using T = decltype(tag);
          T* vmax = optional_ptr<T>(op, "max_exp_avg_sq", max_exp_avg_sq, param.dtype(), shape, true);
          T* p = static_cast<T*>(param.mutable_data());
          const T* g = static_cast<const T*>(grad.data());
          T* m1 = static_cast<T*>(exp_avg.mutable_data());
          T* m2 = static_cast<T*>(exp_avg_sq.mutable_data());
          ReleaseGilFor unlocked(static_cast<double>(n) * 8);
          deepgrad::adam_step<T>(p, g, m1, m2, vmax, n, o);
        });
      },
      py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"),
      py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("step"),
      py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"),
      "One Adam/AdamW step in place on contiguous arrays of one shape and dtype (see deepgrad/optim.h).");
}
