// The k largest values along the last dim.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct TopkResult {
  Tensor values;   // f32 [..., k], descending (NaN counts as the largest)
  Tensor indices;  // i32 [..., k]; equal values keep the lower index first
};

// x f32 [..., N], 1 <= k <= N.
TopkResult topk(const ExecContext &ctx, const Tensor &x, int k);

}  // namespace aigc::ops
