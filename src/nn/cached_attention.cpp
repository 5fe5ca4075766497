#include "nn/cached_attention.hpp"

#include "core/check.hpp"
#include "ops/attention.hpp"
#include "ops/concat.hpp"
#include "ops/copy.hpp"

namespace aigc::nn {

Tensor cached_attention(const ExecContext &ctx, const Tensor &q, const Tensor &k, const Tensor &v,
                        KvCache &cache, int64_t layer, const std::vector<SpanRows> &spans,
                        const CachedAttentionOptions &options) {
  const int64_t n_heads = q.size(1), head_dim = q.size(2);
  ops::AttentionOptions attn;
  attn.causal = true;
  attn.window = options.window;
  if (options.scale > 0.f) attn.scale = options.scale;

  std::vector<Tensor> outputs;
  outputs.reserve(spans.size());
  for (const SpanRows &s : spans) {
    const int64_t end = s.pos_begin + s.n_rows;
    const Tensor keys = cache.keys(layer, s.seq), values = cache.values(layer, s.seq);
    // Token-major cache rows are contiguous, so a span's keys land with one copy.
    ctx.backend->write(keys.slice(0, s.pos_begin, end), k.slice(0, s.row_begin, s.row_begin + s.n_rows));
    ctx.backend->write(values.slice(0, s.pos_begin, end), v.slice(0, s.row_begin, s.row_begin + s.n_rows));

    // [T, H, D] -> [1, H, T, D] views; the kernel accepts strided K/V.
    const Tensor kv_k = keys.slice(0, 0, end).permute({1, 0, 2}).unsqueeze(0);
    const Tensor kv_v = values.slice(0, 0, end).permute({1, 0, 2}).unsqueeze(0);
    const Tensor qs = q.slice(0, s.row_begin, s.row_begin + s.n_rows).permute({1, 0, 2}).unsqueeze(0);
    attn.q_offset = s.pos_begin;
    const Tensor out = ops::attention(ctx, qs, kv_k, kv_v, attn);  // [1, Hq, n, D]
    outputs.push_back(ops::contiguous(ctx, out.squeeze(0).permute({1, 0, 2}))
                          .reshape(Shape({s.n_rows, n_heads * head_dim})));
  }
  return outputs.size() == 1 ? outputs[0] : ops::concat(ctx, outputs, 0);
}

}  // namespace aigc::nn
