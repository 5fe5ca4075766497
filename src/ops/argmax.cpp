#include "ops/argmax.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor argmax(const ExecContext &ctx, const Tensor &x) {
  Backend &b = backend_of(ctx, "argmax");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "argmax: input is undefined");
  check_device(ctx, "argmax", {&x});
  check_dtype_in("argmax", "x", x, {DType::f32});
  AIGC_CHECK(x.rank() >= 1 && x.size(-1) >= 1, Status::shape_mismatch,
             "argmax: x needs a non-empty last dim, got {}", x.describe());
  check_supported(ctx, OpKind::argmax, x.dtype());
  Shape shape = x.shape();
  shape.erase(shape.rank() - 1);
  ArgmaxArgs args{x, b.empty(shape, DType::i32)};
  b.run<OpKind::argmax>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
