// General matrix multiply, float and double.
//
//   C = alpha * op(A) @ op(B) + beta * C
//
// Shapes (all row-major):
//   op(A): M x K.  A is stored M x K (lda >= K), or K x M when trans_a (lda >= M).
//   op(B): K x N.  B is stored K x N (ldb >= N), or N x K when trans_b (ldb >= K).
//   C:     M x N   (ldc >= N).
// beta == 0 ignores C's previous contents, so NaN/Inf in an uninitialised C do not leak.
// K == 0 gives C = beta * C.  C must not overlap A or B.
#pragma once

#include <cstdint>
#include <memory>

namespace deepgrad {

// Fast path: packed panels, cache blocking, SIMD micro-kernel chosen at run time,
// OpenMP threads (get_num_threads()); small operands are read in place rather than packed,
// and matrix-vector-like problems go through an unpacked loop.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
          const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Which of C's dimensions gemm_bias_act's bias runs along: one value per column (Linear: y = x W^T + b) or per
// row (convolution: y = W cols + b, a row per output channel).
enum class BiasOf { columns, rows };

// C = op(A) @ op(B) + bias, then max(C, 0) when relu: the Linear layer's and the convolution's forward epilogue.
// bias (N values, one per column of C, or M, one per row) may be null. The blocked path adds the bias and applies
// the ReLU to each micro-tile of C right after its last product, while the tile is in L1 (no pass over C before or
// after the product); the paths without tiles (matrix-vector like products) apply them in one pass at the end.
template <typename T>
void gemm_bias_act(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                   const T* B, int64_t ldb, const T* bias, bool relu, T* C, int64_t ldc,
                   BiasOf bias_of = BiasOf::columns);

// Reference: the textbook triple loop. Slow; what the tests check gemm against.
template <typename T>
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// `batch` independent products: problem i uses A + i*stride_a, B + i*stride_b, C + i*stride_c.
// A stride of 0 broadcasts that operand across the batch (stride_c must not be 0 when batch > 1).
// Threads go over the batch when it is large enough, otherwise into each product.
template <typename T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                  const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
                  int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);

// A B operand packed once for many products with different A (the LSTM's W_hh: one product per time step),
// so that each product skips the packing gemm would redo. Keeps B's pointer too: products that gemm would run
// without panels (matrix-vector like ones) read B itself, which must outlive this.
template <typename T>
struct PackedB {
  bool trans_b;
  int64_t K, N;
  const T* B;
  int64_t ldb;
  std::shared_ptr<T> panels;  // 64-byte aligned (the packer writes panels with aligned stores); null when gemm
                              // would not use panels for this B (N wider than one block)
  int nr, kc;                 // the micro-kernel geometry they were packed for
  bool whole_k;               // panels nr wide spanning all of K, for the few-rows kernel (products of <= 16 rows)
};

// M: the row count of the products it will serve; no panels are made where those would not use them.
template <typename T>
PackedB<T> gemm_pack_b(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb, int64_t M);

// C = alpha * op(A) @ op(B) + beta * C with op(B) from gemm_pack_b: the same result as gemm.
template <typename T>
void gemm_packed(bool trans_a, int64_t M, T alpha, const T* A, int64_t lda, const PackedB<T>& B, T beta, T* C,
                 int64_t ldc);

// gemm_naive over a batch, same conventions as gemm_batched (single-threaded).
template <typename T>
void gemm_naive_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                        const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
                        int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b,
                        int64_t stride_c);

}  // namespace deepgrad
