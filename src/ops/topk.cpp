#include "ops/topk.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

TopkResult topk(const ExecContext &ctx, const Tensor &x, int k) {
  Backend &b = backend_of(ctx, "topk");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "topk: input is undefined");
  check_device(ctx, "topk", {&x});
  check_dtype_in("topk", "x", x, {DType::f32});
  AIGC_CHECK(x.rank() >= 1, Status::shape_mismatch, "topk: x must have rank >= 1, got {}",
             x.describe());
  AIGC_CHECK(k >= 1 && k <= x.size(-1), Status::invalid_argument,
             "topk: k = {} must be in [1, {}] for x {}", k, x.size(-1), x.describe());
  check_supported(ctx, OpKind::topk, x.dtype());
  Shape shape = x.shape();
  shape[shape.rank() - 1] = k;
  TopkArgs args{x, k, b.empty(shape, DType::f32), b.empty(shape, DType::i32)};
  b.run<OpKind::topk>(ctx, x.dtype(), args);
  return {args.values, args.indices};
}

}  // namespace aigc::ops
