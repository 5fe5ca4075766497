#include "ops/cast.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor cast(const ExecContext &ctx, const Tensor &x, DType dtype) {
  Backend &b = backend_of(ctx, "cast");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "cast: input is undefined");
  check_device(ctx, "cast", {&x});
  AIGC_CHECK(static_cast<int>(dtype) < kDTypeCount, Status::invalid_argument,
             "cast: unknown target dtype {}", static_cast<int>(dtype));
  if (is_quantized(dtype)) {
    const int32_t block = dtype_block_size(dtype);
    AIGC_CHECK(x.rank() > 0 && x.size(-1) % block == 0, Status::shape_mismatch,
               "cast: {} -> {} needs a last dimension that is a multiple of {}", x.describe(),
               dtype_name(dtype), block);
  }
  check_supported(ctx, OpKind::cast, x.dtype());
  CastArgs args{x, b.empty(x.shape(), dtype)};
  b.run<OpKind::cast>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
