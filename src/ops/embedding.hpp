// Row gather: out[..., D] (f32) = table[ids[...], :].
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// table [V, D] in f32, f16, bf16, q8_0 or q4_0 (dequantized into f32); ids i32 of any
// shape. Host ids are range-checked: a negative id or one >= V is invalid_argument.
Tensor embedding(const ExecContext &ctx, const Tensor &table, const Tensor &ids);

}  // namespace aigc::ops
