// conv_transpose2d (ConvTranspose2dArgs, f32 NCHW) on CUDA: cuBLAS SGEMM into a column
// buffer, then a col2im gather.
//   Per image and group: col_g [Cout/g * KH * KW, H*W] = w_g^T @ x_g, with w_g the group's
//   [Cin/g, Cout/g*KH*KW] rows of w and x_g its [Cin/g, H*W] channel planes: col holds
//   every input pixel's contribution to every tap. col2im then computes each output
//   pixel as the sum of the taps that land on it (oy = iy*stride - pad + ky*dilation,
//   solved for iy), plus bias: a gather, no atomics, deterministic.
//   Batching as in conv2d.cu (strided-batched over images or groups). col is chunked to
//   <= kColBudget bytes: whole images when one fits, else ranges of output channels of
//   one image and group (columns of w_g, rows of col).
//   f32 throughout (no TF32). cuDNN is not linked; cuDNN was not measured against this.
#include <algorithm>
#include <climits>
#include <mutex>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

constexpr int64_t kColBudget = int64_t(256) << 20;  // bytes of column scratch per chunk

struct DeconvGeom {
  int64_t h, w, kh, kw, oh, ow, cout;
  int sh, sw, ph, pw, dh, dw;
};

// out[n0 + img, c0 + c, oy, ox] = bias + sum of the col taps landing there, for nimg
// images and nc channels; col is [nimg, nc, KH*KW, H*W].
__global__ void col2im_kernel(const float *col, DeconvGeom g, int64_t n0, int64_t c0, int64_t nc,
                              int64_t total, const float *bias, int64_t bias_stride, float *out) {
  const int64_t kk = g.kh * g.kw, hw = g.h * g.w, ohw = g.oh * g.ow;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = i % g.ow, oy = (i / g.ow) % g.oh;
    const int64_t c = (i / ohw) % nc, img = i / (ohw * nc);
    const int64_t oc = c0 + c;
    const float *cc = col + (img * nc + c) * kk * hw;
    float sum = 0.f;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t ty = oy + g.ph - ky * g.dh;
      if (ty < 0 || ty % g.sh != 0) continue;
      const int64_t iy = ty / g.sh;
      if (iy >= g.h) continue;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t tx = ox + g.pw - kx * g.dw;
        if (tx < 0 || tx % g.sw != 0) continue;
        const int64_t ix = tx / g.sw;
        if (ix >= g.w) continue;
        sum += cc[(ky * g.kw + kx) * hw + iy * g.w + ix];
      }
    }
    if (bias) sum += bias[oc * bias_stride];
    out[((n0 + img) * g.cout + oc) * ohw + oy * g.ow + ox] = sum;
  }
}

__global__ void gather_kernel(const float *src, Layout l, float *dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = src[offset_of(l, i)];
}

// A contiguous copy of t in scratch (held by *hold).
const float *contiguous_copy(const ExecContext &ctx, const Tensor &t, std::shared_ptr<void> *hold) {
  *hold = backend_of(ctx).scratch(size_t(std::max<int64_t>(t.numel(), 1)) * 4);
  float *dst = static_cast<float *>(hold->get());
  gather_kernel<<<blocks_for(t.numel()), kThreads, 0, stream_of(ctx)>>>(static_cast<const float *>(t.data()),
                                                                        layout_of(t), dst, t.numel());
  check_launch("conv_transpose2d: gather");
  return dst;
}

int to_int(int64_t v, const char *what) {
  AIGC_CHECK(v >= 0 && v <= INT_MAX, Status::unsupported,
             "conv_transpose2d: {} = {} exceeds cuBLAS's int range", what, v);
  return int(v);
}

