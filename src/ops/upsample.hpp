// Integer-factor 2-D upsampling of NCHW f32 tensors: PyTorch F.interpolate with
// mode="nearest" or mode="bilinear", align_corners=False.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x: [N, C, H, W] -> [N, C, H*factor, W*factor]; factor >= 1.
Tensor upsample(const ExecContext &ctx, const Tensor &x, UpsampleMode mode, int factor = 2);

}  // namespace aigc::ops
