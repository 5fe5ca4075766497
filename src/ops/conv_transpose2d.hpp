// 2-D transposed convolution over NCHW f32 tensors, PyTorch nn.ConvTranspose2d semantics
// (stride, padding, dilation, output_padding, groups, optional bias).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct ConvTranspose2dOptions {
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int output_pad_h = 0, output_pad_w = 0;  // each < max(stride, dilation) of its axis
  int groups = 1;

  static ConvTranspose2dOptions square(int stride, int pad, int output_pad = 0,
                                       int dilation = 1, int groups = 1) {
    return {stride, stride, pad, pad, dilation, dilation, output_pad, output_pad, groups};
  }
};

// x: [N, Cin, H, W], w: [Cin, Cout/groups, KH, KW] (PyTorch layout), bias: [Cout] or
// undefined. Returns [N, Cout, OH, OW] with
// OH = (H-1)*stride_h - 2*pad_h + dilation_h*(KH-1) + output_pad_h + 1.
Tensor conv_transpose2d(const ExecContext &ctx, const Tensor &x, const Tensor &w,
                        const Tensor &bias, const ConvTranspose2dOptions &opts = {});

inline int64_t conv_transpose_out_size(int64_t in, int64_t kernel, int stride, int pad,
                                       int dilation, int output_pad) {
  return (in - 1) * stride - 2 * int64_t(pad) + int64_t(dilation) * (kernel - 1) + output_pad + 1;
}

}  // namespace aigc::ops
