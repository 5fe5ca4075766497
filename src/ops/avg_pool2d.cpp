#include "ops/avg_pool2d.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor avg_pool2d(const ExecContext &ctx, const Tensor &x, const AvgPool2dOptions &o) {
  constexpr const char *op = "avg_pool2d";
  Backend &b = backend_of(ctx, op);
  check_rank(op, "x", x, 4);
  check_device(ctx, op, {&x});
  check_dtype_in(op, "x", x, {DType::f32});
  AIGC_CHECK(o.kernel_h > 0 && o.kernel_w > 0, Status::invalid_argument,
             "avg_pool2d: kernel must be positive, got ({}, {})", o.kernel_h, o.kernel_w);
  AIGC_CHECK(o.stride_h > 0 && o.stride_w > 0, Status::invalid_argument,
             "avg_pool2d: stride must be positive, got ({}, {})", o.stride_h, o.stride_w);
  AIGC_CHECK(o.pad_h >= 0 && o.pad_w >= 0 && o.pad_h <= o.kernel_h / 2 &&
                 o.pad_w <= o.kernel_w / 2,
             Status::invalid_argument,
             "avg_pool2d: padding ({}, {}) must be non-negative and at most half the kernel "
             "({}, {})",
             o.pad_h, o.pad_w, o.kernel_h, o.kernel_w);

  // x: [N, C, H, W]
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  AIGC_CHECK(c > 0 && h > 0 && w > 0, Status::shape_mismatch,
             "avg_pool2d: x {} has an empty channel or spatial dim", x.describe());
  const int64_t oh = (h + 2 * int64_t(o.pad_h) - o.kernel_h) / o.stride_h + 1;
  const int64_t ow = (w + 2 * int64_t(o.pad_w) - o.kernel_w) / o.stride_w + 1;
  AIGC_CHECK(h + 2 * int64_t(o.pad_h) >= o.kernel_h && w + 2 * int64_t(o.pad_w) >= o.kernel_w,
             Status::shape_mismatch,
             "avg_pool2d: input x {} with padding ({}, {}) is smaller than the kernel ({}, {})",
             x.describe(), o.pad_h, o.pad_w, o.kernel_h, o.kernel_w);
  check_supported(ctx, OpKind::avg_pool2d, x.dtype());

  AvgPool2dArgs args;
  args.x = x;
  args.kernel_h = o.kernel_h;
  args.kernel_w = o.kernel_w;
  args.stride_h = o.stride_h;
  args.stride_w = o.stride_w;
  args.pad_h = o.pad_h;
  args.pad_w = o.pad_w;
  args.count_include_pad = o.count_include_pad;
  args.out = b.empty({n, c, oh, ow}, x.dtype());
  if (n == 0) return args.out;
  b.run<OpKind::avg_pool2d>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
