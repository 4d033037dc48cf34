// deepgrad._C.attention_forward / attention_backward (+ _naive twins): checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/attention.h"

namespace py = pybind11;
using namespace deepgrad_bind;

namespace {

// The mask arguments as the kernel takes them; checks that every batch-head's slice lies inside the mask.
template <typename T>
deepgrad::AttentionMask<T> mask_of(const std::string& op, const py::object& allow, const py::object& add,
                                   const py::object& offsets, int64_t row_stride, const deepgrad::AttentionShape& s,
                                   const py::dtype& dt) {
  deepgrad::AttentionMask<T> mask;
  if (allow.is_none() && add.is_none()) return mask;
  if (!allow.is_none() && !add.is_none()) throw py::value_error(op + ": give at most one of allow and add");
  const py::object& m = allow.is_none() ? add : allow;
  if (!py::isinstance<py::array>(m)) throw py::type_error(op + ": the mask must be a NumPy array");
  auto ma = py::reinterpret_borrow<py::array>(m);
  check_array(op, "mask", ma, allow.is_none() ? dt : py::dtype::of<bool>(), {-1}, false);
  mask.offsets = optional_ptr<const int64_t>(op, "offsets", offsets, py::dtype::of<int64_t>(), {s.BH}, false);
  if (mask.offsets == nullptr) throw py::value_error(op + ": a mask needs offsets");
  if (row_stride < 0) throw py::value_error(op + ": row_stride must be >= 0");
  for (int64_t b = 0; b < s.BH; ++b) {
    const int64_t o = mask.offsets[b];
    if (o < 0 || (s.L > 0 && o + (s.L - 1) * row_stride + s.S > ma.shape(0))) {
      throw py::value_error(op + ": mask slice of batch-head " + std::to_string(b) + " lies outside the mask");
    }
  }
  mask.row_stride = row_stride;
  if (allow.is_none()) {
    mask.add = static_cast<const T*>(ma.data());
  } else {
    mask.allow = static_cast<const uint8_t*>(ma.data());
  }
  return mask;
}

// Checks q (BH, L, E), k (BH, S, E), v (BH, S, Ev): float32/float64, contiguous, matching; returns the sizes.
deepgrad::AttentionShape check_qkv(const std::string& op, const py::array& q, const py::array& k, const py::array& v,
                                   double scale, bool causal) {
  is_float32(op, "q", q);
  check_array(op, "q", q, q.dtype(), {-1, -1, -1}, false);
  const int64_t BH = q.shape(0), L = q.shape(1), E = q.shape(2);
  check_array(op, "k", k, q.dtype(), {BH, -1, E}, false);
  const int64_t S = k.shape(1);
  check_array(op, "v", v, q.dtype(), {BH, S, -1}, false);
  return deepgrad::AttentionShape{BH, L, S, E, v.shape(2), scale, causal};
}

template <bool Naive>
void forward(py::array out, py::array lse, py::array q, py::array k, py::array v, py::object allow, py::object add,
             py::object offsets, int64_t row_stride, double scale, bool causal) {
  const std::string op = Naive ? "attention_forward_naive" : "attention_forward";
  const deepgrad::AttentionShape s = check_qkv(op, q, k, v, scale, causal);
  check_array(op, "out", out, q.dtype(), {s.BH, s.L, s.Ev}, true);
  check_array(op, "lse", lse, q.dtype(), {s.BH, s.L}, true);
  with_dtype(q, [&](auto tag) {
    using T = decltype(tag);
    const auto mask = mask_of<T>(op, allow, add, offsets, row_stride, s, q.dtype());
    T* op_ = static_cast<T*>(out.mutable_data());
    T* lp = static_cast<T*>(lse.mutable_data());
    const T* qp = static_cast<const T*>(q.data());
    const T* kp = static_cast<const T*>(k.data());
    const T* vp = static_cast<const T*>(v.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::attention_forward_naive<T> : deepgrad::attention_forward<T>)(op_, lp, qp, kp, vp, mask, s);
  });
}

template <bool Naive>
void backward(py::object dq, py::object dk, py::object dv, py::array dout, py::array q, py::array k, py::array v,
              py::array out, py::array lse, py::object allow, py::object add, py::object offsets, int64_t row_stride,
              double scale, bool causal) {
  const std::string op = Naive ? "attention_backward_naive" : "attention_backward";
  const deepgrad::AttentionShape s = check_qkv(op, q, k, v, scale, causal);
  const int64_t BH = s.BH, L = s.L, S = s.S, E = s.E, Ev = s.Ev;
  check_array(op, "out", out, q.dtype(), {BH, L, Ev}, false);
  check_array(op, "dout", dout, q.dtype(), {BH, L, Ev}, false);
  check_array(op, "lse", lse, q.dtype(), {BH, L}, false);
  with_dtype(q, [&](auto tag) {
    using T = decltype(tag);
    const auto mask = mask_of<T>(op, allow, add, offsets, row_stride, s, q.dtype());
    T* dqp = optional_ptr<T>(op, "dq", dq, q.dtype(), {BH, L, E}, true);
    T* dkp = optional_ptr<T>(op, "dk", dk, q.dtype(), {BH, S, E}, true);
    T* dvp = optional_ptr<T>(op, "dv", dv, q.dtype(), {BH, S, Ev}, true);
    const T* dop = static_cast<const T*>(dout.data());
    const T* qp = static_cast<const T*>(q.data());
    const T* kp = static_cast<const T*>(k.data());
    const T* vp = static_cast<const T*>(v.data());
    const T* op_ = static_cast<const T*>(out.data());
    const T* lp = static_cast<const T*>(lse.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::attention_backward_naive<T> : deepgrad::attention_backward<T>)(dqp, dkp, dvp, dop, qp, kp, vp,
                                                                                        op_, lp, mask, s);
  });
}

}  // namespace

