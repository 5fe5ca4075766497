// diffusers ResnetBlock2D (diffusers/models/resnet.py), the residual block of the Stable
// Diffusion UNet and of AutoencoderKL:
//   h = conv1(SiLU(norm1(x)))  (+ time_emb_proj(SiLU(temb))[:, :, None, None])
//   h = conv2(SiLU(norm2(h)))            (dropout is identity at inference)
//   out = shortcut(x) + h                (conv_shortcut 1x1 when in != out; scale factor 1)
#pragma once

#include "nn/conv_layers.hpp"

namespace aigc::nn {

struct ResnetBlock2D {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2;
  Linear time_emb_proj;  // weight [out, temb] (undefined when temb_channels == 0)
  Conv2d conv_shortcut;  // weight [out, in, 1, 1] (undefined when in == out)
  int64_t in_channels = 0, out_channels = 0, temb_channels = 0;

  // temb_channels 0: no time embedding (VAE). groups/eps: both GroupNorms.
  static ResnetBlock2D load(const Scope &scope, int64_t in_channels, int64_t out_channels,
                            int64_t temb_channels, int groups, float eps);
  // x: [N, in, H, W]; temb: [N, temb_channels] (undefined when temb_channels == 0)
  // -> [N, out, H, W]
  Tensor operator()(const ExecContext &ctx, const Tensor &x, const Tensor &temb) const;
};

}  // namespace aigc::nn
