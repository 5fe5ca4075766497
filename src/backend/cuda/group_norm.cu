// Group norm (GroupNormArgs), f32, x [N, C, *] (PyTorch nn.GroupNorm): biased mean and
// variance over each group of C/groups channels and all spatial positions, then a
// per-channel affine.
//
// A group is one contiguous range of count = C/groups * spatial elements. One block per
// group would give too little parallelism (Stable Diffusion: N=2, 32 groups -> 64 blocks
// on 132 SMs, 40960 elements each), so the statistics are split:
//   1. group_stats_kernel: one block per chunk of kChunk elements of a group, held in
//      registers; writes the chunk's mean and M2 (sum of squared deviations from the
//      chunk mean, i.e. two-pass within the chunk).
//   2. group_finalize_kernel: one warp per group merges its chunks with Chan's parallel
//      formula in double -> mean, rstd.
//   3. group_apply_kernel: elementwise over [N*C rows, spatial], float4 when aligned.
// x is read twice (the second time mostly from L2 at SD sizes) and y written once.
#include <algorithm>
#include <memory>
#include <type_traits>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

constexpr int kStatsThreads = 256;
constexpr int kPerThread = 16;
constexpr int64_t kChunk = int64_t(kStatsThreads) * kPerThread;  // elements per stats block

// Block b: chunk b % n_chunks of group b / n_chunks (groups laid out back to back in x).
__global__ void group_stats_kernel(const float *x, int64_t count, int64_t n_chunks,
                                   float2 *partial) {
  __shared__ float red[32];
  const int64_t grp = blockIdx.x / n_chunks, chunk = blockIdx.x % n_chunks;
  const int64_t start = chunk * kChunk;
  const int len = int(count - start < kChunk ? count - start : kChunk);
  const float *xc = x + grp * count + start;
  float v[kPerThread];
  float sum = 0.f;
#pragma unroll
  for (int k = 0; k < kPerThread; ++k) {
    const int j = k * kStatsThreads + threadIdx.x;  // coalesced across the block
    v[k] = j < len ? xc[j] : 0.f;
    sum += v[k];
  }
  const float mean = block_sum(sum, red) / float(len);
  float m2 = 0.f;
#pragma unroll
  for (int k = 0; k < kPerThread; ++k) {
    const float dev = k * kStatsThreads + int(threadIdx.x) < len ? v[k] - mean : 0.f;
    m2 = fmaf(dev, dev, m2);
  }
  m2 = block_sum(m2, red);
  if (threadIdx.x == 0) partial[blockIdx.x] = make_float2(mean, m2);
}

// Chan et al.: merges (nb, mb, m2b) into (na, ma, m2a).
__device__ __forceinline__ void merge(double &na, double &ma, double &m2a, double nb, double mb,
                                      double m2b) {
  if (nb == 0) return;
  const double n = na + nb, delta = mb - ma;
  ma += delta * (nb / n);
  m2a += m2b + delta * delta * (na * nb / n);
  na = n;
}

// One warp per group: stats[grp] = (mean, 1 / sqrt(var + eps)).
__global__ void group_finalize_kernel(const float2 *partial, int64_t groups_total, int64_t count,
                                      int64_t n_chunks, float eps, float2 *stats) {
  const int lane = threadIdx.x & 31;
  const int64_t grp = blockIdx.x * int64_t(blockDim.x >> 5) + (threadIdx.x >> 5);
  if (grp >= groups_total) return;  // warp-uniform
  double n = 0, mean = 0, m2 = 0;
  for (int64_t k = lane; k < n_chunks; k += 32) {
    const float2 pk = partial[grp * n_chunks + k];
    const int64_t len = count - k * kChunk < kChunk ? count - k * kChunk : kChunk;
    merge(n, mean, m2, double(len), pk.x, pk.y);
  }
  for (int o = 16; o > 0; o >>= 1) {
    const double on = __shfl_xor_sync(0xffffffffu, n, o);
    const double om = __shfl_xor_sync(0xffffffffu, mean, o);
    const double om2 = __shfl_xor_sync(0xffffffffu, m2, o);
    merge(n, mean, m2, on, om, om2);
  }
  if (lane == 0)
    stats[grp] = make_float2(float(mean), float(1.0 / sqrt(m2 / double(count) + double(eps))));
}

struct ApplyParams {
  const float *x;
  float *y;
  const float2 *stats;
  const float *w, *b;  // null when absent
  int64_t w_step, b_step;
  int64_t rows, spatial, channels, cpg, groups;
};

