#include <algorithm>
#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// One axis of PyTorch's bilinear, align_corners=False: output i samples the input at
// src = (i + 0.5) / factor - 0.5, clamped below at 0; it blends i0 = floor(src) and
// i1 = min(i0 + 1, size - 1) with weight l = src - i0 on i1.
struct LinearTap {
  int64_t i0, i1;
  double l;
};
LinearTap linear_tap(int64_t i, int factor, int64_t size) {
  const double src = std::max((double(i) + 0.5) / factor - 0.5, 0.0);
  const int64_t i0 = std::min(int64_t(std::floor(src)), size - 1);
  return {i0, std::min(i0 + 1, size - 1), src - double(i0)};
}

void upsample_kernel(const ExecContext &, const UpsampleArgs &a) {
  const Tensor x = a.x.contiguous();
  // x: [N, C, H, W]; out: [N, C, H*f, W*f]
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = a.out.size(2), ow = a.out.size(3);
  const int f = a.factor;
  const float *xp = x.data_as<float>();
  float *op = a.out.data_as<float>();
  for (int64_t p = 0; p < planes; ++p) {
    const float *in = xp + p * h * w;
    float *out = op + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        if (a.mode == UpsampleMode::nearest) {
          // nearest: source index floor(i * in / out) = floor(i / f)
          out[oy * ow + ox] = in[(oy / f) * w + ox / f];
          continue;
        }
        const LinearTap ty = linear_tap(oy, f, h), tx = linear_tap(ox, f, w);
        const double top = in[ty.i0 * w + tx.i0] * (1 - tx.l) + in[ty.i0 * w + tx.i1] * tx.l;
        const double bottom = in[ty.i1 * w + tx.i0] * (1 - tx.l) + in[ty.i1 * w + tx.i1] * tx.l;
        out[oy * ow + ox] = float(top * (1 - ty.l) + bottom * ty.l);
      }
  }
}

}  // namespace

void register_upsample(KernelTable &t) { t.add<OpKind::upsample>(upsample_kernel, {DType::f32}); }

}  // namespace aigc::ref
