#include "ops/rms_norm.hpp"

#include <cmath>

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor rms_norm(const ExecContext &ctx, const Tensor &x, const Tensor &weight, float eps) {
  constexpr const char *op = "rms_norm";
  Backend &b = backend_of(ctx, op);
  AIGC_CHECK(x.defined(), Status::invalid_argument, "{}: x is missing", op);
  check_device(ctx, op, {&x, &weight});
  check_dtype_in(op, "x", x, {DType::f32});
  AIGC_CHECK(x.rank() >= 1, Status::shape_mismatch, "{}: x must be [..., D], got {}", op,
             x.describe());
  const int64_t d = x.size(-1);
  AIGC_CHECK(d >= 1, Status::shape_mismatch, "{}: the last dim of x {} is empty", op,
             x.describe());
  if (weight.defined()) {
    check_dtype_in(op, "weight", weight, {DType::f32});
    AIGC_CHECK(weight.rank() == 1 && weight.size(0) == d, Status::shape_mismatch,
               "{}: weight must be [{}] for x {}, got {}", op, d, x.describe(), weight.describe());
  }
  AIGC_CHECK(eps > 0.f && std::isfinite(eps), Status::invalid_argument,
             "{}: eps must be positive and finite, got {}", op, eps);
  check_supported(ctx, OpKind::rms_norm, x.dtype());
  RmsNormArgs args{x, weight, eps, b.empty(x.shape(), x.dtype())};
  b.run<OpKind::rms_norm>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
