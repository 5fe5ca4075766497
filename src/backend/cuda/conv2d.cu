// conv2d (Conv2dArgs, f32 NCHW) on CUDA: im2col into scratch + cuBLAS SGEMM.
//   Per image and group: out_g [Cout/g, OH*OW] = w_g [Cout/g, R] @ col_g [R, OH*OW] with
//   R = Cin/g * KH * KW; col rows are (ci, ky, kx), the order of w's trailing dims.
//   Batching: one strided-batched call over the images of a chunk (groups == 1, the
//   weight shared with stride 0) or over the groups of an image (grouped); a host loop
//   covers the other dim. col is chunked to <= kColBudget bytes: whole images when one
//   fits, else bands of output rows of one image (a 1024^2 VAE layer would need GBs).
//   1x1, stride 1, no padding: x's channel planes are col already; no im2col.
//   f32 throughout (handle's default math: no TF32), so the CPU's tight tolerance holds.
//   cuDNN is not linked; cuDNN / implicit-GEMM kernels were not measured against this.
#include <algorithm>
#include <climits>
#include <mutex>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

constexpr int64_t kColBudget = int64_t(256) << 20;  // bytes of im2col scratch per chunk

struct ConvGeom {
  int64_t cin, h, w, kh, kw, oh, ow;
  int sh, sw, ph, pw, dh, dw;
  int64_t xs0, xs1, xs2, xs3;  // x strides (elements)
};

// col [nimg, cin*kh*kw, np] for images n0.. and output pixels p0..p0+np-1 (row-major
// over (oy, ox)); taps outside the input are 0.
template <class I>
__global__ void im2col_kernel(const float *x, ConvGeom g, int64_t n0, int64_t p0, I np, I rows,
                              I total, float *col) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * I(blockDim.x)) {
    const I pt = i % np;
    const I r = (i / np) % rows;
    const I img = i / (np * rows);
    const int64_t p = p0 + pt;
    const int64_t oy = p / g.ow, ox = p % g.ow;
    const I kx = r % I(g.kw);
    const I ky = (r / I(g.kw)) % I(g.kh);
    const I c = r / I(g.kw * g.kh);
    const int64_t iy = oy * g.sh - g.ph + int64_t(ky) * g.dh;
    const int64_t ix = ox * g.sw - g.pw + int64_t(kx) * g.dw;
    float v = 0.f;
    if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
      v = x[(n0 + img) * g.xs0 + int64_t(c) * g.xs1 + iy * g.xs2 + ix * g.xs3];
    col[i] = v;
  }
}

// out[n, c, p] = bias[c * bias_stride] for every image, channel and pixel.
__global__ void fill_channel_bias_kernel(float *out, int64_t total, int64_t C, int64_t P,
                                         const float *bias, int64_t bias_stride) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = bias[((i / P) % C) * bias_stride];
}

// w [Cout, Cin/g, KH, KW] made contiguous when it is a strided view.
__global__ void gather4_kernel(const float *src, Layout l, float *dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = src[offset_of(l, i)];
}

int to_int(int64_t v, const char *what) {
  AIGC_CHECK(v >= 0 && v <= INT_MAX, Status::unsupported, "conv2d: {} = {} exceeds cuBLAS's int range",
             what, v);
  return int(v);
}

// One operand of the per-(image, group) GEMMs: base pointer, leading dim and the
// strides between images and between groups.
struct Operand {
  const float *p;
  int64_t ld, per_img, per_group;
};

// out (col-major view: [P, Cout/g] per image and group) = col^T w^T for nimg images
// starting at out_img, pixels p0..p0+np-1 (np == P unless one image is banded).
void gemm_chunk(cublasHandle_t h, const Operand &col, const Operand &w, float *out, int64_t out_per_img,
                int64_t out_per_group, int64_t P, int64_t np, int64_t cout_g, int64_t R, int64_t nimg,
                int groups, float beta) {
  const float alpha = 1.f;
  const int m = to_int(np, "OH*OW"), n = to_int(cout_g, "Cout/groups"), k = to_int(R, "Cin/groups*KH*KW");
  const int ldc = to_int(col.ld, "ld"), ldw = to_int(w.ld, "ld"), ldo = to_int(P, "OH*OW");
  auto call = [&](const float *c, int64_t sc, const float *wp, int64_t sw, float *o, int64_t so, int64_t count) {
    // Column-major: out^T [np, Cout/g] (ld P) = col^T [np, R] (ld) * w^T [R, Cout/g] (ld R).
    check_blas(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, c, ldc, sc, wp, ldw,
                                         sw, &beta, o, ldo, so, to_int(count, "batch")),
               "conv2d: cublasSgemmStridedBatched");
  };
  if (groups == 1) return call(col.p, col.per_img, w.p, 0, out, out_per_img, nimg);
  if (nimg <= groups) {  // loop images, batch groups
    for (int64_t i = 0; i < nimg; ++i)
      call(col.p + i * col.per_img, col.per_group, w.p, w.per_group, out + i * out_per_img, out_per_group,
           groups);
  } else {  // loop groups, batch images
    for (int64_t g = 0; g < groups; ++g)
      call(col.p + g * col.per_group, col.per_img, w.p + g * w.per_group, 0, out + g * out_per_group,
           out_per_img, nimg);
  }
}

