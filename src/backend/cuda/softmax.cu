// Softmax over the last dim of x * scale + mask (SoftmaxArgs), f32, as the reference:
// columns hidden by causality or scored -inf get 0; a row with no visible column is 0.
//
// Rows of up to 1024 columns: one warp per row, the row's scores held in registers (one
// read of x, one write of y). Longer rows (vocabulary logits): one block per row, an
// online max/sum pass and a normalising pass (x is read twice, the second time mostly
// from L2).
#include <algorithm>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// x and the mask may be strided or broadcast views: row r starts at offset_of(rows, r)
// over the leading dims and steps by the last dim's stride (0 for a broadcast mask).
struct RowParams {
  const float *x;
  Layout x_rows;
  int64_t x_step;
  const float *m;  // null without a mask
  Layout m_rows;
  int64_t m_step;
  float *y;  // contiguous [rows, n]
  int64_t rows, n, tq;
  float scale;
  bool causal;
  int64_t causal_offset;
};

// Columns j < visible_cols are visible: j - i <= causal_offset with i = r % Tq (written
// so that huge offsets cannot overflow).
__device__ __forceinline__ int64_t visible_cols(const RowParams &p, int64_t r) {
  if (!p.causal || p.causal_offset >= p.n) return p.n;
  const int64_t v = r % p.tq + p.causal_offset + 1;
  return v < 0 ? 0 : (v > p.n ? p.n : v);
}

// One fused multiply-add, as the CPU kernel (x * scale + m rounded once). kUnitStep: x's
// last dim is contiguous (the common case; spares the warp kernel 64-bit address math).
template <bool kUnitStep = false>
__device__ __forceinline__ float score(const RowParams &p, const float *xr, const float *mr,
                                       int64_t j) {
  return fmaf(xr[kUnitStep ? j : j * p.x_step], p.scale, mr ? mr[j * p.m_step] : 0.f);
}

// One warp per row; lane l owns columns l, l + 32, ... (kPerLane of them, n <= 32 * kPerLane).
template <int kPerLane, bool kUnitStep> __global__ void softmax_warp_kernel(RowParams p) {
  const int lane = threadIdx.x & 31;
  const int64_t warps_per_block = blockDim.x >> 5;
  const int64_t stride = int64_t(gridDim.x) * warps_per_block;
  // r is the same for every lane of a warp, so the loop and its `continue` are warp-uniform.
  for (int64_t r = blockIdx.x * warps_per_block + (threadIdx.x >> 5); r < p.rows; r += stride) {
    const float *xr = p.x + offset_of(p.x_rows, r);
    const float *mr = p.m ? p.m + offset_of(p.m_rows, r) : nullptr;
    float *yr = p.y + r * p.n;
    const int vis = int(visible_cols(p, r));
    const int n = int(p.n);
    float v[kPerLane];
    float mx = -INFINITY;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int j = lane + 32 * k;
      v[k] = j < vis ? score<kUnitStep>(p, xr, mr, j) : -INFINITY;
      mx = fmaxf(mx, v[k]);
    }
    mx = warp_max(mx);
    if (mx == -INFINITY) {  // nothing visible (or every score -inf)
#pragma unroll
      for (int k = 0; k < kPerLane; ++k)
        if (lane + 32 * k < n) yr[lane + 32 * k] = 0.f;
      continue;
    }
    float sum = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      // exp(-inf - mx) is exactly 0, so masked scores need no special case.
      v[k] = lane + 32 * k < vis ? expf(v[k] - mx) : 0.f;
      sum += v[k];
    }
    const float inv = 1.f / warp_sum(sum);
#pragma unroll
    for (int k = 0; k < kPerLane; ++k)
      if (lane + 32 * k < n) yr[lane + 32 * k] = v[k] * inv;
  }
}