// Rows are (n, c) pairs; kVec elements at a time along the spatial dim (spatial % kVec == 0
// and x, y 16-byte aligned when kVec is 4).
template <int kVec> __global__ void group_apply_kernel(ApplyParams p) {
  using V = std::conditional_t<kVec == 4, float4, float>;
  const int64_t units = p.spatial / kVec;
  for (int64_t row = blockIdx.y; row < p.rows; row += gridDim.y) {
    const int64_t c = row % p.channels;
    const float2 st = p.stats[(row / p.channels) * p.groups + c / p.cpg];
    const float a = st.y * (p.w ? p.w[c * p.w_step] : 1.f);
    const float shift = p.b ? p.b[c * p.b_step] : 0.f;
    const V *xr = reinterpret_cast<const V *>(p.x + row * p.spatial);
    V *yr = reinterpret_cast<V *>(p.y + row * p.spatial);
    for (int64_t u = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; u < units;
         u += int64_t(gridDim.x) * blockDim.x) {
      V v = xr[u];
      if constexpr (kVec == 4) {
        v.x = fmaf(v.x - st.x, a, shift);
        v.y = fmaf(v.y - st.x, a, shift);
        v.z = fmaf(v.z - st.x, a, shift);
        v.w = fmaf(v.w - st.x, a, shift);
      } else {
        v = fmaf(v - st.x, a, shift);
      }
      yr[u] = v;
    }
  }
}

// out[i] = in[offset_of(l, i)]: a strided x made contiguous once per call.
__global__ void gather_kernel(const float *in, Layout l, float *out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = in[offset_of(l, i)];
}

void group_norm(const ExecContext &ctx, const GroupNormArgs &a) {
  const int64_t numel = a.x.numel();
  if (numel == 0) return;
  const cudaStream_t s = stream_of(ctx);
  CudaBackend &be = backend_of(ctx);
  const int64_t n = a.x.size(0), c = a.x.size(1), groups = a.groups;
  const int64_t spatial = numel / (n * c), cpg = c / groups, count = cpg * spatial;
  const int64_t groups_total = n * groups, n_chunks = (count + kChunk - 1) / kChunk;

  std::shared_ptr<void> x_keep;
  const float *x = ptr<const float>(a.x);
  if (!a.x.is_contiguous()) {
    x_keep = be.scratch(size_t(numel) * sizeof(float));
    float *dst = static_cast<float *>(x_keep.get());
    gather_kernel<<<blocks_for(numel), kThreads, 0, s>>>(x, layout_of(a.x), dst, numel);
    check_launch("group_norm (gather)");
    x = dst;
  }
  // Scratch: the chunks' (mean, M2), then each group's (mean, rstd).
  const std::shared_ptr<void> scratch =
      be.scratch(size_t(groups_total * n_chunks + groups_total) * sizeof(float2));
  float2 *partial = static_cast<float2 *>(scratch.get());
  float2 *stats = partial + groups_total * n_chunks;

  group_stats_kernel<<<unsigned(groups_total * n_chunks), kStatsThreads, 0, s>>>(x, count, n_chunks,
                                                                                 partial);
  check_launch("group_norm (stats)");
  constexpr int kFinalizeWarps = 8;
  group_finalize_kernel<<<unsigned((groups_total + kFinalizeWarps - 1) / kFinalizeWarps),
                          kFinalizeWarps * 32, 0, s>>>(partial, groups_total, count, n_chunks,
                                                       a.eps, stats);
  check_launch("group_norm (finalize)");

  ApplyParams p{};
  p.x = x;
  p.y = ptr<float>(a.out);
  p.stats = stats;
  if (a.weight.defined()) {
    p.w = ptr<const float>(a.weight);
    p.w_step = a.weight.stride(0);
  }
  if (a.bias.defined()) {
    p.b = ptr<const float>(a.bias);
    p.b_step = a.bias.stride(0);
  }
  p.rows = n * c;
  p.spatial = spatial;
  p.channels = c;
  p.cpg = cpg;
  p.groups = groups;
  const bool vec4 = spatial % 4 == 0 && reinterpret_cast<uintptr_t>(p.x) % 16 == 0 &&
                    reinterpret_cast<uintptr_t>(p.y) % 16 == 0;
  const int64_t units = vec4 ? spatial / 4 : spatial;
  constexpr int kApplyThreads = 256;
  const dim3 grid(unsigned(std::min<int64_t>((units + kApplyThreads - 1) / kApplyThreads, 1024)),
                  unsigned(std::min<int64_t>(p.rows, 65535)));
  if (vec4) group_apply_kernel<4><<<grid, kApplyThreads, 0, s>>>(p);
  else group_apply_kernel<1><<<grid, kApplyThreads, 0, s>>>(p);
  check_launch("group_norm");
}

void register_group_norm(KernelTable &t) { t.add<OpKind::group_norm>(group_norm, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_group_norm);
}  // namespace aigc::cuda
