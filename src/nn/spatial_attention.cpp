#include "nn/spatial_attention.hpp"

#include <cmath>

#include "core/check.hpp"
#include "ops/attention.hpp"
#include "ops/binary.hpp"
#include "ops/copy.hpp"

namespace aigc::nn {

SpatialSelfAttention SpatialSelfAttention::load(const Scope &scope, int64_t channels, int groups,
                                                float eps, int heads) {
  AIGC_CHECK(channels > 0 && heads > 0 && channels % heads == 0, Status::invalid_argument,
             "SpatialSelfAttention: {} channels do not split into {} heads", channels, heads);
  SpatialSelfAttention a;
  a.channels = channels;
  a.heads = heads;
  a.group_norm = GroupNorm::load(scope.sub("group_norm"), groups, channels, eps);
  a.to_q = Linear::load(scope.sub("to_q"), channels, channels, Bias::required);
  a.to_k = Linear::load(scope.sub("to_k"), channels, channels, Bias::required);
  a.to_v = Linear::load(scope.sub("to_v"), channels, channels, Bias::required);
  a.to_out = Linear::load(scope.sub("to_out").at(0), channels, channels, Bias::required);
  return a;
}

Tensor SpatialSelfAttention::operator()(const ExecContext &ctx, const Tensor &x) const {
  AIGC_CHECK(x.rank() == 4 && x.size(1) == channels, Status::shape_mismatch,
             "SpatialSelfAttention: input {} is not [N, {}, H, W]", x.describe(), channels);
  const int64_t n = x.size(0), c = channels, hw = x.size(2) * x.size(3), d = c / heads;
  // tokens: [N, HW, C]
  const Tensor normed = group_norm(ctx, x);
  const Tensor tokens = ops::contiguous(ctx, normed.reshape(Shape({n, c, hw})).transpose(1, 2));
  // [N, HW, C] -> [N, heads, HW, d] views
  auto split_heads = [&](const Tensor &t) { return t.reshape(Shape({n, hw, heads, d})).permute({0, 2, 1, 3}); };
  const Tensor q = split_heads(to_q(ctx, tokens));
  const Tensor k = split_heads(to_k(ctx, tokens));
  const Tensor v = split_heads(to_v(ctx, tokens));
  ops::AttentionOptions opts;
  opts.scale = 1.f / std::sqrt(float(d));
  const Tensor attn = ops::attention(ctx, q, k, v, opts);  // [N, heads, HW, d]
  const Tensor merged = ops::contiguous(ctx, attn.permute({0, 2, 1, 3})).reshape(Shape({n, hw, c}));
  const Tensor out = to_out(ctx, merged);  // [N, HW, C]
  const Tensor nchw = ops::contiguous(ctx, out.transpose(1, 2)).reshape(x.shape());
  return ops::add(ctx, nchw, x);
}

}  // namespace aigc::nn
