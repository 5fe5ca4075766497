// Shared between matmul.cu (entry point, cuBLAS paths) and matmul_quant.cu (kernels that
// read [N, K] weights of any type directly: the decode gemv and the quantized prefill).
#pragma once

#include <memory>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {

// out[m, n] = alpha * sum_k a[m, k] * w[n, k] + bias[n] with f32 activation rows and a
// weight in the [N, K] layout (contiguous rows; Linear's layout).
struct WeightProduct {
  const float *a = nullptr;  // [M, K], row stride lda (any, 0 included), unit column stride
  int64_t lda = 0;
  int64_t M = 0, K = 0;
  const void *w = nullptr;  // [N, K] contiguous rows of w_type
  DType w_type = DType::f32;
  int64_t N = 0;
  const float *bias = nullptr;  // [N] contiguous, or null
  float alpha = 1.f;
  float *out = nullptr;  // [M, N] contiguous
};

// Products of up to this many activation rows take the gemv kernels (any weight type,
// f32 arithmetic on the exact weights); above it f16/bf16 weights go to cuBLAS and
// quantized weights are decoded to f16 panels for it.
constexpr int64_t kGemvMaxRows = 8;

// matmul_quant.cu: gemv for M <= kGemvMaxRows (every weight type), quantized weights
// with more rows through decoded f16 panels and gemm_half_nt.
void weight_product(const ExecContext &ctx, const WeightProduct &p);

// ---- matmul.cu helpers ----------------------------------------------------------------
// Copies rows a[M, K] (row stride lda) into a new contiguous [M, K] buffer of `to`
// (f16 or bf16), queued on the stream; the buffer lives as long as the returned holder.
std::shared_ptr<void> rows_to_half(const ExecContext &ctx, const float *a, int64_t lda, int64_t M,
                                   int64_t K, DType to);
// out[m, n] = bias[n] (or 0 without bias) for an [M, N] block with row stride N.
void fill_bias_rows(const ExecContext &ctx, float *out, int64_t M, int64_t N, const float *bias);
// out[m, n] (row stride ldo) = alpha * sum_k a[m, k] * w[n, k] + beta * out[m, n] on tensor
// cores with f32 accumulation; a [M, K] contiguous and w [N, K] (row stride ldw) of
// `type` (f16 or bf16). Takes the backend's cuBLAS lock.
void gemm_half_nt(const ExecContext &ctx, DType type, const void *a, int64_t M, int64_t K,
                  const void *w, int64_t ldw, int64_t N, float alpha, float beta, float *out,
                  int64_t ldo);

}  // namespace aigc::cuda
