// RMS norm (RmsNormArgs), f32: y = x / sqrt(mean(x^2) + eps) * weight over the last dim.
// Sums in f32 (tree order) where the reference sums in double: relative error ~1e-7.
//
// Rows of up to 1024 elements: one warp per row, the row held in registers (one read).
// Longer rows: one block per row, reading the row twice (the second time from L1/L2).
#include <algorithm>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// x may be strided: row r starts at offset_of(x_rows, r) and steps by x_step; the 1-D
// weight steps by w_step (w null when absent). y is contiguous [rows, d].
struct RmsParams {
  const float *x;
  Layout x_rows;
  int64_t x_step;
  const float *w;
  int64_t w_step;
  float *y;
  int64_t rows, d;
  float eps;
};

__device__ __forceinline__ float weight_at(const RmsParams &p, int64_t i) {
  return p.w ? p.w[i * p.w_step] : 1.f;
}

// One warp per row; lane l owns elements l, l + 32, ... (d <= 32 * kPerLane). kUnitStep:
// x's last dim is contiguous (the common case; spares the 64-bit address math).
template <int kPerLane, bool kUnitStep> __global__ void rms_norm_warp_kernel(RmsParams p) {
  const int lane = threadIdx.x & 31;
  const int64_t warps_per_block = blockDim.x >> 5;
  const int64_t stride = int64_t(gridDim.x) * warps_per_block;
  const int d = int(p.d);
  for (int64_t r = blockIdx.x * warps_per_block + (threadIdx.x >> 5); r < p.rows; r += stride) {
    const float *xr = p.x + offset_of(p.x_rows, r);
    float *yr = p.y + r * p.d;
    float v[kPerLane];
    float sq = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int j = lane + 32 * k;
      v[k] = j < d ? xr[kUnitStep ? int64_t(j) : j * p.x_step] : 0.f;
      sq = fmaf(v[k], v[k], sq);
    }
    const float rrms = 1.f / sqrtf(warp_sum(sq) / float(d) + p.eps);
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int j = lane + 32 * k;
      if (j < d) yr[j] = v[k] * rrms * weight_at(p, j);
    }
  }
}

__global__ void rms_norm_block_kernel(RmsParams p) {
  __shared__ float red[32];
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const float *xr = p.x + offset_of(p.x_rows, r);
    float *yr = p.y + r * p.d;
    float sq = 0.f;
    for (int64_t j = threadIdx.x; j < p.d; j += blockDim.x) {
      const float v = xr[j * p.x_step];
      sq = fmaf(v, v, sq);
    }
    const float rrms = 1.f / sqrtf(block_sum(sq, red) / float(p.d) + p.eps);
    for (int64_t j = threadIdx.x; j < p.d; j += blockDim.x)
      yr[j] = xr[j * p.x_step] * rrms * weight_at(p, j);
  }
}

constexpr int kWarps = 4;  // rows per block of the warp kernel

template <bool kUnitStep> void launch_warp(const RmsParams &p, unsigned blocks, cudaStream_t s) {
  constexpr int threads = kWarps * 32;
  if (p.d <= 32) rms_norm_warp_kernel<1, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.d <= 64) rms_norm_warp_kernel<2, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.d <= 128) rms_norm_warp_kernel<4, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.d <= 256) rms_norm_warp_kernel<8, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.d <= 512) rms_norm_warp_kernel<16, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else rms_norm_warp_kernel<32, kUnitStep><<<blocks, threads, 0, s>>>(p);
}

void rms_norm(const ExecContext &ctx, const RmsNormArgs &a) {
  const int64_t d = a.x.size(-1);
  if (d == 0 || a.x.numel() == 0) return;
  RmsParams p{};
  p.x = ptr<const float>(a.x);
  const Layout xl = layout_of(a.x);
  p.x_rows = xl;
  p.x_rows.rank = xl.rank - 1;
  p.x_step = xl.strides[xl.rank - 1];
  if (a.weight.defined()) {
    p.w = ptr<const float>(a.weight);
    p.w_step = a.weight.stride(0);
  }
  p.y = ptr<float>(a.out);
  p.rows = a.x.numel() / d;
  p.d = d;
  p.eps = a.eps;
  const cudaStream_t s = stream_of(ctx);
  constexpr int64_t kMaxBlocks = int64_t(1) << 20;  // grid-stride loops cover the rest
  if (d <= 1024) {
    const unsigned blocks = unsigned(std::min((p.rows + kWarps - 1) / kWarps, kMaxBlocks));
    if (p.x_step == 1) launch_warp<true>(p, blocks, s);
    else launch_warp<false>(p, blocks, s);
  } else {
    const int threads = d <= 4096 ? 256 : 512;
    rms_norm_block_kernel<<<unsigned(std::min(p.rows, kMaxBlocks)), threads, 0, s>>>(p);
  }
  check_launch("rms_norm");
}

void register_rms_norm(KernelTable &t) { t.add<OpKind::rms_norm>(rms_norm, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_rms_norm);
}  // namespace aigc::cuda
