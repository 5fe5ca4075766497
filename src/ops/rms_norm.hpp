// Root-mean-square normalisation (LLaMA RMSNorm).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x: f32 [..., D]; y = x / sqrt(mean(x^2) + eps) * weight over the last dim.
// weight: optional f32 [D]; eps > 0.
Tensor rms_norm(const ExecContext &ctx, const Tensor &x, const Tensor &weight = {},
                float eps = 1e-6f);

}  // namespace aigc::ops
