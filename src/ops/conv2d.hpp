// 2-D convolution over NCHW f32 tensors, PyTorch nn.Conv2d semantics
// (stride, zero padding, dilation, groups, optional bias).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct Conv2dOptions {
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;

  // Same value for both spatial axes (the common case in image models).
  static Conv2dOptions square(int stride, int pad, int dilation = 1, int groups = 1) {
    return {stride, stride, pad, pad, dilation, dilation, groups};
  }
};

// x: [N, Cin, H, W], w: [Cout, Cin/groups, KH, KW], bias: [Cout] or undefined.
// Returns [N, Cout, OH, OW] with OH = (H + 2*pad_h - dilation_h*(KH-1) - 1) / stride_h + 1.
Tensor conv2d(const ExecContext &ctx, const Tensor &x, const Tensor &w, const Tensor &bias,
              const Conv2dOptions &opts = {});

// Output length of a convolution along one axis (may be <= 0 when the input is smaller
// than the dilated kernel; callers report that).
inline int64_t conv_out_size(int64_t in, int64_t kernel, int stride, int pad, int dilation) {
  return (in + 2 * int64_t(pad) - int64_t(dilation) * (kernel - 1) - 1) / stride + 1;
}

}  // namespace aigc::ops
