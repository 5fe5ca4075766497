#include <cmath>

#include "aigc/core/quant.hpp"
#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// The formulas of UnaryArgs, evaluated in double and rounded once to f32.
float apply(UnaryKind kind, float alpha, float xf) {
  const double x = xf;
  switch (kind) {
    case UnaryKind::gelu_erf: return float(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    case UnaryKind::gelu_tanh: {
      const double k = std::sqrt(2.0 / M_PI);
      return float(0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x))));
    }
    case UnaryKind::silu: return float(x / (1.0 + std::exp(-x)));
    case UnaryKind::relu: return xf < 0.f ? 0.f : xf;  // NaN passes through
    case UnaryKind::leaky_relu: return xf >= 0.f ? xf : alpha * xf;
    case UnaryKind::tanh: return float(std::tanh(x));
    case UnaryKind::sigmoid: return float(1.0 / (1.0 + std::exp(-x)));
    case UnaryKind::scale: return alpha * xf;
  }
  return 0.f;
}

void unary_kernel(const ExecContext &, const UnaryArgs &a) {
  const Tensor x = a.x.to(DType::f32);  // contiguous f32 copy
  const float *px = x.data_as<float>();
  Tensor y = Tensor::empty(x.shape(), DType::f32);
  float *py = y.data_as<float>();
  for (int64_t i = 0; i < x.numel(); ++i) py[i] = apply(a.kind, a.alpha, px[i]);
  convert_row(DType::f32, py, a.out.dtype(), a.out.data(), y.numel());  // one rounding
}

}  // namespace

void register_unary(KernelTable &t) {
  t.add<OpKind::unary>(unary_kernel, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace aigc::ref
