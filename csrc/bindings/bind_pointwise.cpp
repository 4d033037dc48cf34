// Bindings of the pointwise kernels: checks and conversion only.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "deepgrad/pointwise.h"

namespace py = pybind11;

namespace {

template <typename T>
py::array_t<T> erf_array(py::array_t<T, py::array::c_style | py::array::forcecast> x) {
  py::array_t<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  const T* src = x.data();
  T* dst = y.mutable_data();
  const int64_t n = x.size();
  {
    py::gil_scoped_release release;
    deepgrad::erf_forward<T>(dst, src, n);
  }
  return y;
}

}  // namespace

void bind_pointwise(py::module_& m) {
  m.def(
      "erf",
      [](py::array x) -> py::array {
        if (x.dtype().is(py::dtype::of<float>())) return erf_array<float>(x);
        if (x.dtype().is(py::dtype::of<double>())) return erf_array<double>(x);
        throw py::type_error("erf: expected a float32 or float64 array, got " +
                             std::string(py::str(x.dtype())));
      },
      py::arg("x"), "erf(x) elementwise, a new array of x's shape and dtype.");
}