// One block per row. Pass 1 keeps a running (max, sum of exp(s - max)) per thread, so x
// is read twice instead of three times; -inf scores are skipped (exp(-inf - -inf) would
// be NaN), NaN scores poison the sum as they do in the reference.
__global__ void softmax_block_kernel(RowParams p) {
  __shared__ float red[32];
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const float *xr = p.x + offset_of(p.x_rows, r);
    const float *mr = p.m ? p.m + offset_of(p.m_rows, r) : nullptr;
    float *yr = p.y + r * p.n;
    const int64_t vis = visible_cols(p, r);
    float mx = -INFINITY, sum = 0.f;
    for (int64_t j = threadIdx.x; j < vis; j += blockDim.x) {
      const float s = score(p, xr, mr, j);
      if (s > mx) {
        sum = sum * expf(mx - s) + 1.f;  // expf(-inf) = 0 on the first finite score
        mx = s;
      } else if (s != -INFINITY) {
        sum += expf(s - mx);
      }
    }
    const float row_max = block_max(mx, red);  // block-uniform
    if (row_max == -INFINITY) {
      for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x) yr[j] = 0.f;
      continue;  // the next reduction's leading __syncthreads protects `red`
    }
    const float mine = mx == -INFINITY ? 0.f : sum * expf(mx - row_max);
    const float inv = 1.f / block_sum(mine, red);
    for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x)
      yr[j] = j < vis ? expf(score(p, xr, mr, j) - row_max) * inv : 0.f;
  }
}

// Layout of the leading dims of a full layout (the row index space) and its last stride.
void split_rows(const Layout &full, Layout &rows, int64_t &step) {
  rows = full;
  rows.rank = full.rank - 1;
  step = full.strides[full.rank - 1];
}

constexpr int kWarps = 4;  // rows per block of the warp kernel

template <bool kUnitStep> void launch_warp(const RowParams &p, unsigned blocks, cudaStream_t s) {
  constexpr int threads = kWarps * 32;
  if (p.n <= 32) softmax_warp_kernel<1, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.n <= 64) softmax_warp_kernel<2, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.n <= 128) softmax_warp_kernel<4, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.n <= 256) softmax_warp_kernel<8, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else if (p.n <= 512) softmax_warp_kernel<16, kUnitStep><<<blocks, threads, 0, s>>>(p);
  else softmax_warp_kernel<32, kUnitStep><<<blocks, threads, 0, s>>>(p);
}

void softmax(const ExecContext &ctx, const SoftmaxArgs &a) {
  const int64_t n = a.x.size(-1);
  if (n == 0 || a.x.numel() == 0) return;
  RowParams p{};
  p.x = ptr<const float>(a.x);
  split_rows(layout_of(a.x), p.x_rows, p.x_step);
  if (a.mask.defined()) {
    p.m = ptr<const float>(a.mask);
    split_rows(broadcast_layout(a.mask, a.x.shape()), p.m_rows, p.m_step);
  }
  p.y = ptr<float>(a.out);
  p.n = n;
  p.rows = a.x.numel() / n;
  p.tq = a.x.rank() >= 2 ? a.x.size(-2) : 1;
  p.scale = a.scale;
  p.causal = a.causal;
  p.causal_offset = a.causal_offset;
  const cudaStream_t s = stream_of(ctx);
  constexpr int64_t kMaxBlocks = int64_t(1) << 20;  // grid-stride loops cover the rest
  if (n <= 1024) {
    const unsigned blocks = unsigned(std::min((p.rows + kWarps - 1) / kWarps, kMaxBlocks));
    if (p.x_step == 1) launch_warp<true>(p, blocks, s);
    else launch_warp<false>(p, blocks, s);
  } else {
    const int threads = n <= 4096 ? 256 : 1024;
    softmax_block_kernel<<<unsigned(std::min(p.rows, kMaxBlocks)), threads, 0, s>>>(p);
  }
  check_launch("softmax");
}

void register_softmax(KernelTable &t) { t.add<OpKind::softmax>(softmax, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_softmax);
}  // namespace aigc::cuda
