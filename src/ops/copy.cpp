#include "ops/copy.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor copy(const ExecContext &ctx, const Tensor &x) {
  Backend &b = backend_of(ctx, "copy");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "copy: input is undefined");
  check_device(ctx, "copy", {&x});
  CopyArgs args{x, b.empty(x.shape(), x.dtype())};
  b.run<OpKind::copy>(ctx, x.dtype(), args);
  return args.out;
}

Tensor contiguous(const ExecContext &ctx, const Tensor &x) {
  return x.is_contiguous() ? x : copy(ctx, x);
}

}  // namespace aigc::ops
