// dtype conversion between any two of the 8 element types: float <-> half types,
// integers (round to nearest even and saturate), and quantize to / dequantize from
// q8_0 / q4_0 with ggml's reference rounding (bit-identical to aigc/core/quant.hpp).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// New contiguous tensor of `dtype` with x's shape. Quantized targets need a last dim
// that is a multiple of 32. Casting to x's own dtype returns a contiguous copy.
Tensor cast(const ExecContext &ctx, const Tensor &x, DType dtype);

}  // namespace aigc::ops
