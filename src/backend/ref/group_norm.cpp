#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// x: [N, C, *]. Two-pass mean / biased variance in double over each group of C/groups
// channels and every spatial position (PyTorch nn.GroupNorm).
void group_norm_kernel(const ExecContext &, const GroupNormArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const Tensor b = a.bias.defined() ? a.bias.contiguous() : Tensor();
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
  const int64_t cpg = c / a.groups;
  const float *px = x.data_as<float>();
  float *py = a.out.data_as<float>();
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t g = 0; g < a.groups; ++g) {
      const int64_t base = (in * c + g * cpg) * spatial, count = cpg * spatial;
      double sum = 0;
      for (int64_t i = 0; i < count; ++i) sum += px[base + i];
      const double mean = sum / double(count);
      double sq = 0;
      for (int64_t i = 0; i < count; ++i) sq += (px[base + i] - mean) * (px[base + i] - mean);
      const double rstd = 1.0 / std::sqrt(sq / double(count) + double(a.eps));
      for (int64_t ch = 0; ch < cpg; ++ch) {
        const int64_t channel = g * cpg + ch;
        const double scale = w.defined() ? w.data_as<float>()[channel] : 1.0;
        const double shift = b.defined() ? b.data_as<float>()[channel] : 0.0;
        for (int64_t s = 0; s < spatial; ++s) {
          const int64_t i = base + ch * spatial + s;
          py[i] = float((px[i] - mean) * rstd * scale + shift);
        }
      }
    }
  }
}

}  // namespace

void register_group_norm(KernelTable &t) {
  t.add<OpKind::group_norm>(group_norm_kernel, {DType::f32});
}

}  // namespace aigc::ref
