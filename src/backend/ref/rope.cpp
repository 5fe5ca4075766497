#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// x: [B, T, H, D], positions: i32 [T]. Pair i (i < n_rot/2) rotates by
// pos * freq_scale * theta^(-2i/n_rot); computed in double per element.
void rope_kernel(const ExecContext &, const RopeArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor pos = a.positions.contiguous();
  const int64_t nb = x.size(0), nt = x.size(1), nh = x.size(2), d = x.size(3);
  const int64_t half = a.n_rot / 2;
  const float *px = x.data_as<float>();
  const int32_t *pp = pos.data_as<int32_t>();
  float *py = a.out.data_as<float>();
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t t = 0; t < nt; ++t)
      for (int64_t h = 0; h < nh; ++h) {
        const int64_t base = ((b * nt + t) * nh + h) * d;
        for (int64_t i = 0; i < d; ++i) py[base + i] = px[base + i];  // pass-through part
        for (int64_t i = 0; i < half; ++i) {
          const double freq = std::pow(double(a.theta), -2.0 * double(i) / double(a.n_rot));
          const double angle = double(pp[t]) * double(a.freq_scale) * freq;
          const double c = std::cos(angle), s = std::sin(angle);
          const int64_t i0 = a.mode == RopeMode::interleaved ? 2 * i : i;
          const int64_t i1 = a.mode == RopeMode::interleaved ? 2 * i + 1 : i + half;
          const double x0 = px[base + i0], x1 = px[base + i1];
          py[base + i0] = float(x0 * c - x1 * s);
          py[base + i1] = float(x0 * s + x1 * c);
        }
      }
}

}  // namespace

void register_rope(KernelTable &t) { t.add<OpKind::rope>(rope_kernel, {DType::f32}); }

}  // namespace aigc::ref
