// Elementwise activations and scaling: out = f(x), same shape and dtype as x
// (f32, f16, bf16; half types are computed in f32 and rounded once on store).
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

// Generic entry point; `alpha` is the slope of leaky_relu and the factor of scale.
Tensor unary(const ExecContext &ctx, const Tensor &x, UnaryKind kind, float alpha = 0.f);

// PyTorch GELU: the exact erf form, or the tanh approximation (approximate="tanh").
Tensor gelu(const ExecContext &ctx, const Tensor &x, bool approximate_tanh = false);
Tensor silu(const ExecContext &ctx, const Tensor &x);  // x * sigmoid(x)
Tensor relu(const ExecContext &ctx, const Tensor &x);
Tensor leaky_relu(const ExecContext &ctx, const Tensor &x, float alpha);  // x<0: alpha*x
Tensor tanh(const ExecContext &ctx, const Tensor &x);
Tensor sigmoid(const ExecContext &ctx, const Tensor &x);
Tensor scale(const ExecContext &ctx, const Tensor &x, float alpha);  // alpha * x

}  // namespace aigc::ops
