#include "ops/layer_norm.hpp"

#include <cmath>

#include "ops/copy.hpp"
#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor layer_norm(const ExecContext &ctx, const Tensor &x, const Shape &normalized_shape,
                  const Tensor &weight, const Tensor &bias, float eps) {
  constexpr const char *op = "layer_norm";
  Backend &b = backend_of(ctx, op);
  AIGC_CHECK(x.defined(), Status::invalid_argument, "{}: x is missing", op);
  check_device(ctx, op, {&x, &weight, &bias});
  check_dtype_in(op, "x", x, {DType::f32});
  const int nr = normalized_shape.rank();
  AIGC_CHECK(nr >= 1 && nr <= x.rank(), Status::shape_mismatch,
             "{}: normalized_shape {} must have 1..{} dims for x {}", op,
             normalized_shape.to_string(), x.rank(), x.describe());
  for (int i = 0; i < nr; ++i)
    AIGC_CHECK(x.size(x.rank() - nr + i) == normalized_shape[i], Status::shape_mismatch,
               "{}: normalized_shape {} does not match the trailing dims of x {}", op,
               normalized_shape.to_string(), x.describe());
  const int64_t norm_size = normalized_shape.numel();
  AIGC_CHECK(norm_size >= 1, Status::shape_mismatch, "{}: normalized_shape {} is empty", op,
             normalized_shape.to_string());
  for (const Tensor *t : {&weight, &bias}) {
    if (!t->defined()) continue;
    const char *what = t == &weight ? "weight" : "bias";
    check_dtype_in(op, what, *t, {DType::f32});
    AIGC_CHECK(t->shape() == normalized_shape, Status::shape_mismatch,
               "{}: {} must have shape {} (normalized_shape), got {}", op, what,
               normalized_shape.to_string(), t->describe());
  }
  AIGC_CHECK(eps > 0.f && std::isfinite(eps), Status::invalid_argument,
             "{}: eps must be positive and finite, got {}", op, eps);
  check_supported(ctx, OpKind::layer_norm, x.dtype());
  // The kernel contract wants x contiguous ([rows, norm_size]).
  LayerNormArgs args{contiguous(ctx, x), weight, bias, norm_size, eps,
                     b.empty(x.shape(), x.dtype())};
  b.run<OpKind::layer_norm>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
