// Softmax over the last dim, with the scale / mask / causal options attention needs.
#pragma once

#include <cstdint>

#include "backend/backend.hpp"

namespace aigc::ops {

struct SoftmaxOptions {
  float scale = 1.f;  // applied to x before the mask; finite
  Tensor mask;        // optional f32, broadcastable (numpy rules) to x's shape; -inf hides
  // For x [..., Tq, Tk]: row i sees only columns j <= i + causal_offset. Any offset is
  // allowed; rows that see nothing (negative offsets) come out as zeros. Needs rank >= 2.
  bool causal = false;
  int64_t causal_offset = 0;
};

// x: f32 [..., N] -> f32 [..., N]. Columns whose score is -inf (mask or x) or that are
// hidden by causality get probability 0; a row with no visible column is all zeros.
Tensor softmax(const ExecContext &ctx, const Tensor &x, const SoftmaxOptions &options = {});

}  // namespace aigc::ops
