#include "ops/attention.hpp"

#include <cmath>

#include "ops/copy.hpp"
#include "ops/op_common.hpp"

namespace aigc::ops {
namespace {

// Kernels need unit stride along the last dim only; other strides stay as they are.
Tensor last_dim_contiguous(const ExecContext &ctx, const Tensor &t) {
  return t.size(-1) <= 1 || t.stride(-1) == 1 ? t : contiguous(ctx, t);
}

}  // namespace

Tensor attention(const ExecContext &ctx, const Tensor &q, const Tensor &k, const Tensor &v,
                 const AttentionOptions &o) {
  constexpr const char *op = "attention";
  Backend &b = backend_of(ctx, op);
  check_rank(op, "q [B, Hq, Tq, D]", q, 4);
  check_rank(op, "k [B, Hkv, Tk, D]", k, 4);
  check_rank(op, "v [B, Hkv, Tk, Dv]", v, 4);
  check_device(ctx, op, {&q, &k, &v, &o.mask});
  check_dtype_in(op, "q", q, {DType::f32});
  check_dtype_in(op, "k", k, {DType::f32});
  check_dtype_in(op, "v", v, {DType::f32});
  const int64_t nb = q.size(0), hq = q.size(1), tq = q.size(2), d = q.size(3);
  const int64_t hkv = k.size(1), tk = k.size(2);
  AIGC_CHECK(k.size(0) == nb && v.size(0) == nb && v.size(1) == hkv && v.size(2) == tk &&
                 k.size(3) == d,
             Status::shape_mismatch,
             "{}: q {}, k {}, v {} must be [B, Hq, Tq, D], [B, Hkv, Tk, D], [B, Hkv, Tk, Dv]", op,
             q.describe(), k.describe(), v.describe());
  AIGC_CHECK(hkv >= 1 && hq % hkv == 0, Status::shape_mismatch,
             "{}: query heads ({}) must be a multiple of kv heads ({}); q {}, k {}", op, hq, hkv,
             q.describe(), k.describe());
  AIGC_CHECK(d >= 1, Status::shape_mismatch, "{}: head dim of q {} is empty", op, q.describe());
  const Shape scores{nb, hq, tq, tk};
  if (o.mask.defined()) {
    check_dtype_in(op, "mask", o.mask, {DType::f32});
    AIGC_CHECK(o.mask.rank() <= 4 && broadcast_shapes(o.mask.shape(), scores, op) == scores,
               Status::shape_mismatch, "{}: mask {} does not broadcast to the scores {}", op,
               o.mask.describe(), scores.to_string());
  }
  const float scale = o.scale ? *o.scale : float(1.0 / std::sqrt(double(d)));
  AIGC_CHECK(std::isfinite(scale), Status::invalid_argument, "{}: scale must be finite, got {}",
             op, scale);
  AIGC_CHECK(o.window >= 0, Status::invalid_argument, "{}: window must be >= 0, got {}", op,
             o.window);
  AIGC_CHECK(o.q_offset >= 0, Status::invalid_argument, "{}: q_offset must be >= 0, got {}", op,
             o.q_offset);
  AIGC_CHECK(!o.causal || o.q_offset + tq <= tk, Status::shape_mismatch,
             "{}: causal queries at positions {}..{} need keys up to there, but k {} has {} keys",
             op, o.q_offset, o.q_offset + tq - 1, k.describe(), tk);
  check_supported(ctx, OpKind::attention, q.dtype());
  AttentionArgs args{last_dim_contiguous(ctx, q),
                     last_dim_contiguous(ctx, k),
                     last_dim_contiguous(ctx, v),
                     o.mask,
                     scale,
                     o.causal,
                     o.q_offset,
                     o.window,
                     b.empty({nb, hq, tq, v.size(3)}, q.dtype())};
  b.run<OpKind::attention>(ctx, q.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