void conv2d(const ExecContext &ctx, const Conv2dArgs &a) {
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t s = stream_of(ctx);
  const Tensor &x = a.x, &out = a.out;
  // x: [N, Cin, H, W]; w: [Cout, Cin/g, KH, KW]; out: [N, Cout, OH, OW] (contiguous)
  ConvGeom g;
  const int64_t nb = x.size(0);
  g.cin = x.size(1), g.h = x.size(2), g.w = x.size(3);
  const int64_t cout = a.w.size(0), cin_g = a.w.size(1);
  g.kh = a.w.size(2), g.kw = a.w.size(3);
  g.oh = out.size(2), g.ow = out.size(3);
  g.sh = a.stride_h, g.sw = a.stride_w, g.ph = a.pad_h, g.pw = a.pad_w, g.dh = a.dilation_h, g.dw = a.dilation_w;
  g.xs0 = x.stride(0), g.xs1 = x.stride(1), g.xs2 = x.stride(2), g.xs3 = x.stride(3);
  const int groups = a.groups;
  const int64_t cout_g = cout / groups, P = g.oh * g.ow, R = cin_g * g.kh * g.kw;
  const int64_t rows_all = g.cin * g.kh * g.kw;  // col rows of all groups
  float *y = static_cast<float *>(out.data());

  std::shared_ptr<void> w_hold;
  const float *w = static_cast<const float *>(a.w.data());
  if (!a.w.is_contiguous()) {
    w_hold = be.scratch(size_t(a.w.numel()) * 4);
    gather4_kernel<<<blocks_for(a.w.numel()), kThreads, 0, s>>>(w, layout_of(a.w), static_cast<float *>(w_hold.get()),
                                                               a.w.numel());
    check_launch("conv2d: gather w");
    w = static_cast<const float *>(w_hold.get());
  }
  float beta = 0.f;
  if (a.bias.defined()) {
    fill_channel_bias_kernel<<<blocks_for(out.numel()), kThreads, 0, s>>>(
        y, out.numel(), cout, P, static_cast<const float *>(a.bias.data()), a.bias.stride(0));
    check_launch("conv2d: bias");
    beta = 1.f;
  }
  const Operand wop{w, R, 0, cout_g * R};
  const int64_t out_img = cout * P, out_group = cout_g * P;

  // 1x1, stride 1, no padding: col_g is x's channel planes of the group, when each
  // plane is contiguous (the channel stride is then the leading dim).
  const bool plane = (g.w == 1 || g.xs3 == 1) && (g.h == 1 || g.xs2 == g.w);
  const int64_t ld_x = g.cin == 1 ? P : g.xs1;
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && plane && ld_x >= P) {
    const Operand col{static_cast<const float *>(x.data()), ld_x, g.xs0, cin_g * ld_x};
    std::lock_guard<std::mutex> lock(be.blas_mutex());
    gemm_chunk(be.blas(), col, wop, y, out_img, out_group, P, P, cout_g, R, nb, groups, beta);
    return;
  }

  // Chunks: whole images while they fit the budget, else bands of output rows.
  const int64_t img_bytes = rows_all * P * 4;
  const int64_t imgs = std::max<int64_t>(1, std::min(nb, kColBudget / std::max<int64_t>(img_bytes, 1)));
  const int64_t band_rows =
      img_bytes <= kColBudget ? g.oh : std::max<int64_t>(1, kColBudget / (rows_all * g.ow * 4));
  const int64_t chunk_elems = imgs * rows_all * std::min(P, band_rows * g.ow);
  const std::shared_ptr<void> col_hold = be.scratch(size_t(chunk_elems) * 4);
  float *col = static_cast<float *>(col_hold.get());
  const float *xp = static_cast<const float *>(x.data());
  for (int64_t n0 = 0; n0 < nb; n0 += imgs) {
    const int64_t ni = std::min(imgs, nb - n0);
    for (int64_t oy0 = 0; oy0 < g.oh; oy0 += band_rows) {
      const int64_t p0 = oy0 * g.ow, np = std::min(band_rows, g.oh - oy0) * g.ow;
      const int64_t total = ni * rows_all * np;
      if (total <= INT_MAX / 2)  // 32-bit index math (the grid stride must not overflow either)
        im2col_kernel<int><<<blocks_for(total), kThreads, 0, s>>>(xp, g, n0, p0, int(np), int(rows_all),
                                                                  int(total), col);
      else
        im2col_kernel<int64_t><<<blocks_for(total), kThreads, 0, s>>>(xp, g, n0, p0, np, rows_all, total, col);
      check_launch("conv2d: im2col");
      // col: [ni, groups, R, np]
      const Operand cop{col, np, rows_all * np, R * np};
      std::lock_guard<std::mutex> lock(be.blas_mutex());
      gemm_chunk(be.blas(), cop, wop, y + n0 * out_img + p0, out_img, out_group, P, np, cout_g, R, ni, groups,
                 beta);
    }
  }
}

void register_conv2d(KernelTable &t) { t.add<OpKind::conv2d>(conv2d, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_conv2d);
}  // namespace aigc::cuda
