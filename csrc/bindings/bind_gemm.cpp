// deepgrad._C.gemm / gemm_naive / gemm_prepacked: array checks, then the kernel with the GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>

#include "deepgrad/gemm.h"

namespace py = pybind11;

namespace {

std::string shape_of(const py::array& x) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < x.ndim(); ++i) {
    if (i) s += ", ";
    s += std::to_string(x.shape(i));
  }
  if (x.ndim() == 1) s += ",";
  return s + ")";
}

// 1 for native float32, 2 for native float64, 0 otherwise. Read straight off the array's
// descriptor: py::isinstance<py::array_t<T>> builds a dtype object on every call, which
// is a visible share of a small product's time.
int float_kind(const py::array& x) {
  const auto* d = py::detail::array_descriptor_proxy(py::detail::array_proxy(x.ptr())->descr);
  if (d->byteorder == '>') return 0;  // non-native on the little-endian machines we build for
  return d->type_num == py::detail::npy_api::NPY_FLOAT_ ? 1
         : d->type_num == py::detail::npy_api::NPY_DOUBLE_ ? 2
                                                           : 0;
}

std::string dims(int64_t r, int64_t c) { return std::to_string(r) + "x" + std::to_string(c); }

// Sizes and batch strides (in elements) of one batched product, after checking the arrays.
struct GemmCall {
  int64_t batch, M, N, K;
  int64_t stride_a, stride_b, stride_c;
  bool is_f32;
};

GemmCall check_gemm(const char* op, const py::array& a, const py::array& b, const py::array& c,
                    bool trans_a, bool trans_b) {
  const std::string name(op);
  const char* names[3] = {"a", "b", "c"};
  const py::array* arrays[3] = {&a, &b, &c};
  const int kind = float_kind(a);
  if (kind == 0) {
    throw py::type_error(name + ": a has dtype " + std::string(py::str(a.dtype())) +
                         "; expected float32 or float64");
  }
  for (int i = 1; i < 3; ++i) {
    if (float_kind(*arrays[i]) != kind) {
      throw py::type_error(name + ": dtypes differ: a is " + std::string(py::str(a.dtype())) +
                           " but " + names[i] + " is " +
                           std::string(py::str(arrays[i]->dtype())));
    }
  }
  for (int i = 0; i < 3; ++i) {
    const py::array& x = *arrays[i];
    if (x.ndim() != 3) {
      throw py::value_error(name + ": " + names[i] + " must be 3-D (batch, rows, cols), got shape " +
                            shape_of(x));
    }
    if (!(x.flags() & py::array::c_style)) {
      throw py::value_error(name + ": " + names[i] + " with shape " + shape_of(x) +
                            " is not C-contiguous");
    }
  }
  if (!c.writeable()) throw py::value_error(name + ": c is read-only");

  GemmCall g{};
  g.is_f32 = kind == 1;
  g.M = trans_a ? a.shape(2) : a.shape(1);
  g.K = trans_a ? a.shape(1) : a.shape(2);
  const int64_t kb = trans_b ? b.shape(2) : b.shape(1);
  g.N = trans_b ? b.shape(1) : b.shape(2);
  if (g.K != kb) {
    throw py::value_error(name + ": op(a) is " + dims(g.M, g.K) + " but op(b) is " +
                          dims(kb, g.N) + ": inner dimensions " + std::to_string(g.K) +
                          " != " + std::to_string(kb));
  }
  if (c.shape(1) != g.M || c.shape(2) != g.N) {
    throw py::value_error(name + ": c has shape " + shape_of(c) + " but op(a) @ op(b) is " +
                          dims(g.M, g.N) + " (a " + shape_of(a) + ", b " + shape_of(b) + ")");
  }
  g.batch = c.shape(0);
  for (int i = 0; i < 2; ++i) {
    const int64_t bi = arrays[i]->shape(0);
    if (bi != 1 && bi != g.batch) {
      throw py::value_error(name + ": " + names[i] + " has batch " + std::to_string(bi) +
                            " (shape " + shape_of(*arrays[i]) + ") but c has batch " +
                            std::to_string(g.batch) + "; expected 1 or " +
                            std::to_string(g.batch));
    }
  }
  g.stride_a = a.shape(0) == 1 ? 0 : g.M * g.K;
  g.stride_b = b.shape(0) == 1 ? 0 : g.K * g.N;
  g.stride_c = g.M * g.N;

  // Writing c while reading a or b would give garbage: refuse overlapping memory.
  const auto* c0 = static_cast<const char*>(c.data());
  const auto* c1 = c0 + c.nbytes();
  for (int i = 0; i < 2; ++i) {
    const auto* x0 = static_cast<const char*>(arrays[i]->data());
    const auto* x1 = x0 + arrays[i]->nbytes();
    if (c.nbytes() > 0 && arrays[i]->nbytes() > 0 && x0 < c1 && c0 < x1) {
      throw py::value_error(name + ": c overlaps " + names[i] + " in memory");
    }
  }
  return g;
}

