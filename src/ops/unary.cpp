#include "ops/unary.hpp"

#include <cmath>

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor unary(const ExecContext &ctx, const Tensor &x, UnaryKind kind, float alpha) {
  Backend &b = backend_of(ctx, "unary");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "unary: input is undefined");
  check_device(ctx, "unary", {&x});
  check_dtype_in("unary", "x", x, {DType::f32, DType::f16, DType::bf16});
  AIGC_CHECK(kind <= UnaryKind::scale, Status::invalid_argument, "unary: unknown kind {}",
             int(kind));
  AIGC_CHECK(std::isfinite(alpha), Status::invalid_argument,
             "unary: alpha must be finite, got {} (x {})", alpha, x.describe());
  check_supported(ctx, OpKind::unary, x.dtype());
  UnaryArgs args{x, kind, alpha, b.empty(x.shape(), x.dtype())};
  b.run<OpKind::unary>(ctx, x.dtype(), args);
  return args.out;
}

Tensor gelu(const ExecContext &ctx, const Tensor &x, bool approximate_tanh) {
  return unary(ctx, x, approximate_tanh ? UnaryKind::gelu_tanh : UnaryKind::gelu_erf);
}
Tensor silu(const ExecContext &ctx, const Tensor &x) { return unary(ctx, x, UnaryKind::silu); }
Tensor relu(const ExecContext &ctx, const Tensor &x) { return unary(ctx, x, UnaryKind::relu); }
Tensor leaky_relu(const ExecContext &ctx, const Tensor &x, float alpha) {
  return unary(ctx, x, UnaryKind::leaky_relu, alpha);
}
Tensor tanh(const ExecContext &ctx, const Tensor &x) { return unary(ctx, x, UnaryKind::tanh); }
Tensor sigmoid(const ExecContext &ctx, const Tensor &x) {
  return unary(ctx, x, UnaryKind::sigmoid);
}
Tensor scale(const ExecContext &ctx, const Tensor &x, float alpha) {
  return unary(ctx, x, UnaryKind::scale, alpha);
}

}  // namespace aigc::ops
