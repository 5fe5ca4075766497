// avg_pool2d (AvgPool2dArgs), f32 NCHW, x strided or not, out contiguous; nn.AvgPool2d
// in floor mode. One thread per output pixel (threads along an output row, blockDim.y
// rows per block, blocks striding over the N*C*OH rows); each sums the window's rows
// clipped to the input in f32 (the reference sums in double: ~1e-7 relative) and divides
// by kernel_h*kernel_w with count_include_pad, else by the number of pixels inside.
#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

struct Geometry {
  int64_t c, h, w, oh, ow, rows;  // rows = N * C * OH
  int64_t sn, sc, sh, sw;         // x strides (elements)
  int kh, kw, sy, sx, py, px;
  bool include_pad;
};

__global__ void avg_pool2d_kernel(const float *x, Geometry g, float *out) {
  const int64_t ox = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (ox >= g.ow) return;
  const int64_t wx0 = ox * g.sx - g.px;  // window columns [wx0, wx0 + kw)
  const int64_t ix0 = wx0 > 0 ? wx0 : 0, ix1 = wx0 + g.kw < g.w ? wx0 + g.kw : g.w;
  for (int64_t row = blockIdx.y * int64_t(blockDim.y) + threadIdx.y; row < g.rows;
       row += int64_t(gridDim.y) * blockDim.y) {
    const int64_t plane = row / g.oh, oy = row - plane * g.oh;
    const int64_t n = plane / g.c, c = plane - n * g.c;
    const float *in = x + n * g.sn + c * g.sc;
    const int64_t wy0 = oy * g.sy - g.py;  // window rows [wy0, wy0 + kh)
    const int64_t iy0 = wy0 > 0 ? wy0 : 0, iy1 = wy0 + g.kh < g.h ? wy0 + g.kh : g.h;
    float sum = 0.f;
    for (int64_t iy = iy0; iy < iy1; ++iy) {
      const float *r = in + iy * g.sh;
      for (int64_t ix = ix0; ix < ix1; ++ix) sum += r[ix * g.sw];
    }
    const int64_t divisor = g.include_pad ? int64_t(g.kh) * g.kw : (iy1 - iy0) * (ix1 - ix0);
    out[row * g.ow + ox] = sum / float(divisor);
  }
}

void avg_pool2d(const ExecContext &ctx, const AvgPool2dArgs &a) {
  // x: [N, C, H, W]; out: [N, C, OH, OW]
  const Tensor &x = a.x;
  Geometry g;
  g.c = x.size(1);
  g.h = x.size(2);
  g.w = x.size(3);
  g.oh = a.out.size(2);
  g.ow = a.out.size(3);
  g.rows = x.size(0) * g.c * g.oh;
  g.sn = x.stride(0);
  g.sc = x.stride(1);
  g.sh = x.stride(2);
  g.sw = x.stride(3);
  g.kh = a.kernel_h;
  g.kw = a.kernel_w;
  g.sy = a.stride_h;
  g.sx = a.stride_w;
  g.py = a.pad_h;
  g.px = a.pad_w;
  g.include_pad = a.count_include_pad;
  if (g.rows == 0 || g.ow == 0) return;
  const int bx = int(g.ow >= kThreads ? kThreads : (g.ow + 31) / 32 * 32);
  const int by = kThreads / bx;
  const int64_t gy = (g.rows + by - 1) / by;
  const dim3 block{unsigned(bx), unsigned(by)};
  const dim3 grid{unsigned((g.ow + bx - 1) / bx), unsigned(gy < 65535 ? gy : 65535)};
  avg_pool2d_kernel<<<grid, block, 0, stream_of(ctx)>>>(ptr<const float>(x), g, ptr<float>(a.out));
  check_launch("avg_pool2d");
}

void register_avg_pool2d(KernelTable &t) {
  t.add<OpKind::avg_pool2d>(avg_pool2d, {DType::f32});
}

}  // namespace
AIGC_CUDA_REGISTER(register_avg_pool2d);
}  // namespace aigc::cuda