// gemm_batched, its naive twin, or each product through gemm_pack_b + gemm_packed (as the LSTM runs them)
enum class Route { fast, naive, prepacked };

template <typename T>
void run_prepacked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                   const T* B, int64_t ldb, T beta, T* C, int64_t ldc, int64_t batch, int64_t stride_a,
                   int64_t stride_b, int64_t stride_c) {
  for (int64_t i = 0; i < batch; ++i) {
    const deepgrad::PackedB<T> packed = deepgrad::gemm_pack_b<T>(trans_b, K, N, B + i * stride_b, ldb, M);
    deepgrad::gemm_packed<T>(trans_a, M, alpha, A + i * stride_a, lda, packed, beta, C + i * stride_c, ldc);
  }
}

template <typename T>
void call(Route route, const GemmCall& g, const py::array& a, const py::array& b, py::array& c,
          bool trans_a, bool trans_b, double alpha, double beta) {
  const T* pa = static_cast<const T*>(a.data());
  const T* pb = static_cast<const T*>(b.data());
  T* pc = static_cast<T*>(c.mutable_data());
  // Row strides of the stored matrices: their last dimension.
  const int64_t lda = a.shape(2), ldb = b.shape(2), ldc = c.shape(2);
  auto fn = route == Route::naive       ? &deepgrad::gemm_naive_batched<T>
            : route == Route::prepacked ? &run_prepacked<T>
                                        : &deepgrad::gemm_batched<T>;
  // Releasing and retaking the GIL costs about as much as a tiny product: keep it then.
  const double macs = static_cast<double>(g.batch) * static_cast<double>(g.M) *
                      static_cast<double>(g.N) * static_cast<double>(g.K);
  std::optional<py::gil_scoped_release> release;
  if (macs >= 65536.0) release.emplace();
  fn(trans_a, trans_b, g.M, g.N, g.K, static_cast<T>(alpha), pa, lda, pb, ldb,
     static_cast<T>(beta), pc, ldc, g.batch, g.stride_a, g.stride_b, g.stride_c);
}

void gemm_entry(const char* op, Route route, const py::array& a, const py::array& b, py::array& c,
                bool trans_a, bool trans_b, double alpha, double beta) {
  const GemmCall g = check_gemm(op, a, b, c, trans_a, trans_b);
  if (g.is_f32) {
    call<float>(route, g, a, b, c, trans_a, trans_b, alpha, beta);
  } else {
    call<double>(route, g, a, b, c, trans_a, trans_b, alpha, beta);
  }
}

constexpr const char* kGemmDoc = R"doc(
c[i] = alpha * op(a[i]) @ op(b[i]) + beta * c[i], written into c in place.

a, b, c: C-contiguous 3-D arrays of one dtype (float32 or float64).
a is (batch_a, M, K), or (batch_a, K, M) when trans_a; b is (batch_b, K, N), or
(batch_b, N, K) when trans_b; c is (batch, M, N). batch_a and batch_b are 1 (the
matrix is used for every i) or batch. beta == 0 ignores c's previous contents.
Raises TypeError for dtypes, ValueError for shapes, layout or overlapping memory.
)doc";

}  // namespace

void bind_gemm(py::module_& m) {
  m.def(
      "gemm",
      [](const py::array& a, const py::array& b, py::array& c, bool trans_a, bool trans_b,
         double alpha, double beta) {
        gemm_entry("gemm", Route::fast, a, b, c, trans_a, trans_b, alpha, beta);
      },
      py::arg("a"), py::arg("b"), py::arg("c"), py::arg("trans_a"), py::arg("trans_b"),
      py::arg("alpha") = 1.0, py::arg("beta") = 0.0, kGemmDoc);
  m.def(
      "gemm_naive",
      [](const py::array& a, const py::array& b, py::array& c, bool trans_a, bool trans_b,
         double alpha, double beta) {
        gemm_entry("gemm_naive", Route::naive, a, b, c, trans_a, trans_b, alpha, beta);
      },
      py::arg("a"), py::arg("b"), py::arg("c"), py::arg("trans_a"), py::arg("trans_b"),
      py::arg("alpha") = 1.0, py::arg("beta") = 0.0,
      "The reference triple loop behind gemm, same arguments; for tests.");
  m.def(
      "gemm_prepacked",
      [](const py::array& a, const py::array& b, py::array& c, bool trans_a, bool trans_b,
         double alpha, double beta) {
        gemm_entry("gemm_prepacked", Route::prepacked, a, b, c, trans_a, trans_b, alpha, beta);
      },
      py::arg("a"), py::arg("b"), py::arg("c"), py::arg("trans_a"), py::arg("trans_b"),
      py::arg("alpha") = 1.0, py::arg("beta") = 0.0,
      "gemm with each b packed first (gemm_pack_b, then gemm_packed: the LSTM's route), same arguments; "
      "for tests.");
}