void conv_transpose2d(const ExecContext &ctx, const ConvTranspose2dArgs &a) {
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t s = stream_of(ctx);
  const Tensor &out = a.out;
  // x: [N, Cin, H, W]; w: [Cin, Cout/g, KH, KW]; out: [N, Cout, OH, OW] (contiguous)
  const int64_t nb = a.x.size(0), cin = a.x.size(1);
  DeconvGeom g;
  g.h = a.x.size(2), g.w = a.x.size(3);
  g.kh = a.w.size(2), g.kw = a.w.size(3);
  g.oh = out.size(2), g.ow = out.size(3), g.cout = out.size(1);
  g.sh = a.stride_h, g.sw = a.stride_w, g.ph = a.pad_h, g.pw = a.pad_w, g.dh = a.dilation_h, g.dw = a.dilation_w;
  const int groups = a.groups;
  const int64_t cin_g = cin / groups, cout_g = a.w.size(1), kk = g.kh * g.kw, hw = g.h * g.w;
  const int64_t cokk = cout_g * kk;

  // x's channel planes must be contiguous runs for the GEMM (the channel stride is
  // then its leading dim); anything else is copied once.
  std::shared_ptr<void> x_hold, w_hold;
  const float *x = static_cast<const float *>(a.x.data());
  int64_t x_img = a.x.stride(0), ld_x = cin == 1 ? hw : a.x.stride(1);
  const bool plane = (g.w == 1 || a.x.stride(3) == 1) && (g.h == 1 || a.x.stride(2) == g.w);
  if (!plane || ld_x < hw) {
    x = contiguous_copy(ctx, a.x, &x_hold);
    x_img = cin * hw;
    ld_x = hw;
  }
  if (nb == 1) x_img = cin * ld_x;  // any stride is fine for a single image
  const float *w = a.w.is_contiguous() ? static_cast<const float *>(a.w.data()) : contiguous_copy(ctx, a.w, &w_hold);
  const float *bias = a.bias.defined() ? static_cast<const float *>(a.bias.data()) : nullptr;
  const int64_t bias_stride = a.bias.defined() ? a.bias.stride(0) : 0;
  float *y = static_cast<float *>(out.data());

  // Chunks: whole images while they fit the budget, else channel ranges of one group.
  const int64_t img_elems = g.cout * kk * hw;
  const int64_t imgs = std::max<int64_t>(1, std::min(nb, kColBudget / 4 / std::max<int64_t>(img_elems, 1)));
  const int64_t ch_chunk =
      img_elems * 4 <= kColBudget ? cout_g : std::max<int64_t>(1, std::min(cout_g, kColBudget / 4 / (kk * hw)));
  const bool whole = ch_chunk == cout_g;
  const int64_t col_elems = whole ? imgs * img_elems : ch_chunk * kk * hw;
  const std::shared_ptr<void> col_hold = be.scratch(size_t(col_elems) * 4);
  float *col = static_cast<float *>(col_hold.get());

  const float alpha = 1.f, beta = 0.f;
  const int m = to_int(hw, "H*W"), k = to_int(cin_g, "Cin/groups");
  const int ldx = to_int(ld_x, "ld"), ldw = to_int(cokk, "Cout/groups*KH*KW"), ldc = m;
  // Column-major: col^T [HW, n] (ld HW) = x_g^T [HW, Cin/g] (ld ld_x) * w_g [Cin/g, n] (op T of
  // the [n, Cin/g] column-major view of w_g's rows, ld Cout/g*KH*KW).
  auto gemm = [&](const float *xp, int64_t sx, const float *wp, int64_t sw, float *cp, int64_t sc, int64_t n,
                  int64_t count) {
    check_blas(cublasSgemmStridedBatched(be.blas(), CUBLAS_OP_N, CUBLAS_OP_T, m, to_int(n, "n"), k, &alpha, xp,
                                         ldx, sx, wp, ldw, sw, &beta, cp, ldc, sc, to_int(count, "batch")),
               "conv_transpose2d: cublasSgemmStridedBatched");
  };
  const int64_t x_group = cin_g * ld_x, w_group = cin_g * cokk, col_group = cokk * hw;
  for (int64_t n0 = 0; n0 < nb; n0 += whole ? imgs : 1) {
    const int64_t ni = whole ? std::min(imgs, nb - n0) : 1;
    const float *xn = x + n0 * x_img;
    if (whole) {
      {
        std::lock_guard<std::mutex> lock(be.blas_mutex());
        if (groups == 1) {
          gemm(xn, x_img, w, 0, col, img_elems, cokk, ni);
        } else if (ni <= groups) {  // loop images, batch groups
          for (int64_t i = 0; i < ni; ++i)
            gemm(xn + i * x_img, x_group, w, w_group, col + i * img_elems, col_group, cokk, groups);
        } else {  // loop groups, batch images
          for (int64_t gi = 0; gi < groups; ++gi)
            gemm(xn + gi * x_group, x_img, w + gi * w_group, 0, col + gi * col_group, img_elems, cokk, ni);
        }
      }
      const int64_t total = ni * g.cout * g.oh * g.ow;
      col2im_kernel<<<blocks_for(total), kThreads, 0, s>>>(col, g, n0, 0, g.cout, total, bias, bias_stride, y);
      check_launch("conv_transpose2d: col2im");
      continue;
    }
    for (int64_t gi = 0; gi < groups; ++gi) {
      for (int64_t co0 = 0; co0 < cout_g; co0 += ch_chunk) {
        const int64_t nc = std::min(ch_chunk, cout_g - co0);
        {
          std::lock_guard<std::mutex> lock(be.blas_mutex());
          gemm(xn + gi * x_group, 0, w + gi * w_group + co0 * kk, 0, col, 0, nc * kk, 1);
        }
        const int64_t total = nc * g.oh * g.ow;
        col2im_kernel<<<blocks_for(total), kThreads, 0, s>>>(col, g, n0, gi * cout_g + co0, nc, total, bias,
                                                             bias_stride, y);
        check_launch("conv_transpose2d: col2im");
      }
    }
  }
}

void register_conv_transpose2d(KernelTable &t) {
  t.add<OpKind::conv_transpose2d>(conv_transpose2d, {DType::f32});
}

}  // namespace
AIGC_CUDA_REGISTER(register_conv_transpose2d);
}  // namespace aigc::cuda
