// Bindings of the pointwise kernels (erf, GELU, dropout): checks and conversion only; results are new arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "array_checks.h"
#include "deepgrad/dropout.h"
#include "deepgrad/pointwise.h"

namespace py = pybind11;
using deepgrad_bind::ReleaseGilFor;

namespace {

template <typename T>
using Contiguous = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <typename T>
py::array_t<T> like(const Contiguous<T>& x) {
  return py::array_t<T>(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
}

// f(T{}) with T the float type of x; a TypeError naming the op otherwise.
template <typename F>
py::array by_dtype(const char* op, const py::array& x, F&& f) {
  if (x.dtype().is(py::dtype::of<float>())) return f(float{});
  if (x.dtype().is(py::dtype::of<double>())) return f(double{});
  throw py::type_error(std::string(op) + ": expected a float32 or float64 array, got " + std::string(py::str(x.dtype())));
}

}  // namespace

void bind_pointwise(py::module_& m) {
  m.def(
      "erf",
      [](py::array x) -> py::array {
        return by_dtype("erf", x, [&](auto tag) -> py::array {
          using T = decltype(tag);
          Contiguous<T> xc(x);
          auto y = like(xc);
          {  // the GIL is back before y is converted for return
            ReleaseGilFor unlocked(static_cast<double>(xc.size()) * 16);
            deepgrad::erf_forward<T>(y.mutable_data(), xc.data(), xc.size());
          }
          return y;
        });
      },
      py::arg("x"), "erf(x) elementwise, a new array of x's shape and dtype.");
  m.def(
      "gelu",
      [](py::array x, bool tanh_approx) -> py::array {
        return by_dtype("gelu", x, [&](auto tag) -> py::array {
          using T = decltype(tag);
          Contiguous<T> xc(x);
          auto y = like(xc);
          {
            ReleaseGilFor unlocked(static_cast<double>(xc.size()) * 16);
            deepgrad::gelu_forward<T>(y.mutable_data(), xc.data(), xc.size(), tanh_approx);
          }
          return y;
        });
      },
      py::arg("x"), py::arg("tanh_approx") = false,
      "GELU(x) = x Phi(x) elementwise (tanh_approx: the tanh form), a new array of x's shape and dtype.");
  m.def(
      "dropout",
      [](py::array x, double p, uint64_t seed) -> py::tuple {
        if (!(p >= 0.0 && p < 1.0)) throw py::value_error("dropout: p must be in [0, 1), got " + std::to_string(p));
        py::array y, mask;
        by_dtype("dropout", x, [&](auto tag) -> py::array {
          using T = decltype(tag);
          Contiguous<T> xc(x);
          auto yt = like(xc);
          auto mt = like(xc);
          {
            ReleaseGilFor unlocked(static_cast<double>(xc.size()) * 8);
            deepgrad::dropout_forward<T>(yt.mutable_data(), mt.mutable_data(), xc.data(), xc.size(), p, seed);
          }
          y = yt;
          mask = mt;
          return yt;
        });
        return py::make_tuple(y, mask);
      },
      py::arg("x"), py::arg("p"), py::arg("seed"),
      "Inverted dropout: (y, mask) with mask = 1/(1-p) where kept (u >= p, u from a hash of seed and the index) "
      "and 0 elsewhere, y = x * mask.");
  m.def(
      "gelu_backward",
      [](py::array dy, py::array x, bool tanh_approx) -> py::array {
        return by_dtype("gelu_backward", x, [&](auto tag) -> py::array {
          using T = decltype(tag);
          Contiguous<T> xc(x);
          if (!dy.dtype().is(x.dtype())) {
            throw py::type_error("gelu_backward: dy has dtype " + std::string(py::str(dy.dtype())) + " but x has " +
                                 std::string(py::str(x.dtype())));
          }
          Contiguous<T> dyc(dy);
          if (dyc.ndim() != xc.ndim() || !std::equal(xc.shape(), xc.shape() + xc.ndim(), dyc.shape())) {
            throw py::value_error("gelu_backward: dy has shape " + deepgrad_bind::shape_str(deepgrad_bind::dims_of(dyc)) +
                                  " but x has shape " + deepgrad_bind::shape_str(deepgrad_bind::dims_of(xc)));
          }
          auto dx = like(xc);
          {
            ReleaseGilFor unlocked(static_cast<double>(xc.size()) * 16);
            deepgrad::gelu_backward<T>(dx.mutable_data(), dyc.data(), xc.data(), xc.size(), tanh_approx);
          }
          return dx;
        });
      },
      py::arg("dy"), py::arg("x"), py::arg("tanh_approx") = false,
      "dy * GELU'(x) elementwise, a new array of x's shape and dtype.");
}
