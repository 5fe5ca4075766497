// Index of the largest value along the last dim.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x f32 [..., N] (N >= 1) -> i32 [...]: the first index of the maximum (a NaN counts as
// the maximum, so the first NaN wins). A 1-D x gives a rank-0 result.
Tensor argmax(const ExecContext &ctx, const Tensor &x);

}  // namespace aigc::ops
