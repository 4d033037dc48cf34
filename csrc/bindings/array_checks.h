// Argument checks shared by the bindings: dtype, rank, layout, exact shape.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deepgrad_bind {

namespace py = pybind11;

inline std::string shape_str(const std::vector<int64_t>& dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

inline std::vector<int64_t> dims_of(const py::array& a) {
  return std::vector<int64_t>(a.shape(), a.shape() + a.ndim());
}

// True for float32, false for float64; TypeError otherwise.
inline bool is_float32(const std::string& op, const std::string& name, const py::array& a) {
  if (a.dtype().is(py::dtype::of<float>())) return true;
  if (a.dtype().is(py::dtype::of<double>())) return false;
  throw py::type_error(op + ": " + name + " has dtype " + std::string(py::str(a.dtype())) +
                       "; expected float32 or float64");
}

// `a` must have dtype `like` (or int64 when `like` is None), be C-contiguous, have `shape`
// (entries < 0 are free) and, when `out`, be writeable.
inline void check_array(const std::string& op, const std::string& name, const py::array& a,
                        const py::dtype& like, const std::vector<int64_t>& shape, bool out) {
  if (!a.dtype().is(like)) {
    throw py::type_error(op + ": " + name + " has dtype " + std::string(py::str(a.dtype())) +
                         "; expected " + std::string(py::str(like)));
  }
  bool ok = a.ndim() == static_cast<py::ssize_t>(shape.size());
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || a.shape(i) == shape[i];
  if (!ok) {
    throw py::value_error(op + ": " + name + " has shape " + shape_str(dims_of(a)) +
                          "; expected " + shape_str(shape) + " (-1: any size)");
  }
  if (!(a.flags() & py::array::c_style)) {
    throw py::value_error(op + ": " + name + " is not C-contiguous");
  }
  if (out && !a.writeable()) throw py::value_error(op + ": " + name + " is read-only");
}

// The data pointer of an optional array (None -> nullptr), after check_array.
template <typename T>
T* optional_ptr(const std::string& op, const std::string& name, const py::object& o,
                const py::dtype& like, const std::vector<int64_t>& shape, bool out) {
  if (o.is_none()) return nullptr;
  if (!py::isinstance<py::array>(o)) {
    throw py::type_error(op + ": " + name + " must be a NumPy array or None");
  }
  auto a = py::reinterpret_borrow<py::array>(o);
  check_array(op, name, a, like, shape, out);
  return static_cast<T*>(out ? a.mutable_data() : const_cast<void*>(a.data()));
}

// Calls f(T{}) with T the float type of `a` (already checked to be float32 or float64).
template <typename F>
void with_dtype(const py::array& a, F&& f) {
  if (a.dtype().is(py::dtype::of<float>())) {
    f(float{});
  } else {
    f(double{});
  }
}

// Releases the GIL for the scope when the call does enough work for other Python threads to gain from it;
// for tiny calls the release and re-acquire would cost more than the kernel.
class ReleaseGilFor {
 public:
  explicit ReleaseGilFor(double work) {
    if (work > 32768) release_.emplace();
  }

 private:
  std::optional<py::gil_scoped_release> release_;
};

}  // namespace deepgrad_bind
