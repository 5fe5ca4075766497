#include "ops/softmax.hpp"

#include <cmath>

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor softmax(const ExecContext &ctx, const Tensor &x, const SoftmaxOptions &o) {
  constexpr const char *op = "softmax";
  Backend &b = backend_of(ctx, op);
  AIGC_CHECK(x.defined(), Status::invalid_argument, "{}: x is missing", op);
  check_device(ctx, op, {&x, &o.mask});
  check_dtype_in(op, "x", x, {DType::f32});
  AIGC_CHECK(x.rank() >= 1, Status::shape_mismatch, "{}: x must have at least 1 dim, got {}", op,
             x.describe());
  if (o.mask.defined()) {
    check_dtype_in(op, "mask", o.mask, {DType::f32});
    AIGC_CHECK(o.mask.rank() <= x.rank() && broadcast_shapes(o.mask.shape(), x.shape(), op) ==
                                                  x.shape(),
               Status::shape_mismatch, "{}: mask {} does not broadcast to x {}", op,
               o.mask.describe(), x.describe());
  }
  AIGC_CHECK(std::isfinite(o.scale), Status::invalid_argument, "{}: scale must be finite, got {}",
             op, o.scale);
  AIGC_CHECK(!o.causal || x.rank() >= 2, Status::shape_mismatch,
             "{}: causal softmax needs x [..., Tq, Tk], got {}", op, x.describe());
  check_supported(ctx, OpKind::softmax, x.dtype());
  SoftmaxArgs args{x, o.mask, o.scale, o.causal, o.causal_offset, b.empty(x.shape(), x.dtype())};
  b.run<OpKind::softmax>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
