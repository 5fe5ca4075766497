// diffusers Transformer2DModel with continuous (feature-map) input, as used by the Stable
// Diffusion UNet's cross-attention blocks (diffusers/models/transformers/transformer_2d.py,
// diffusers/models/attention.py BasicTransformerBlock, attention_processor.py Attention):
//   h = proj_in(GroupNorm(x))  (1x1 conv before flattening, or Linear after: use_linear_projection)
//   tokens [N, H*W, inner]; for each BasicTransformerBlock:
//     h += attn1(norm1(h))                  self-attention (to_q/k/v no bias, to_out.0 bias)
//     h += attn2(norm2(h), context)         cross-attention to encoder_hidden_states [N, T, D]
//     h += ff.net.2(GEGLU(norm3(h)))        GEGLU: ff.net.0.proj -> [a, gate]; a * gelu(gate)
//   out = x + proj_out(h) back in [N, C, H, W]
#pragma once

#include <vector>

#include "nn/conv_layers.hpp"

namespace aigc::nn {

// Multi-head attention with separate projections (diffusers Attention, no group norm, no
// residual): q from x [N, Tq, query_dim], k/v from kv [N, Tk, kv_dim].
struct MultiHeadAttention {
  Linear to_q, to_k, to_v;  // [inner, query_dim], [inner, kv_dim], [inner, kv_dim]
  Linear to_out;            // "to_out.0": [query_dim, inner] + bias
  int64_t heads = 1, head_dim = 0, query_dim = 0, kv_dim = 0;
  static MultiHeadAttention load(const Scope &scope, int64_t query_dim, int64_t kv_dim, int64_t heads,
                                 int64_t head_dim, Bias qkv_bias);
  Tensor operator()(const ExecContext &ctx, const Tensor &x, const Tensor &kv) const;
};

struct BasicTransformerBlock {
  LayerNorm norm1, norm2, norm3;  // eps 1e-5
  MultiHeadAttention attn1, attn2;
  Linear ff_value, ff_gate;  // the two halves of ff.net.0.proj ([4*dim, dim] each)
  Linear ff_out;             // ff.net.2: [dim, 4*dim]
  bool only_cross_attention = false;  // attn1 also attends to the context
  static BasicTransformerBlock load(const Scope &scope, int64_t dim, int64_t heads, int64_t head_dim,
                                    int64_t context_dim, bool only_cross_attention);
  // x: [N, T, dim], context: [N, S, context_dim] -> [N, T, dim]
  Tensor operator()(const ExecContext &ctx, const Tensor &x, const Tensor &context) const;
};

struct Transformer2DOptions {
  int64_t heads = 8;
  int64_t head_dim = 40;      // inner dim = heads * head_dim
  int64_t num_layers = 1;     // transformer_layers_per_block
  int64_t context_dim = 768;  // cross_attention_dim
  int groups = 32;            // GroupNorm groups (eps 1e-6, fixed in diffusers)
  bool use_linear_projection = false;
  bool only_cross_attention = false;
};

struct Transformer2DModel {
  GroupNorm norm;
  Conv2d proj_in_conv, proj_out_conv;        // use_linear_projection == false: 1x1 convs
  Linear proj_in_linear, proj_out_linear;    // use_linear_projection == true
  std::vector<BasicTransformerBlock> transformer_blocks;
  Transformer2DOptions options;
  int64_t channels = 0, inner_dim = 0;

  static Transformer2DModel load(const Scope &scope, int64_t channels, const Transformer2DOptions &options);
  // x: [N, C, H, W], context: [N, S, context_dim] -> [N, C, H, W]
  Tensor operator()(const ExecContext &ctx, const Tensor &x, const Tensor &context) const;
};

}  // namespace aigc::nn
