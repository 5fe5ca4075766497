// Layer norm (LayerNormArgs), f32: x (contiguous) viewed as [rows, d], two-pass mean and
// biased variance per row in f32 (the reference's two-pass formula, in double there),
// then (x - mean) * rstd * weight + bias.
//
// Rows of up to 1024 elements: one warp per row, the row held in registers (one read).
// Longer rows: one block per row, reading the row three times (after the first from L1/L2).
#include <algorithm>
#include <memory>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

struct LnParams {
  const float *x;  // contiguous [rows, d]
  const float *w;  // contiguous [d] or null
  const float *b;  // contiguous [d] or null
  float *y;
  int64_t rows, d;
  float eps;
};

__device__ __forceinline__ float affine(const LnParams &p, float xhat, int64_t i) {
  return (p.w ? xhat * p.w[i] : xhat) + (p.b ? p.b[i] : 0.f);
}

// One warp per row; lane l owns elements l, l + 32, ... (d <= 32 * kPerLane).
template <int kPerLane> __global__ void layer_norm_warp_kernel(LnParams p) {
  const int lane = threadIdx.x & 31;
  const int64_t warps_per_block = blockDim.x >> 5;
  const int64_t stride = int64_t(gridDim.x) * warps_per_block;
  const int d = int(p.d);
  for (int64_t r = blockIdx.x * warps_per_block + (threadIdx.x >> 5); r < p.rows; r += stride) {
    const float *xr = p.x + r * p.d;
    float *yr = p.y + r * p.d;
    float v[kPerLane];
    float sum = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int j = lane + 32 * k;
      v[k] = j < d ? xr[j] : 0.f;
      sum += v[k];
    }
    const float mean = warp_sum(sum) / float(d);
    float sq = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const float dev = lane + 32 * k < d ? v[k] - mean : 0.f;
      sq = fmaf(dev, dev, sq);
    }
    const float rstd = 1.f / sqrtf(warp_sum(sq) / float(d) + p.eps);
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int j = lane + 32 * k;
      if (j < d) yr[j] = affine(p, (v[k] - mean) * rstd, j);
    }
  }
}

__global__ void layer_norm_block_kernel(LnParams p) {
  __shared__ float red[32];
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const float *xr = p.x + r * p.d;
    float *yr = p.y + r * p.d;
    float sum = 0.f;
    for (int64_t j = threadIdx.x; j < p.d; j += blockDim.x) sum += xr[j];
    const float mean = block_sum(sum, red) / float(p.d);
    float sq = 0.f;
    for (int64_t j = threadIdx.x; j < p.d; j += blockDim.x) {
      const float dev = xr[j] - mean;
      sq = fmaf(dev, dev, sq);
    }
    const float rstd = 1.f / sqrtf(block_sum(sq, red) / float(p.d) + p.eps);
    for (int64_t j = threadIdx.x; j < p.d; j += blockDim.x)
      yr[j] = affine(p, (xr[j] - mean) * rstd, j);
  }
}

// out[i] = in[offset_of(l, i)]: a strided tensor made contiguous once per call.
__global__ void gather_kernel(const float *in, Layout l, float *out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = in[offset_of(l, i)];
}

// Device pointer to a contiguous copy of `t` (t itself when already contiguous: x always,
// weight / bias unless views are passed); the copy lives in `keep`, which the caller
// holds until its kernels are queued.
const float *contiguous_f32(const ExecContext &ctx, const Tensor &t, std::shared_ptr<void> &keep) {
  if (!t.defined()) return nullptr;
  if (t.is_contiguous()) return ptr<const float>(t);
  const int64_t n = t.numel();
  keep = backend_of(ctx).scratch(size_t(n) * sizeof(float));
  float *dst = static_cast<float *>(keep.get());
  gather_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(ptr<const float>(t), layout_of(t),
                                                                 dst, n);
  check_launch("layer_norm (gather)");
  return dst;
}

void layer_norm(const ExecContext &ctx, const LayerNormArgs &a) {
  const int64_t d = a.norm_size;
  if (d == 0 || a.x.numel() == 0) return;
  std::shared_ptr<void> x_keep, w_keep, b_keep;
  LnParams p{};
  p.x = contiguous_f32(ctx, a.x, x_keep);  // contiguous by contract: no copy
  p.w = contiguous_f32(ctx, a.weight, w_keep);
  p.b = contiguous_f32(ctx, a.bias, b_keep);
  p.y = ptr<float>(a.out);
  p.rows = a.x.numel() / d;
  p.d = d;
  p.eps = a.eps;
  const cudaStream_t s = stream_of(ctx);
  constexpr int64_t kMaxBlocks = int64_t(1) << 20;  // grid-stride loops cover the rest
  if (d <= 1024) {
    constexpr int kWarps = 4;
    const unsigned blocks = unsigned(std::min((p.rows + kWarps - 1) / kWarps, kMaxBlocks));
    const int threads = kWarps * 32;
    if (d <= 32) layer_norm_warp_kernel<1><<<blocks, threads, 0, s>>>(p);
    else if (d <= 64) layer_norm_warp_kernel<2><<<blocks, threads, 0, s>>>(p);
    else if (d <= 128) layer_norm_warp_kernel<4><<<blocks, threads, 0, s>>>(p);
    else if (d <= 256) layer_norm_warp_kernel<8><<<blocks, threads, 0, s>>>(p);
    else if (d <= 512) layer_norm_warp_kernel<16><<<blocks, threads, 0, s>>>(p);
    else layer_norm_warp_kernel<32><<<blocks, threads, 0, s>>>(p);
  } else {
    const int threads = d <= 4096 ? 256 : 512;
    layer_norm_block_kernel<<<unsigned(std::min(p.rows, kMaxBlocks)), threads, 0, s>>>(p);
  }
  check_launch("layer_norm");
}

void register_layer_norm(KernelTable &t) { t.add<OpKind::layer_norm>(layer_norm, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_layer_norm);
}  // namespace aigc::cuda
