// Causal self-attention over a KV cache for a batch made of spans of several sequences.
#pragma once

#include <vector>

#include "nn/kv_cache.hpp"

namespace aigc::nn {

// Rows [row_begin, row_begin + n_rows) of the batch belong to sequence `seq` and take
// cache positions [pos_begin, pos_begin + n_rows).
struct SpanRows {
  int64_t seq = 0, row_begin = 0, n_rows = 0, pos_begin = 0;
};

struct CachedAttentionOptions {
  float scale = 0.f;   // 0: 1/sqrt(head_dim)
  int64_t window = 0;  // > 0: sliding window (Mistral): keys older than `window` are hidden
};

// q: f32 [N, Hq, D], k/v: f32 [N, Hkv, D] for the N rows of the batch (rotary embedding
// already applied). Writes every span's k/v into `cache` (layer `layer`) and attends each
// query to its sequence's keys up to its own position. Returns f32 [N, Hq * D].
Tensor cached_attention(const ExecContext &ctx, const Tensor &q, const Tensor &k, const Tensor &v,
                        KvCache &cache, int64_t layer, const std::vector<SpanRows> &spans,
                        const CachedAttentionOptions &options);

}  // namespace aigc::nn
