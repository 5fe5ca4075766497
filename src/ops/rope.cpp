#include "ops/rope.hpp"

#include <cmath>

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor rope(const ExecContext &ctx, const Tensor &x, const Tensor &positions,
            const RopeOptions &o) {
  constexpr const char *op = "rope";
  Backend &b = backend_of(ctx, op);
  check_rank(op, "x [B, T, H, D]", x, 4);
  check_rank(op, "positions [T]", positions, 1);
  check_device(ctx, op, {&x, &positions});
  check_dtype_in(op, "x", x, {DType::f32});
  check_dtype_in(op, "positions", positions, {DType::i32});
  AIGC_CHECK(positions.size(0) == x.size(1), Status::shape_mismatch,
             "{}: positions {} must have one entry per token of x {}", op, positions.describe(),
             x.describe());
  const int64_t d = x.size(3);
  const int64_t n_rot = o.n_rot == 0 ? d : o.n_rot;
  AIGC_CHECK(n_rot >= 2 && n_rot % 2 == 0 && n_rot <= d, Status::invalid_argument,
             "{}: n_rot must be even and in [2, {}] (head dim of x {}), got {}", op, d,
             x.describe(), n_rot);
  AIGC_CHECK(o.theta > 0.f && std::isfinite(o.theta), Status::invalid_argument,
             "{}: theta must be positive and finite, got {}", op, o.theta);
  AIGC_CHECK(o.freq_scale > 0.f && std::isfinite(o.freq_scale), Status::invalid_argument,
             "{}: freq_scale must be positive and finite, got {}", op, o.freq_scale);
  AIGC_CHECK(o.mode == RopeMode::interleaved || o.mode == RopeMode::half_split,
             Status::invalid_argument, "{}: unknown mode {}", op, int(o.mode));
  check_supported(ctx, OpKind::rope, x.dtype());
  RopeArgs args{x,       positions,    o.mode, int(n_rot), o.theta, o.freq_scale,
                b.empty(x.shape(), x.dtype())};
  b.run<OpKind::rope>(ctx, x.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
