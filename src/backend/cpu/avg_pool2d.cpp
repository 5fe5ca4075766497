// avg_pool2d: our own kernel. oneDNN 2.6 only offers its "simple_nchw" reference-style
// implementation for plain NCHW avg pooling: 1.0 GB/s against this kernel's 8.4 GB/s on
// 256x128x128 2x2/2, one thread (benchmarks/ops/bench_conv.cpp); reordering to its
// blocked layout and back would cost two extra passes.
// Per output row: the window's valid input rows are summed into a column-sum row
// (vectorisable adds over W), then each output sums kernel_w column sums and divides.
// Divisor: kernel_h*kernel_w with count_include_pad (in floor mode a window never passes
// the padding), else the valid rows times the valid columns.
#include <algorithm>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

void avg_pool2d_kernel(const ExecContext &ctx, const AvgPool2dArgs &a) {
  const Tensor x = a.x.contiguous();
  // x: [N, C, H, W]; out: [N, C, OH, OW]
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = a.out.size(2), ow = a.out.size(3);
  const float *xp = x.data_as<float>();
  float *yp = a.out.data_as<float>();
#pragma omp parallel num_threads(threads_for(ctx.n_threads, double(x.numel()), kElementGrain))
  {
    std::vector<float> colsum(static_cast<size_t>(w));
#pragma omp for collapse(2) schedule(static)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t wy0 = oy * a.stride_h - a.pad_h;  // window rows [wy0, wy0 + kernel_h)
        const int64_t iy0 = std::max<int64_t>(wy0, 0), iy1 = std::min(wy0 + a.kernel_h, h);
        const float *plane = xp + p * h * w;
        std::copy_n(plane + iy0 * w, w, colsum.data());
        for (int64_t iy = iy0 + 1; iy < iy1; ++iy) {
          const float *row = plane + iy * w;
          for (int64_t ix = 0; ix < w; ++ix) colsum[size_t(ix)] += row[ix];
        }
        float *out = yp + (p * oh + oy) * ow;
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t wx0 = ox * a.stride_w - a.pad_w;
          const int64_t ix0 = std::max<int64_t>(wx0, 0), ix1 = std::min(wx0 + a.kernel_w, w);
          float sum = 0.f;
          for (int64_t ix = ix0; ix < ix1; ++ix) sum += colsum[size_t(ix)];
          const int64_t divisor = a.count_include_pad ? int64_t(a.kernel_h) * a.kernel_w
                                                      : (iy1 - iy0) * (ix1 - ix0);
          out[ox] = sum / float(divisor);
        }
      }
  }
}

}  // namespace

void register_avg_pool2d(KernelTable &t) {
  t.add<OpKind::avg_pool2d>(avg_pool2d_kernel, {DType::f32});
}

}  // namespace aigc::cpu
