// Elementwise arithmetic with numpy broadcasting: out = a (op) b. a and b share a dtype
// (f32, f16, bf16; half types computed in f32 and rounded once on store); either or
// both may broadcast; out has the broadcast shape and is contiguous.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

Tensor binary(const ExecContext &ctx, const Tensor &a, const Tensor &b, BinaryKind kind);

Tensor add(const ExecContext &ctx, const Tensor &a, const Tensor &b);
Tensor sub(const ExecContext &ctx, const Tensor &a, const Tensor &b);
Tensor mul(const ExecContext &ctx, const Tensor &a, const Tensor &b);
Tensor div(const ExecContext &ctx, const Tensor &a, const Tensor &b);

}  // namespace aigc::ops
