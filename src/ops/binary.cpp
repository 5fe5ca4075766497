#include "ops/binary.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor binary(const ExecContext &ctx, const Tensor &a, const Tensor &b, BinaryKind kind) {
  Backend &be = backend_of(ctx, "binary");
  AIGC_CHECK(a.defined() && b.defined(), Status::invalid_argument,
             "binary: both operands must be defined, got a {} and b {}", a.describe(),
             b.describe());
  check_device(ctx, "binary", {&a, &b});
  AIGC_CHECK(kind <= BinaryKind::div, Status::invalid_argument, "binary: unknown kind {}",
             int(kind));
  check_dtype_in("binary", "a", a, {DType::f32, DType::f16, DType::bf16});
  AIGC_CHECK(a.dtype() == b.dtype(), Status::invalid_argument,
             "binary: operands must share a dtype, got a {} and b {}", a.describe(),
             b.describe());
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "binary");  // shape_mismatch
  check_supported(ctx, OpKind::binary, a.dtype());
  BinaryArgs args{a, b, kind, be.empty(shape, a.dtype())};
  be.run<OpKind::binary>(ctx, a.dtype(), args);
  return args.out;
}

Tensor add(const ExecContext &ctx, const Tensor &a, const Tensor &b) {
  return binary(ctx, a, b, BinaryKind::add);
}
Tensor sub(const ExecContext &ctx, const Tensor &a, const Tensor &b) {
  return binary(ctx, a, b, BinaryKind::sub);
}
Tensor mul(const ExecContext &ctx, const Tensor &a, const Tensor &b) {
  return binary(ctx, a, b, BinaryKind::mul);
}
Tensor div(const ExecContext &ctx, const Tensor &a, const Tensor &b) {
  return binary(ctx, a, b, BinaryKind::div);
}

}  // namespace aigc::ops
