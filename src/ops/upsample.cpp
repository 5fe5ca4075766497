#include "ops/upsample.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor upsample(const ExecContext &ctx, const Tensor &x, UpsampleMode mode, int factor) {
  constexpr const char *op = "upsample";
  Backend &b = backend_of(ctx, op);
  check_rank(op, "x", x, 4);
  check_device(ctx, op, {&x});
  check_dtype_in(op, "x", x, {DType::f32});
  AIGC_CHECK(mode == UpsampleMode::nearest || mode == UpsampleMode::bilinear,
             Status::invalid_argument, "upsample: unknown mode {}", int(mode));
  AIGC_CHECK(factor >= 1, Status::invalid_argument, "upsample: factor must be >= 1, got {}",
             factor);
  // x: [N, C, H, W]
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  AIGC_CHECK(c > 0 && h > 0 && w > 0, Status::shape_mismatch,
             "upsample: x {} has an empty channel or spatial dim", x.describe());
  check_supported(ctx, OpKind::upsample, x.dtype());

  UpsampleArgs args;
  args.x = x;
  args.mode = mode;
  args.factor = factor;
  args.out = b.empty({n, c, h * factor, w * factor}, x.dtype());
  if (n == 0) return args.out;
  b.run<OpKind::upsample>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
