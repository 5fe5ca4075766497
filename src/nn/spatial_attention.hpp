// Single-block spatial self-attention over the pixels of a feature map: diffusers
// Attention as built by AutoencoderKL's UNetMidBlock2D (diffusers/models/attention_processor.py,
// AttnProcessor2_0 with group_norm, residual_connection=True, rescale_output_factor=1):
//   tokens = group_norm(x) as [N, H*W, C]
//   out = to_out.0(SDPA(to_q(tokens), to_k(tokens), to_v(tokens)))   (heads, scale 1/sqrt(C/heads))
//   return x + out as [N, C, H, W]
#pragma once

#include "nn/conv_layers.hpp"

namespace aigc::nn {

struct SpatialSelfAttention {
  GroupNorm group_norm;
  Linear to_q, to_k, to_v, to_out;  // each weight [C, C], bias [C]; to_out = "to_out.0"
  int64_t channels = 0;
  int heads = 1;

  static SpatialSelfAttention load(const Scope &scope, int64_t channels, int groups, float eps,
                                   int heads);
  // x: [N, C, H, W] -> [N, C, H, W]
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

}  // namespace aigc::nn
