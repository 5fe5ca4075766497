#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// y = x / sqrt(mean(x^2) + eps) * weight over the last dim (LLaMA RMSNorm), in double.
void rms_norm_kernel(const ExecContext &, const RmsNormArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const int64_t d = x.size(-1), rows = d == 0 ? 0 : x.numel() / d;
  const float *px = x.data_as<float>();
  float *py = a.out.data_as<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = px + r * d;
    double sq = 0;
    for (int64_t i = 0; i < d; ++i) sq += double(row[i]) * row[i];
    const double rrms = 1.0 / std::sqrt(sq / double(d) + double(a.eps));
    for (int64_t i = 0; i < d; ++i) {
      const double scale = w.defined() ? w.data_as<float>()[i] : 1.0;
      py[r * d + i] = float(row[i] * rrms * scale);
    }
  }
}

}  // namespace

void register_rms_norm(KernelTable &t) { t.add<OpKind::rms_norm>(rms_norm_kernel, {DType::f32}); }

}  // namespace aigc::ref
