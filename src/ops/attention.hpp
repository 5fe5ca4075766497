// Scaled dot-product attention with grouped-query heads, causal / sliding-window masking
// and KV-cache views.
#pragma once

#include <cstdint>
#include <optional>

#include "backend/backend.hpp"

namespace aigc::ops {

struct AttentionOptions {
  std::optional<float> scale;  // default 1/sqrt(D); must be finite
  Tensor mask;                 // optional f32, broadcastable to [B, Hq, Tq, Tk]; added to scores
  bool causal = false;         // query i (position q_offset + i) sees keys j <= its position
  int64_t q_offset = 0;        // KV-cache position of the first query; >= 0
  int64_t window = 0;          // > 0: also hide keys j <= position - window (sliding window)
};

// q: f32 [B, Hq, Tq, D], k: f32 [B, Hkv, Tk, D], v: f32 [B, Hkv, Tk, Dv] with Hq % Hkv == 0
// (q head h reads kv head h / (Hq / Hkv)). Inputs may be strided views (KV-cache slices,
// permuted [B, T, H, D] activations); a last dim that is not contiguous is copied first.
// With causal, q_offset + Tq must not exceed Tk. Queries that see no key (everything
// masked) output zeros. Returns f32 [B, Hq, Tq, Dv].
Tensor attention(const ExecContext &ctx, const Tensor &q, const Tensor &k, const Tensor &v,
                 const AttentionOptions &options = {});

}  // namespace aigc::ops
