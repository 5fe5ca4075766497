#include <algorithm>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// nn.AvgPool2d (floor mode): the window of output (oy, ox) covers rows
// [oy*sh - ph, oy*sh - ph + kh) and the matching columns; padded positions count as
// zeros. Divisor: kh*kw with count_include_pad (floor mode never lets a window pass the
// padding), else the number of window positions inside the input.
void avg_pool2d_kernel(const ExecContext &, const AvgPool2dArgs &a) {
  const Tensor x = a.x.contiguous();
  // x: [N, C, H, W]; out: [N, C, OH, OW]
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = a.out.size(2), ow = a.out.size(3);
  const float *xp = x.data_as<float>();
  float *op = a.out.data_as<float>();
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double sum = 0;
        int64_t inside = 0;
        for (int64_t ky = 0; ky < a.kernel_h; ++ky)
          for (int64_t kx = 0; kx < a.kernel_w; ++kx) {
            const int64_t iy = oy * a.stride_h - a.pad_h + ky;
            const int64_t ix = ox * a.stride_w - a.pad_w + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            sum += xp[(p * h + iy) * w + ix];
            ++inside;
          }
        const int64_t divisor = a.count_include_pad ? int64_t(a.kernel_h) * a.kernel_w : inside;
        op[(p * oh + oy) * ow + ox] = float(sum / double(divisor));
      }
}

}  // namespace

void register_avg_pool2d(KernelTable &t) {
  t.add<OpKind::avg_pool2d>(avg_pool2d_kernel, {DType::f32});
}

}  // namespace aigc::ref
