#include "aigc/core/quant.hpp"
#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

float apply(BinaryKind kind, float x, float y) {
  switch (kind) {
    case BinaryKind::add: return x + y;
    case BinaryKind::sub: return x - y;
    case BinaryKind::mul: return x * y;
    case BinaryKind::div: return x / y;
  }
  return 0.f;
}

// Broadcasting by materialising both operands at the output shape (stride-0 views
// copied out), then one f32 operation per element and one rounding on store.
void binary_kernel(const ExecContext &, const BinaryArgs &p) {
  const Shape &shape = p.out.shape();
  const std::vector<float> a = p.a.expand(shape).to_f32_vector();
  const std::vector<float> b = p.b.expand(shape).to_f32_vector();
  std::vector<float> y(a.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] = apply(p.kind, a[i], b[i]);
  convert_row(DType::f32, y.data(), p.out.dtype(), p.out.data(), int64_t(y.size()));
}

}  // namespace

void register_binary(KernelTable &t) {
  t.add<OpKind::binary>(binary_kernel, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace aigc::ref