void bind_attention(py::module_& m) {
  const char* fdoc =
      "out (BH, L, Ev), lse (BH, L) written in place from q (BH, L, E), k (BH, S, E), v (BH, S, Ev); mask: "
      "allow (bool) or add (float), flat, batch-head b's (L, S) slice at offsets[b], rows row_stride apart.";
  m.def("attention_forward", &forward<false>, py::arg("out"), py::arg("lse"), py::arg("q"), py::arg("k"),
        py::arg("v"), py::arg("allow") = py::none(), py::arg("add") = py::none(), py::arg("offsets") = py::none(),
        py::arg("row_stride") = 0, py::arg("scale") = 1.0, py::arg("causal") = false, fdoc);
  m.def("attention_forward_naive", &forward<true>, py::arg("out"), py::arg("lse"), py::arg("q"), py::arg("k"),
        py::arg("v"), py::arg("allow") = py::none(), py::arg("add") = py::none(), py::arg("offsets") = py::none(),
        py::arg("row_stride") = 0, py::arg("scale") = 1.0, py::arg("causal") = false);
  m.def("attention_backward", &backward<false>, py::arg("dq"), py::arg("dk"), py::arg("dv"), py::arg("dout"),
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("lse"), py::arg("allow") = py::none(),
        py::arg("add") = py::none(), py::arg("offsets") = py::none(), py::arg("row_stride") = 0,
        py::arg("scale") = 1.0, py::arg("causal") = false,
        "dq, dk, dv (each may be None) from dout and the forward's out and lse; same mask arguments.");
  m.def("attention_backward_naive", &backward<true>, py::arg("dq"), py::arg("dk"), py::arg("dv"), py::arg("dout"),
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("lse"), py::arg("allow") = py::none(),
        py::arg("add") = py::none(), py::arg("offsets") = py::none(), py::arg("row_stride") = 0,
        py::arg("scale") = 1.0, py::arg("causal") = false);
}
