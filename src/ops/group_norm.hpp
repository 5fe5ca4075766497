// Group normalisation (PyTorch nn.GroupNorm).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x: f32 [N, C, *]; statistics over each of `groups` groups of C/groups channels and all
// spatial positions; weight/bias: optional f32 [C]. groups must divide C; eps > 0.
Tensor group_norm(const ExecContext &ctx, const Tensor &x, int groups, const Tensor &weight = {},
                  const Tensor &bias = {}, float eps = 1e-5f);

}  // namespace aigc::ops
