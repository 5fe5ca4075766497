// The down, mid and up blocks of diffusers' UNet2DConditionModel
// (diffusers/models/unets/unet_2d_blocks.py: CrossAttnDownBlock2D / DownBlock2D,
// UNetMidBlock2DCrossAttn, CrossAttnUpBlock2D / UpBlock2D; diffusers/models/downsampling.py
// Downsample2D, upsampling.py Upsample2D). A block "with attention" interleaves a
// Transformer2DModel after every ResnetBlock2D.
#pragma once

#include <vector>

#include "nn/resnet_block.hpp"
#include "nn/transformer2d.hpp"

namespace aigc::models::sd {

// What every block shares.
struct UNetBlockOptions {
  int64_t temb_channels = 1280;
  int groups = 32;
  float eps = 1e-5f;
  bool has_attention = false;        // CrossAttn* block
  nn::Transformer2DOptions attention;  // heads, layers, context dim, projection kind
};

// CrossAttnDownBlock2D / DownBlock2D: num_layers x (resnet [+ attention]), then an optional
// Downsample2D ("downsamplers.0.conv": 3x3, stride 2, padding 1). Every layer's output and
// the downsampled output are pushed onto `skips` for the up path.
struct UNetDownBlock {
  std::vector<nn::ResnetBlock2D> resnets;
  std::vector<nn::Transformer2DModel> attentions;
  nn::Conv2d downsampler;  // undefined weight: no downsampling (last block)
  static UNetDownBlock load(const nn::Scope &scope, int64_t in_channels, int64_t out_channels,
                            int64_t num_layers, bool add_downsample, const UNetBlockOptions &options);
  // h: [N, in, H, W] -> [N, out, H/2 or H, ...]
  Tensor operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context,
                    std::vector<Tensor> &skips) const;
};

// UNetMidBlock2DCrossAttn: resnets[0], then num_layers x (attention, resnet).
struct UNetMidBlock {
  std::vector<nn::ResnetBlock2D> resnets;
  std::vector<nn::Transformer2DModel> attentions;
  static UNetMidBlock load(const nn::Scope &scope, int64_t channels, int64_t num_layers,
                           const UNetBlockOptions &options);
  Tensor operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context) const;
};

// CrossAttnUpBlock2D / UpBlock2D: num_layers x (concat(h, skips.pop()) -> resnet [+ attention]),
// then an optional Upsample2D (nearest x2 + "upsamplers.0.conv" 3x3 padding 1).
struct UNetUpBlock {
  std::vector<nn::ResnetBlock2D> resnets;
  std::vector<nn::Transformer2DModel> attentions;
  nn::Conv2d upsampler;  // undefined weight: no upsampling (last block)
  // skip_channels[i]: channels of the skip tensor layer i consumes (the last pushed first).
  static UNetUpBlock load(const nn::Scope &scope, int64_t prev_output_channels, int64_t out_channels,
                          const std::vector<int64_t> &skip_channels, bool add_upsample,
                          const UNetBlockOptions &options);
  Tensor operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context,
                    std::vector<Tensor> &skips) const;
};

}  // namespace aigc::models::sd
