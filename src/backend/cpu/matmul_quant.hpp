// out = alpha * a @ w^T + bias for a half-precision or block-quantized weight w [N, K]
// (f16, bf16, q8_0, q4_0, q4_1; f32 for the gemv only), our own AVX2/FMA kernels: oneDNN 2.6 on AVX2 has no fast
// f32 x f16/bf16/int4 matmul. Two strategies:
//  - gemv: few activation rows (token-by-token decode). Each weight row is streamed once
//    from memory and dotted with every row; q8_0/q4_0/q4_1 quantize the activation to
//    16-bit blocks first and use int16 dot products (NMSE ~2e-10 vs f32 activations;
//    ggml's 8-bit blocks, ~2e-5, flipped greedy tokens of a 30-layer model).
//  - dequant_gemm: many rows (prompt processing). Weight panels are decoded to f32 in a
//    small per-call scratch buffer and multiplied with oneDNN's sgemm.
#pragma once

#include <cstdint>

#include "aigc/core/dtype.hpp"

namespace aigc::cpu {

enum class WeightPath { automatic, gemv, dequant_gemm };

struct WeightMatmulParams {
  const float *a = nullptr;  // [M, K], row stride lda, unit column stride
  int64_t lda = 0;
  int64_t M = 0, K = 0;
  const void *w = nullptr;  // [N, K] contiguous rows of `w_type`
  DType w_type = DType::f16;
  int64_t N = 0;
  const float *bias = nullptr;  // [N] or null
  float alpha = 1.f;
  float *out = nullptr;  // [M, N], row stride ldo
  int64_t ldo = 0;
};

// Largest M for which `automatic` picks the gemv strategy (measured crossover).
int64_t weight_gemv_max_rows(DType w_type);

// Runs with n_threads OpenMP threads. K must be a multiple of 32 for q8_0/q4_0/q4_1.
void weight_matmul(const WeightMatmulParams &p, int n_threads,
                   WeightPath path = WeightPath::automatic);

}  // namespace aigc::cpu
