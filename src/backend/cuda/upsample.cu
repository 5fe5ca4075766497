// upsample (UpsampleArgs), f32 NCHW, x strided or not, out contiguous. One thread per
// output pixel: threads along an output row (blockDim.x, a multiple of 32 fitted to
// OW), blockDim.y rows per block, blocks striding over the N*C*OH output rows.
//   nearest:  out[oy, ox] = x[oy / f, ox / f];
//   bilinear: PyTorch align_corners=False taps, as the reference: src = max((i + 0.5) / f
//             - 0.5, 0), i0 = min(floor(src), size - 1), i1 = min(i0 + 1, size - 1),
//             weight src - i0 on i1. The tap index is exact in f32 (src's distance to an
//             integer is a multiple of 1/(2f) or zero); the blend runs in f32 where the
//             reference uses double (~1e-7 relative, as the CPU kernel).
#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

struct Geometry {
  int64_t c, h, w, oh, ow, rows;   // rows = N * C * OH
  int64_t sn, sc, sh, sw;          // x strides (elements)
  int f;
};

struct Tap {
  int64_t i0, i1;
  float l;
};
__device__ __forceinline__ Tap linear_tap(int64_t i, int f, int64_t size) {
  const float src = fmaxf(__fsub_rn(__fdiv_rn(float(i) + 0.5f, float(f)), 0.5f), 0.f);
  int64_t i0 = int64_t(floorf(src));
  if (i0 > size - 1) i0 = size - 1;
  return {i0, i0 + 1 < size ? i0 + 1 : size - 1, src - float(i0)};
}

// Base of input plane (n, c) for output row `row`, and the output row index oy.
__device__ __forceinline__ const float *plane_of(const float *x, const Geometry &g, int64_t row,
                                                 int64_t *oy) {
  const int64_t plane = row / g.oh;
  *oy = row - plane * g.oh;
  const int64_t n = plane / g.c, c = plane - n * g.c;
  return x + n * g.sn + c * g.sc;
}

template <bool Bilinear>
__global__ void upsample_kernel(const float *x, Geometry g, float *out) {
  const int64_t ox = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (ox >= g.ow) return;
  // Column taps do not depend on the row: computed once per thread.
  Tap tx{};
  int64_t ix = 0;
  if constexpr (Bilinear) tx = linear_tap(ox, g.f, g.w);
  else ix = ox / g.f;
  for (int64_t row = blockIdx.y * int64_t(blockDim.y) + threadIdx.y; row < g.rows;
       row += int64_t(gridDim.y) * blockDim.y) {
    int64_t oy;
    const float *in = plane_of(x, g, row, &oy);
    float v;
    if constexpr (Bilinear) {
      const Tap ty = linear_tap(oy, g.f, g.h);
      const float *r0 = in + ty.i0 * g.sh, *r1 = in + ty.i1 * g.sh;
      const float a0 = r0[tx.i0 * g.sw], a1 = r0[tx.i1 * g.sw];
      const float b0 = r1[tx.i0 * g.sw], b1 = r1[tx.i1 * g.sw];
      const float top = a0 + tx.l * (a1 - a0), bottom = b0 + tx.l * (b1 - b0);
      v = top + ty.l * (bottom - top);
    } else {
      v = in[(oy / g.f) * g.sh + ix * g.sw];
    }
    out[row * g.ow + ox] = v;
  }
}

void upsample(const ExecContext &ctx, const UpsampleArgs &a) {
  // x: [N, C, H, W]; out: [N, C, H*f, W*f]
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
  g.f = a.factor;
  if (g.rows == 0 || g.ow == 0) return;
  const int bx = int(g.ow >= kThreads ? kThreads : (g.ow + 31) / 32 * 32);
  const int by = kThreads / bx;
  const int64_t gy = (g.rows + by - 1) / by;
  const dim3 block{unsigned(bx), unsigned(by)};
  const dim3 grid{unsigned((g.ow + bx - 1) / bx), unsigned(gy < 65535 ? gy : 65535)};
  if (a.mode == UpsampleMode::bilinear)
    upsample_kernel<true><<<grid, block, 0, stream_of(ctx)>>>(ptr<const float>(x), g, ptr<float>(a.out));
  else
    upsample_kernel<false><<<grid, block, 0, stream_of(ctx)>>>(ptr<const float>(x), g, ptr<float>(a.out));
  check_launch("upsample");
}

void register_upsample(KernelTable &t) { t.add<OpKind::upsample>(upsample, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_upsample);
}  // namespace aigc::cuda
