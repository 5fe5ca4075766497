// Materialising views: a contiguous copy on the tensor's own backend.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// x unchanged when already contiguous, else a contiguous copy (any dtype).
Tensor contiguous(const ExecContext &ctx, const Tensor &x);
// Always a new contiguous tensor with x's values.
Tensor copy(const ExecContext &ctx, const Tensor &x);

}  // namespace aigc::ops
