// Matrix products: batched matmul (attention-style code) and linear (every model layer).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct MatmulOptions {
  bool trans_a = false;  // a is [..., K, M]
  bool trans_b = false;  // b is [..., N, K]
  float alpha = 1.f;     // scales a @ b (not the bias)
  Tensor bias;           // optional f32 [N], added after scaling
};

// out f32 [..., M, N] = alpha * op(a) @ op(b) + bias.
// a: f32 [..., M, K]; b: f32/f16/bf16 [..., K, N], or a q8_0/q4_0 2-D contiguous [N, K]
// weight with trans_b. Batch dims broadcast numpy-style (a [B, H, M, K] with b [1, H, K, N]
// or b 2-D).
Tensor matmul(const ExecContext &ctx, const Tensor &a, const Tensor &b,
              const MatmulOptions &options = {});

// out [..., N] = x[..., K] @ w^T + bias. w: [N, K] (f32, f16, bf16, q8_0, q4_0);
// bias: optional f32 [N]. x's leading dims are flattened into rows so the kernel sees
// one [M, K] x [K, N] product.
Tensor linear(const ExecContext &ctx, const Tensor &x, const Tensor &w, const Tensor &bias = {});

}  // namespace aigc::ops
