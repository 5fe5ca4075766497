#include "ops/conv2d.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor conv2d(const ExecContext &ctx, const Tensor &x, const Tensor &w, const Tensor &bias,
              const Conv2dOptions &o) {
  constexpr const char *op = "conv2d";
  Backend &b = backend_of(ctx, op);
  check_rank(op, "x", x, 4);
  check_rank(op, "w", w, 4);
  check_device(ctx, op, {&x, &w, &bias});
  check_dtype_in(op, "x", x, {DType::f32});
  check_dtype_in(op, "w", w, {DType::f32});
  AIGC_CHECK(o.stride_h > 0 && o.stride_w > 0, Status::invalid_argument,
             "conv2d: stride must be positive, got ({}, {})", o.stride_h, o.stride_w);
  AIGC_CHECK(o.dilation_h > 0 && o.dilation_w > 0, Status::invalid_argument,
             "conv2d: dilation must be positive, got ({}, {})", o.dilation_h, o.dilation_w);
  AIGC_CHECK(o.pad_h >= 0 && o.pad_w >= 0, Status::invalid_argument,
             "conv2d: padding must be non-negative, got ({}, {})", o.pad_h, o.pad_w);
  AIGC_CHECK(o.groups > 0, Status::invalid_argument, "conv2d: groups must be positive, got {}",
             o.groups);

  // x: [N, Cin, H, W]; w: [Cout, Cin/groups, KH, KW]
  const int64_t n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t cout = w.size(0), kh = w.size(2), kw = w.size(3);
  AIGC_CHECK(cin > 0 && h > 0 && wd > 0, Status::shape_mismatch,
             "conv2d: x {} has an empty channel or spatial dim", x.describe());
  AIGC_CHECK(cout > 0 && kh > 0 && kw > 0, Status::shape_mismatch,
             "conv2d: w {} has an empty dim", w.describe());
  AIGC_CHECK(cin % o.groups == 0 && cout % o.groups == 0, Status::shape_mismatch,
             "conv2d: channels of x {} (in) and w {} (out) must be divisible by groups={}",
             x.describe(), w.describe(), o.groups);
  AIGC_CHECK(w.size(1) == cin / o.groups, Status::shape_mismatch,
             "conv2d: w {} must have Cin/groups = {} input channels (x {}, groups={})",
             w.describe(), cin / o.groups, x.describe(), o.groups);
  if (bias.defined()) {
    check_rank(op, "bias", bias, 1);
    check_dtype_in(op, "bias", bias, {DType::f32});
    AIGC_CHECK(bias.size(0) == cout, Status::shape_mismatch,
               "conv2d: bias {} must have Cout = {} elements (w {})", bias.describe(), cout,
               w.describe());
  }
  const int64_t oh = conv_out_size(h, kh, o.stride_h, o.pad_h, o.dilation_h);
  const int64_t ow = conv_out_size(wd, kw, o.stride_w, o.pad_w, o.dilation_w);
  AIGC_CHECK(oh > 0 && ow > 0, Status::shape_mismatch,
             "conv2d: input x {} with padding ({}, {}) is smaller than the dilated kernel of "
             "w {} (dilation ({}, {}))",
             x.describe(), o.pad_h, o.pad_w, w.describe(), o.dilation_h, o.dilation_w);
  check_supported(ctx, OpKind::conv2d, x.dtype());

  Conv2dArgs args;
  args.x = x;
  args.w = w;
  args.bias = bias;
  args.stride_h = o.stride_h;
  args.stride_w = o.stride_w;
  args.pad_h = o.pad_h;
  args.pad_w = o.pad_w;
  args.dilation_h = o.dilation_h;
  args.dilation_w = o.dilation_w;
  args.groups = o.groups;
  args.out = b.empty({n, cout, oh, ow}, x.dtype());
  if (n == 0) return args.out;  // empty batch: nothing to compute
  b.run<OpKind::conv2d>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
