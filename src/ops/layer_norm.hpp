// Layer normalisation over trailing dims (PyTorch nn.LayerNorm).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x: f32 [..., *normalized_shape]; mean and variance over the trailing dims given by
// normalized_shape (rank >= 1, total size >= 1); weight/bias: optional f32 tensors of
// exactly normalized_shape. eps > 0. Strided x is made contiguous first.
Tensor layer_norm(const ExecContext &ctx, const Tensor &x, const Shape &normalized_shape,
                  const Tensor &weight = {}, const Tensor &bias = {}, float eps = 1e-5f);

}  // namespace aigc::ops
