#include "ops/group_norm.hpp"

#include <cmath>

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor group_norm(const ExecContext &ctx, const Tensor &x, int groups, const Tensor &weight,
                  const Tensor &bias, float eps) {
  constexpr const char *op = "group_norm";
  Backend &b = backend_of(ctx, op);
  AIGC_CHECK(x.defined(), Status::invalid_argument, "{}: x is missing", op);
  check_device(ctx, op, {&x, &weight, &bias});
  check_dtype_in(op, "x", x, {DType::f32});
  AIGC_CHECK(x.rank() >= 2, Status::shape_mismatch, "{}: x must be [N, C, *], got {}", op,
             x.describe());
  const int64_t c = x.size(1);
  AIGC_CHECK(groups >= 1, Status::invalid_argument, "{}: groups must be positive, got {}", op,
             groups);
  AIGC_CHECK(c % groups == 0, Status::shape_mismatch,
             "{}: groups ({}) must divide the channel count of x {}", op, groups, x.describe());
  for (const Tensor *t : {&weight, &bias}) {
    if (!t->defined()) continue;
    const char *what = t == &weight ? "weight" : "bias";
    check_dtype_in(op, what, *t, {DType::f32});
    AIGC_CHECK(t->rank() == 1 && t->size(0) == c, Status::shape_mismatch,
               "{}: {} must be [{}] for x {}, got {}", op, what, c, x.describe(), t->describe());
  }
  AIGC_CHECK(eps > 0.f && std::isfinite(eps), Status::invalid_argument,
             "{}: eps must be positive and finite, got {}", op, eps);
  check_supported(ctx, OpKind::group_norm, x.dtype());
  GroupNormArgs args{x, weight, bias, groups, eps, b.empty(x.shape(), x.dtype())};
  b.run<OpKind::group_norm>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
