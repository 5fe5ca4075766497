#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// x viewed as [rows, norm_size]: two-pass mean / biased variance in double per row
// (PyTorch nn.LayerNorm over the trailing normalized_shape).
void layer_norm_kernel(const ExecContext &, const LayerNormArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const Tensor b = a.bias.defined() ? a.bias.contiguous() : Tensor();
  const int64_t d = a.norm_size, rows = d == 0 ? 0 : x.numel() / d;
  const float *px = x.data_as<float>();
  float *py = a.out.data_as<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = px + r * d;
    double sum = 0;
    for (int64_t i = 0; i < d; ++i) sum += row[i];
    const double mean = sum / double(d);
    double sq = 0;
    for (int64_t i = 0; i < d; ++i) sq += (row[i] - mean) * (row[i] - mean);
    const double rstd = 1.0 / std::sqrt(sq / double(d) + double(a.eps));
    for (int64_t i = 0; i < d; ++i) {
      const double scale = w.defined() ? w.data_as<float>()[i] : 1.0;
      const double shift = b.defined() ? b.data_as<float>()[i] : 0.0;
      py[r * d + i] = float((row[i] - mean) * rstd * scale + shift);
    }
  }
}

}  // namespace

void register_layer_norm(KernelTable &t) {
  t.add<OpKind::layer_norm>(layer_norm_kernel, {DType::f32});
}

}  // namespace aigc::ref
