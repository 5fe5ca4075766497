// 2-D average pooling over NCHW f32 tensors, PyTorch nn.AvgPool2d semantics (floor mode).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct AvgPool2dOptions {
  int kernel_h = 2, kernel_w = 2;
  int stride_h = 2, stride_w = 2;
  int pad_h = 0, pad_w = 0;  // each <= half its kernel (PyTorch rule)
  bool count_include_pad = true;  // divisor: whole window (true) or valid inputs only

  // kernel x kernel window; PyTorch's default stride equals the kernel.
  static AvgPool2dOptions square(int kernel, int stride, int pad = 0,
                                 bool count_include_pad = true) {
    return {kernel, kernel, stride, stride, pad, pad, count_include_pad};
  }
};

// x: [N, C, H, W] -> [N, C, OH, OW], OH = (H + 2*pad_h - kernel_h) / stride_h + 1.
Tensor avg_pool2d(const ExecContext &ctx, const Tensor &x, const AvgPool2dOptions &opts = {});

}  // namespace aigc::ops
