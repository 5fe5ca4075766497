// Convolution and image-normalisation blocks with their weights (torch.nn names):
// Conv2d, ConvTranspose2d, GroupNorm, BatchNorm2d (eval mode). Weights stored as f16/bf16
// (TAESD ships f16) are widened to f32 at load: image models are small and the conv
// kernels run in f32.
#pragma once

#include "nn/layers.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"

namespace aigc::nn {

// torch.nn.Conv2d. weight [out, in/groups, kh, kw], bias [out].
struct Conv2d {
  Tensor weight, bias;
  ops::Conv2dOptions options;
  static Conv2d load(const Scope &scope, int64_t in_channels, int64_t out_channels, int64_t kernel,
                     const ops::Conv2dOptions &options, Bias bias = Bias::required);
  // x: [N, in, H, W] -> [N, out, OH, OW]
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// torch.nn.ConvTranspose2d. weight [in, out/groups, kh, kw], bias [out].
struct ConvTranspose2d {
  Tensor weight, bias;
  ops::ConvTranspose2dOptions options;
  static ConvTranspose2d load(const Scope &scope, int64_t in_channels, int64_t out_channels,
                              int64_t kernel, const ops::ConvTranspose2dOptions &options,
                              Bias bias = Bias::required);
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// torch.nn.GroupNorm(groups, channels, eps, affine=True): weight and bias [channels].
struct GroupNorm {
  Tensor weight, bias;
  int groups = 32;
  float eps = 1e-5f;
  static GroupNorm load(const Scope &scope, int groups, int64_t channels, float eps);
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;  // x: [N, C, *]
};

// torch.nn.BatchNorm1d/2d in eval mode, folded at load into y = x * scale + shift per
// channel (scale = weight / sqrt(running_var + eps), shift = bias - running_mean * scale).
// Loads weight, bias, running_mean, running_var [channels].
struct BatchNorm {
  Tensor scale, shift;  // f32 [channels]
  static BatchNorm load(const Scope &scope, int64_t channels, float eps);
  // x: [N, C] or [N, C, *]
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// A weight widened to f32 when stored as f16/bf16 (shared by the blocks above).
Tensor widen_to_f32(const Tensor &t);

}  // namespace aigc::nn
