#include "nn/transformer2d.hpp"

#include <cmath>

#include "core/check.hpp"
#include "ops/attention.hpp"
#include "ops/binary.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"

namespace aigc::nn {

MultiHeadAttention MultiHeadAttention::load(const Scope &scope, int64_t query_dim, int64_t kv_dim,
                                            int64_t heads, int64_t head_dim, Bias qkv_bias) {
  AIGC_CHECK(heads > 0 && head_dim > 0, Status::invalid_argument,
             "attention: {} heads of dim {} is not a valid layout", heads, head_dim);
  MultiHeadAttention a;
  a.heads = heads;
  a.head_dim = head_dim;
  a.query_dim = query_dim;
  a.kv_dim = kv_dim;
  const int64_t inner = heads * head_dim;
  a.to_q = Linear::load(scope.sub("to_q"), inner, query_dim, qkv_bias);
  a.to_k = Linear::load(scope.sub("to_k"), inner, kv_dim, qkv_bias);
  a.to_v = Linear::load(scope.sub("to_v"), inner, kv_dim, qkv_bias);
  a.to_out = Linear::load(scope.sub("to_out").at(0), query_dim, inner, Bias::required);
  return a;
}

Tensor MultiHeadAttention::operator()(const ExecContext &ctx, const Tensor &x, const Tensor &kv) const {
  const int64_t n = x.size(0), tq = x.size(1), tk = kv.size(1);
  // [N, T, heads * d] -> [N, heads, T, d] (a strided view; the attention op reads it as is)
  auto heads_view = [&](const Tensor &t, int64_t len) {
    return t.reshape(Shape({n, len, heads, head_dim})).permute({0, 2, 1, 3});
  };
  const Tensor q = heads_view(to_q(ctx, x), tq);
  const Tensor k = heads_view(to_k(ctx, kv), tk);
  const Tensor v = heads_view(to_v(ctx, kv), tk);
  ops::AttentionOptions opts;
  opts.scale = 1.f / std::sqrt(float(head_dim));
  const Tensor o = ops::attention(ctx, q, k, v, opts);  // [N, heads, Tq, d]
  const Tensor merged = ops::contiguous(ctx, o.permute({0, 2, 1, 3})).reshape(Shape({n, tq, heads * head_dim}));
  return to_out(ctx, merged);  // [N, Tq, query_dim]
}

BasicTransformerBlock BasicTransformerBlock::load(const Scope &scope, int64_t dim, int64_t heads,
                                                  int64_t head_dim, int64_t context_dim,
                                                  bool only_cross_attention) {
  BasicTransformerBlock b;
  b.only_cross_attention = only_cross_attention;
  b.norm1 = LayerNorm::load(scope.sub("norm1"), dim, 1e-5f);
  b.norm2 = LayerNorm::load(scope.sub("norm2"), dim, 1e-5f);
  b.norm3 = LayerNorm::load(scope.sub("norm3"), dim, 1e-5f);
  b.attn1 = MultiHeadAttention::load(scope.sub("attn1"), dim, only_cross_attention ? context_dim : dim, heads,
                                     head_dim, Bias::none);
  b.attn2 = MultiHeadAttention::load(scope.sub("attn2"), dim, context_dim, heads, head_dim, Bias::none);
  // GEGLU: one Linear(dim, 2 * ff_inner) whose first half is the value, second the gate.
  // Split at load into two row blocks (contiguous views of the same weight).
  const int64_t ff_inner = 4 * dim;
  const Linear proj = Linear::load(scope.sub("ff.net.0.proj"), 2 * ff_inner, dim, Bias::required);
  b.ff_value = Linear{proj.weight.slice(0, 0, ff_inner), proj.bias.slice(0, 0, ff_inner)};
  b.ff_gate = Linear{proj.weight.slice(0, ff_inner, 2 * ff_inner), proj.bias.slice(0, ff_inner, 2 * ff_inner)};
  b.ff_out = Linear::load(scope.sub("ff.net.2"), dim, ff_inner, Bias::required);
  return b;
}

Tensor BasicTransformerBlock::operator()(const ExecContext &ctx, const Tensor &x, const Tensor &context) const {
  Tensor h = x;  // [N, T, dim]
  Tensor n1 = norm1(ctx, h);
  h = ops::add(ctx, h, attn1(ctx, n1, only_cross_attention ? context : n1));
  h = ops::add(ctx, h, attn2(ctx, norm2(ctx, h), context));
  const Tensor n3 = norm3(ctx, h);
  const Tensor geglu = ops::mul(ctx, ff_value(ctx, n3), ops::gelu(ctx, ff_gate(ctx, n3)));  // [N, T, 4*dim]
  return ops::add(ctx, h, ff_out(ctx, geglu));
}

Transformer2DModel Transformer2DModel::load(const Scope &scope, int64_t channels,
                                            const Transformer2DOptions &options) {
  AIGC_CHECK(options.heads > 0 && options.head_dim > 0 && options.num_layers > 0 && options.context_dim > 0,
             Status::invalid_argument,
             "Transformer2DModel: bad options (heads {}, head_dim {}, layers {}, context_dim {})", options.heads,
             options.head_dim, options.num_layers, options.context_dim);
  Transformer2DModel t;
  t.options = options;
  t.channels = channels;
  t.inner_dim = options.heads * options.head_dim;
  t.norm = GroupNorm::load(scope.sub("norm"), options.groups, channels, 1e-6f);
  if (options.use_linear_projection) {
    t.proj_in_linear = Linear::load(scope.sub("proj_in"), t.inner_dim, channels, Bias::required);
    t.proj_out_linear = Linear::load(scope.sub("proj_out"), channels, t.inner_dim, Bias::required);
  } else {
    const auto pointwise = ops::Conv2dOptions::square(1, 0);
    t.proj_in_conv = Conv2d::load(scope.sub("proj_in"), channels, t.inner_dim, 1, pointwise);
    t.proj_out_conv = Conv2d::load(scope.sub("proj_out"), t.inner_dim, channels, 1, pointwise);
  }
  for (int64_t i = 0; i < options.num_layers; ++i)
    t.transformer_blocks.push_back(BasicTransformerBlock::load(scope.sub("transformer_blocks").at(i), t.inner_dim,
                                                               options.heads, options.head_dim,
                                                               options.context_dim, options.only_cross_attention));
  return t;
}

Tensor Transformer2DModel::operator()(const ExecContext &ctx, const Tensor &x, const Tensor &context) const {
  AIGC_CHECK(x.rank() == 4 && x.size(1) == channels, Status::shape_mismatch,
             "Transformer2DModel: input {} is not [N, {}, H, W]", x.describe(), channels);
  AIGC_CHECK(context.defined() && context.rank() == 3 && context.size(0) == x.size(0) &&
                 context.size(2) == options.context_dim && context.size(1) > 0,
             Status::shape_mismatch, "Transformer2DModel: context {} is not [{}, T, {}]",
             context.defined() ? context.describe() : std::string("(none)"), x.size(0), options.context_dim);
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  Tensor y = norm(ctx, x);
  // NCHW -> tokens [N, H*W, C'] (the 1x1 conv runs before flattening, the Linear after)
  auto to_tokens = [&](const Tensor &t) {
    return ops::contiguous(ctx, t.permute({0, 2, 3, 1})).reshape(Shape({n, h * w, t.size(1)}));
  };
  Tensor tokens = options.use_linear_projection ? proj_in_linear(ctx, to_tokens(y)) : to_tokens(proj_in_conv(ctx, y));
  for (const auto &block : transformer_blocks) tokens = block(ctx, tokens, context);
  // tokens [N, H*W, C'] -> NCHW
  auto to_nchw = [&](const Tensor &t) {
    return ops::contiguous(ctx, t.reshape(Shape({n, h, w, t.size(2)})).permute({0, 3, 1, 2}));
  };
  const Tensor out = options.use_linear_projection ? to_nchw(proj_out_linear(ctx, tokens))
                                                   : proj_out_conv(ctx, to_nchw(tokens));
  return ops::add(ctx, out, x);
}

}  // namespace aigc::nn
