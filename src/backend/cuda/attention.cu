// Scaled dot-product attention (AttentionArgs), f32, two kernels (ref: ref/attention.cpp):
//  - prefill (Tq > kDecodeMaxTq): flash-attention style. A block owns 64 (or 32) queries of
//    one (b, h); K/V tiles of 32 keys stream through shared memory; online softmax in f32
//    (running max m, sum l, accumulator rescaled by e^(m_old - m_new)); the Tq x Tk scores
//    never exist; key tiles outside the block's causal / window range are never loaded.
//  - decode (Tq <= kDecodeMaxTq): split-K flash decoding. A block owns up to R query rows
//    that share one kv head (all q heads of a GQA group x all queries, so K/V are read once
//    for the group) and one slice of the keys; it writes a partial (m, l, acc) to scratch
//    and a combine kernel merges the slices with log-sum-exp weights.
// Queries, keys and values may be strided views with a unit last stride (KV-cache views);
// the mask is read through its broadcast strides. A query that sees no key gets zeros.
#include <algorithm>
#include <cstdint>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

constexpr int kMaxHeadDim = 256;  // D and Dv (every model we run: 32..256)
constexpr int kDecodeMaxTq = 4;

struct Params {
  const float *q, *k, *v, *mask;  // mask may be null
  float *out;                     // contiguous [B, Hq, Tq, Dv]
  int64_t q_sb, q_sh, q_st, k_sb, k_sh, k_st, v_sb, v_sh, v_st;  // element strides
  int64_t m_sb, m_sh, m_sq, m_sk;  // mask viewed as [B, Hq, Tq, Tk] (0 = broadcast)
  int nb, hq, hkv, group, tq, d, dv;
  int64_t tk, q_offset, window;
  float scale;
  bool causal;
};

// Visible keys of the query at absolute position pos: [lo_key, hi_key); both grow with pos.
__host__ __device__ __forceinline__ int64_t lo_key(const Params &p, int64_t pos) {
  const int64_t lo = p.window > 0 ? pos - p.window + 1 : 0;
  return lo < 0 ? 0 : (lo > p.tk ? p.tk : lo);
}
__host__ __device__ __forceinline__ int64_t hi_key(const Params &p, int64_t pos) {
  return p.causal ? (pos + 1 < p.tk ? pos + 1 : p.tk) : p.tk;
}
__device__ __forceinline__ bool visible(const Params &p, int64_t pos, int64_t key) {
  return key < p.tk && (!p.causal || key <= pos) && (p.window <= 0 || key > pos - p.window);
}
__device__ __forceinline__ float mask_at(const Params &p, int b, int h, int64_t i, int64_t key) {
  return p.mask ? p.mask[b * p.m_sb + h * p.m_sh + i * p.m_sq + key * p.m_sk] : 0.f;
}
__device__ __forceinline__ float dot4(float4 a, float4 b, float acc) {
  return fmaf(a.w, b.w, fmaf(a.z, b.z, fmaf(a.y, b.y, fmaf(a.x, b.x, acc))));
}

// ---- prefill ------------------------------------------------------------------------
constexpr int kPrefillThreads = 128;  // 16 row groups x 8 column groups
constexpr int kKeyTile = 32;
constexpr int kPStride = 40;  // P tile row stride: rows 8 banks apart, so 4 rows x 8 cols hit 32

// Shared row stride of the Q and K tiles: D rounded up to 4, plus 4 when that is an even
// number of float4s, so 8 consecutive rows read as float4 start in 8 different bank quads.
inline int qk_stride(int d) {
  const int d4 = (d + 3) & ~3;
  return (d4 / 4) % 2 == 0 ? d4 + 4 : d4;
}

// Thread (tr = t / 8, tc = t % 8) owns query rows tr + 16 i (i < BM / 16); of a key tile it
// scores keys tc + 8 j (j < 4), and of the output it owns columns tc * 4 + 32 jv + (0..3)
// (jv < NV, so Dv <= 32 NV). The 8 threads of a row group are 8 consecutive lanes, so row
// max / sum reductions are 3 shuffles.
template <int NV, int BM>
__global__ void __launch_bounds__(kPrefillThreads) prefill_kernel(Params p, int qks) {
  constexpr int RM = BM / 16, VS = NV * 32;
  extern __shared__ float4 smem4[];
  float *qs = reinterpret_cast<float *>(smem4);  // [BM][qks], pre-scaled, zero padded
  float *ks = qs + BM * qks;                     // [kKeyTile][qks]
  float *vs = ks + kKeyTile * qks;               // [kKeyTile][VS]
  float *ps = vs + kKeyTile * VS;                // [BM][kPStride] probabilities
  const int t = threadIdx.x, tc = t % 8, tr = t / 8;
  const int h = blockIdx.y, b = blockIdx.z, kvh = h / p.group;
  // Later query tiles see more keys under a causal mask: start them first.
  const int64_t i0 = int64_t(gridDim.x - 1 - blockIdx.x) * BM;
  const int d4 = (p.d + 3) & ~3;
  const float *qb = p.q + b * p.q_sb + h * p.q_sh;
  const float *kb = p.k + b * p.k_sb + kvh * p.k_sh;
  const float *vb = p.v + b * p.v_sb + kvh * p.v_sh;

  for (int idx = t; idx < BM * d4; idx += kPrefillThreads) {
    const int r = idx / d4, c = idx % d4;
    const int64_t i = i0 + r;
    qs[r * qks + c] = i < p.tq && c < p.d ? qb[i * p.q_st + c] * p.scale : 0.f;
  }
  const int64_t rows = min(int64_t(BM), p.tq - i0);
  const int64_t k_lo = lo_key(p, p.q_offset + i0), k_hi = hi_key(p, p.q_offset + i0 + rows - 1);

  float acc[RM][NV][4], m[RM], l[RM];
#pragma unroll
  for (int i = 0; i < RM; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.f;
#pragma unroll
    for (int jv = 0; jv < NV; ++jv) acc[i][jv][0] = acc[i][jv][1] = acc[i][jv][2] = acc[i][jv][3] = 0.f;
  }

  for (int64_t kt = k_lo; kt < k_hi; kt += kKeyTile) {
    __syncthreads();  // Q tile written; the previous tile's K, V, P no longer read
    for (int idx = t; idx < kKeyTile * d4; idx += kPrefillThreads) {
      const int r = idx / d4, c = idx % d4;
      const int64_t key = kt + r;
      ks[r * qks + c] = key < k_hi && c < p.d ? kb[key * p.k_st + c] : 0.f;
    }
    for (int idx = t; idx < kKeyTile * VS; idx += kPrefillThreads) {
      const int r = idx / VS, c = idx % VS;
      const int64_t key = kt + r;
      vs[idx] = key < k_hi && c < p.dv ? vb[key * p.v_st + c] : 0.f;  // zeros: 0 * v stays 0
    }
    __syncthreads();

    float s[RM][4];
#pragma unroll
    for (int i = 0; i < RM; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll 4
    for (int c = 0; c < d4; c += 4) {
      float4 qv[RM], kv[4];
#pragma unroll
      for (int i = 0; i < RM; ++i) qv[i] = *reinterpret_cast<const float4 *>(qs + (tr + 16 * i) * qks + c);
#pragma unroll
      for (int j = 0; j < 4; ++j) kv[j] = *reinterpret_cast<const float4 *>(ks + (tc + 8 * j) * qks + c);
#pragma unroll
      for (int i = 0; i < RM; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) s[i][j] = dot4(qv[i], kv[j], s[i][j]);
    }

#pragma unroll
    for (int i = 0; i < RM; ++i) {
      const int64_t row = i0 + tr + 16 * i, pos = p.q_offset + row;
      float mx = -INFINITY;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int64_t key = kt + tc + 8 * j;
        // Rows past Tq see nothing (they are never stored, and must not read the mask).
        const bool vis = row < p.tq && key < k_hi && visible(p, pos, key);
        s[i][j] = vis ? s[i][j] + mask_at(p, b, h, row, key) : -INFINITY;
        mx = fmaxf(mx, s[i][j]);
      }
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 4));
      const float m_new = fmaxf(m[i], mx);
      // Nothing visible yet: keep corr 1 and p 0 instead of e^(-inf + inf) = NaN.
      const float corr = m_new == -INFINITY ? 1.f : expf(m[i] - m_new);
      const float m_use = m_new == -INFINITY ? 0.f : m_new;
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float e = expf(s[i][j] - m_use);  // -inf -> 0
        sum += e;
        ps[(tr + 16 * i) * kPStride + tc + 8 * j] = e;
      }
      l[i] = l[i] * corr + sum;  // this thread's share of the row sum; reduced at the end
      m[i] = m_new;
#pragma unroll
      for (int jv = 0; jv < NV; ++jv)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[i][jv][e] *= corr;
    }
    __syncthreads();

#pragma unroll 4
    for (int kk = 0; kk < kKeyTile; ++kk) {
      float4 vv[NV];
#pragma unroll
      for (int jv = 0; jv < NV; ++jv) vv[jv] = *reinterpret_cast<const float4 *>(vs + kk * VS + tc * 4 + 32 * jv);
#pragma unroll
      for (int i = 0; i < RM; ++i) {
        const float pk = ps[(tr + 16 * i) * kPStride + kk];
#pragma unroll
        for (int jv = 0; jv < NV; ++jv) {
          acc[i][jv][0] = fmaf(pk, vv[jv].x, acc[i][jv][0]);
          acc[i][jv][1] = fmaf(pk, vv[jv].y, acc[i][jv][1]);
          acc[i][jv][2] = fmaf(pk, vv[jv].z, acc[i][jv][2]);
          acc[i][jv][3] = fmaf(pk, vv[jv].w, acc[i][jv][3]);
        }
      }
    }
  }

#pragma unroll
  for (int i = 0; i < RM; ++i) {
    float sum = l[i];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    sum += __shfl_xor_sync(0xffffffffu, sum, 4);
    const int64_t row = i0 + tr + 16 * i;
    if (row >= p.tq) continue;
    const float inv = sum > 0.f ? 1.f / sum : 0.f;  // no visible key: zeros, as the reference
    float *o = p.out + ((int64_t(b) * p.hq + h) * p.tq + row) * p.dv;
#pragma unroll
    for (int jv = 0; jv < NV; ++jv)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int c = tc * 4 + 32 * jv + e;
        if (c < p.dv) o[c] = acc[i][jv][e] * inv;
      }
  }
}

template <int NV, int BM> void launch_prefill(const ExecContext &ctx, const Params &p) {
  const int qks = qk_stride(p.d);
  const size_t bytes =
      sizeof(float) * (size_t(BM + kKeyTile) * qks + size_t(kKeyTile) * NV * 32 + size_t(BM) * kPStride);
  const cudaDeviceProp &props = backend_of(ctx).properties();
  AIGC_CHECK(bytes <= props.sharedMemPerBlockOptin, Status::unsupported,
             "attention: head dim {} needs {} bytes of shared memory, the device has {}", p.d, bytes,
             props.sharedMemPerBlockOptin);
  auto kernel = prefill_kernel<NV, BM>;
  if (bytes > 48 * 1024)
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)),
          "attention: cudaFuncSetAttribute");
  const dim3 grid{unsigned((p.tq + BM - 1) / BM), unsigned(p.hq), unsigned(p.nb)};
  kernel<<<grid, kPrefillThreads, bytes, stream_of(ctx)>>>(p, qks);
  check_launch("attention_prefill");
}

void prefill(const ExecContext &ctx, const Params &p) {
  AIGC_CHECK(p.hq <= 65535 && p.nb <= 65535, Status::unsupported,
             "attention: CUDA grid limits: {} heads, batch {}", p.hq, p.nb);
  switch ((p.dv + 31) / 32) {
    case 1: return launch_prefill<1, 64>(ctx, p);
    case 2: return launch_prefill<2, 64>(ctx, p);
    case 3: return launch_prefill<3, 64>(ctx, p);
    case 4: return launch_prefill<4, 64>(ctx, p);
    default: return launch_prefill<8, 32>(ctx, p);  // Dv <= 256: 32 rows keep acc at 64 registers
  }
}

// ---- decode -------------------------------------------------------------------------
constexpr int kDecodeWarps = 4, kDecodeThreads = 32 * kDecodeWarps;
constexpr int kMinKeysPerSplit = 128;  // one key per thread of a split's block
constexpr int kMaxSplits = 256;

// Block (group g = (b, kv head, row chunk), split). Row r of the chunk is local row
// lr = chunk * R + r of the kv head's group * Tq rows: q head kvh * group + lr / Tq,
// query lr % Tq. Each warp walks its own batches of 32 keys of the split: one key at a time
// the lanes split the head dim (VEC consecutive floats per lane per 32 * VEC chunk) and a
// warp sum gives the score, which lane (key % 32) keeps; then an online-softmax update per
// batch and the P.V accumulation with the lanes again splitting Dv. The 4 warps' partials
// are merged in shared memory and written as one (m, l, acc[Dv]) per row and split.
template <int VEC, int R>
__global__ void __launch_bounds__(kDecodeThreads)
    decode_partial_kernel(Params p, int chunks, int64_t k_lo, int64_t k_hi, int64_t per_split,
                          float *part_acc, float *part_ml) {
  constexpr int NJ = kMaxHeadDim / (32 * VEC), E = NJ * VEC;  // E floats of D per lane
  extern __shared__ float4 smem4[];
  const int d4 = (p.d + 3) & ~3;
  float *qs = reinterpret_cast<float *>(smem4);  // [R][d4], pre-scaled
  float *wacc = qs + R * d4;                     // [warps][R][Dv]
  float *wm = wacc + kDecodeWarps * R * p.dv;    // [warps][R]
  float *wl = wm + kDecodeWarps * R;             // [warps][R]
  const int t = threadIdx.x, lane = t % 32, warp = t / 32;
  const int g = blockIdx.x, split = blockIdx.y;
  const int chunk = g % chunks, kvh = (g / chunks) % p.hkv, b = g / chunks / p.hkv;
  const int r0 = chunk * R, nrows = min(R, p.group * p.tq - r0);

  int head[R];
  int64_t qi[R];
#pragma unroll
  for (int r = 0; r < R; ++r) {
    const int lr = min(r0 + r, p.group * p.tq - 1);  // rows past nrows: a valid copy, unused
    head[r] = kvh * p.group + lr / p.tq;
    qi[r] = lr % p.tq;
  }
  for (int idx = t; idx < R * d4; idx += kDecodeThreads) {
    const int r = idx / d4, c = idx % d4;
    float val = 0.f;
    if (r < nrows && c < p.d) {
      const int lr = r0 + r;
      val = p.q[b * p.q_sb + (kvh * p.group + lr / p.tq) * p.q_sh + (lr % p.tq) * p.q_st + c] * p.scale;
    }
    qs[idx] = val;
  }
  __syncthreads();

  const float *kb = p.k + b * p.k_sb + kvh * p.k_sh;
  const float *vb = p.v + b * p.v_sb + kvh * p.v_sh;
  const int64_t ks0 = k_lo + split * per_split, ks1 = min(ks0 + per_split, k_hi);
  float m[R], l[R], acc[R][E];
#pragma unroll
  for (int r = 0; r < R; ++r) {
    m[r] = -INFINITY;
    l[r] = 0.f;
#pragma unroll
    for (int e = 0; e < E; ++e) acc[r][e] = 0.f;
  }

  for (int64_t k0 = ks0 + 32 * warp; k0 < ks1; k0 += 32 * kDecodeWarps) {
    const int n = int(min(int64_t(32), ks1 - k0));
    float s[R];  // lane's key k0 + lane
#pragma unroll
    for (int r = 0; r < R; ++r) s[r] = 0.f;
    for (int jj = 0; jj < n; ++jj) {
      const float *krow = kb + (k0 + jj) * p.k_st;
      float kv[E];
#pragma unroll
      for (int j = 0; j < NJ; ++j) {
        const int c = VEC * lane + 32 * VEC * j;
        if constexpr (VEC == 4) {
          const float4 x = c < p.d ? *reinterpret_cast<const float4 *>(krow + c) : make_float4(0, 0, 0, 0);
          kv[4 * j] = x.x, kv[4 * j + 1] = x.y, kv[4 * j + 2] = x.z, kv[4 * j + 3] = x.w;
        } else {
          kv[j] = c < p.d ? krow[c] : 0.f;
        }
      }
#pragma unroll
      for (int r = 0; r < R; ++r) {
        if (r >= nrows) break;  // uniform over the block
        float dot = 0.f;
#pragma unroll
        for (int j = 0; j < NJ; ++j) {
          const int c = VEC * lane + 32 * VEC * j;
          if (c >= p.d) continue;
          if constexpr (VEC == 4) {
            const float4 qv = *reinterpret_cast<const float4 *>(qs + r * d4 + c);
            dot = dot4(qv, make_float4(kv[4 * j], kv[4 * j + 1], kv[4 * j + 2], kv[4 * j + 3]), dot);
          } else {
            dot = fmaf(qs[r * d4 + c], kv[j], dot);
          }
        }
        dot = warp_sum(dot);
        if (lane == jj) s[r] = dot;
      }
    }
    const int64_t key = k0 + lane;
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r >= nrows) break;
      const bool vis = lane < n && visible(p, p.q_offset + qi[r], key);
      const float sv = vis ? s[r] + mask_at(p, b, head[r], qi[r], key) : -INFINITY;
      const float m_new = fmaxf(m[r], warp_max(sv));
      const float corr = m_new == -INFINITY ? 1.f : expf(m[r] - m_new);  // see prefill
      s[r] = sv == -INFINITY ? 0.f : expf(sv - m_new);
      l[r] = l[r] * corr + s[r];  // per-lane share, summed after the loop
      m[r] = m_new;
#pragma unroll
      for (int e = 0; e < E; ++e) acc[r][e] *= corr;
    }
    for (int jj = 0; jj < n; ++jj) {
      const float *vrow = vb + (k0 + jj) * p.v_st;
      float vv[E];
#pragma unroll
      for (int j = 0; j < NJ; ++j) {
        const int c = VEC * lane + 32 * VEC * j;
        if constexpr (VEC == 4) {
          const float4 x = c < p.dv ? *reinterpret_cast<const float4 *>(vrow + c) : make_float4(0, 0, 0, 0);
          vv[4 * j] = x.x, vv[4 * j + 1] = x.y, vv[4 * j + 2] = x.z, vv[4 * j + 3] = x.w;
        } else {
          vv[j] = c < p.dv ? vrow[c] : 0.f;
        }
      }
#pragma unroll
      for (int r = 0; r < R; ++r) {
        if (r >= nrows) break;
        const float pj = __shfl_sync(0xffffffffu, s[r], jj);
#pragma unroll
        for (int e = 0; e < E; ++e) acc[r][e] = fmaf(pj, vv[e], acc[r][e]);
      }
    }
  }

  // Merge the warps: each wrote (m, l, acc) for its own keys.
#pragma unroll
  for (int r = 0; r < R; ++r) {
    if (r >= nrows) break;
    const float lsum = warp_sum(l[r]);
    if (lane == 0) {
      wm[warp * R + r] = m[r];
      wl[warp * R + r] = lsum;
    }
#pragma unroll
    for (int j = 0; j < NJ; ++j)
#pragma unroll
      for (int e = 0; e < VEC; ++e) {
        const int c = VEC * lane + 32 * VEC * j + e;
        if (c < p.dv) wacc[(warp * R + r) * p.dv + c] = acc[r][VEC * j + e];
      }
  }
  __syncthreads();
  for (int r = 0; r < nrows; ++r) {
    float mx = -INFINITY;
    for (int w = 0; w < kDecodeWarps; ++w) mx = fmaxf(mx, wm[w * R + r]);
    float wt[kDecodeWarps], lsum = 0.f;
    for (int w = 0; w < kDecodeWarps; ++w) {
      wt[w] = wm[w * R + r] == -INFINITY ? 0.f : expf(wm[w * R + r] - mx);
      lsum += wt[w] * wl[w * R + r];
    }
    const int64_t slot = (int64_t(g) * gridDim.y + split) * R + r;
    for (int c = t; c < p.dv; c += kDecodeThreads) {
      float a = 0.f;
      for (int w = 0; w < kDecodeWarps; ++w) a = fmaf(wt[w], wacc[(w * R + r) * p.dv + c], a);
      part_acc[slot * p.dv + c] = a;
    }
    if (t == 0) {
      part_ml[2 * slot] = mx;
      part_ml[2 * slot + 1] = lsum;
    }
  }
}

// One block per output row (b, h, i): weights e^(m_s - max m) over the splits, then
// out = sum_s w_s acc_s / sum_s w_s l_s (zeros when no split saw a key).
__global__ void decode_combine_kernel(Params p, int chunks, int rows_per_block, int splits,
                                      const float *part_acc, const float *part_ml) {
  __shared__ float wt[kMaxSplits];
  const int64_t row = blockIdx.x;
  const int i = int(row % p.tq), h = int(row / p.tq % p.hq), b = int(row / p.tq / p.hq);
  const int kvh = h / p.group, lr = (h - kvh * p.group) * p.tq + i;
  const int64_t g = (int64_t(b) * p.hkv + kvh) * chunks + lr / rows_per_block;
  const int r = lr % rows_per_block;
  auto slot = [&](int s) { return (g * splits + s) * rows_per_block + r; };
  float mx = -INFINITY;
  for (int s = 0; s < splits; ++s) mx = fmaxf(mx, part_ml[2 * slot(s)]);
  for (int s = threadIdx.x; s < splits; s += blockDim.x) {
    const float ms = part_ml[2 * slot(s)];
    wt[s] = ms == -INFINITY ? 0.f : expf(ms - mx);
  }
  __syncthreads();
  float lsum = 0.f;
  for (int s = 0; s < splits; ++s) lsum = fmaf(wt[s], part_ml[2 * slot(s) + 1], lsum);
  const float inv = lsum > 0.f ? 1.f / lsum : 0.f;
  float *o = p.out + row * p.dv;
  for (int c = threadIdx.x; c < p.dv; c += blockDim.x) {
    float a = 0.f;
    for (int s = 0; s < splits; ++s) a = fmaf(wt[s], part_acc[slot(s) * p.dv + c], a);
    o[c] = a * inv;
  }
}

template <int VEC, int R>
void launch_decode(const ExecContext &ctx, const Params &p) {
  CudaBackend &be = backend_of(ctx);
  const int chunks = (p.group * p.tq + R - 1) / R;
  const int64_t groups = int64_t(p.nb) * p.hkv * chunks;
  // Keys any row of the chunk may see (lo/hi grow with the position).
  const int64_t k_lo = lo_key(p, p.q_offset), k_hi = hi_key(p, p.q_offset + p.tq - 1);
  const int64_t keys = std::max<int64_t>(0, k_hi - k_lo);
  // About 4 blocks per SM in all, but no split shorter than kMinKeysPerSplit keys.
  const int64_t want = (4 * int64_t(be.properties().multiProcessorCount) + groups - 1) / groups;
  int64_t splits = std::min(want, (keys + kMinKeysPerSplit - 1) / kMinKeysPerSplit);
  splits = std::clamp<int64_t>(splits, 1, kMaxSplits);
  const int64_t per_split = (keys + splits - 1) / splits;
  if (per_split > 0) splits = (keys + per_split - 1) / per_split;  // no empty trailing split
  AIGC_CHECK(groups <= 0x7fffffff, Status::unsupported, "attention: CUDA grid limit ({} blocks)", groups);

  const size_t slots = size_t(groups) * splits * R;
  std::shared_ptr<void> scratch = be.scratch(slots * (p.dv + 2) * sizeof(float));
  float *part_acc = static_cast<float *>(scratch.get()), *part_ml = part_acc + slots * p.dv;
  const int d4 = (p.d + 3) & ~3;
  const size_t bytes = sizeof(float) * (size_t(R) * d4 + size_t(kDecodeWarps) * R * (p.dv + 2));
  static_assert(sizeof(float) * (8 * kMaxHeadDim + kDecodeWarps * 8 * (kMaxHeadDim + 2)) <= 48 * 1024,
                "decode shared memory fits the default limit");
  const dim3 grid{unsigned(groups), unsigned(splits)};
  decode_partial_kernel<VEC, R><<<grid, kDecodeThreads, bytes, stream_of(ctx)>>>(
      p, chunks, k_lo, k_hi, per_split, part_acc, part_ml);
  check_launch("attention_decode");
  decode_combine_kernel<<<unsigned(int64_t(p.nb) * p.hq * p.tq), 128, 0, stream_of(ctx)>>>(
      p, chunks, R, int(splits), part_acc, part_ml);
  check_launch("attention_decode_combine");
}

template <int VEC> void decode_rows(const ExecContext &ctx, const Params &p) {
  const int rows = p.group * p.tq;  // rows sharing one kv head
  if (rows <= 1) return launch_decode<VEC, 1>(ctx, p);
  if (rows <= 2) return launch_decode<VEC, 2>(ctx, p);
  if (rows <= 4) return launch_decode<VEC, 4>(ctx, p);
  return launch_decode<VEC, 8>(ctx, p);  // larger groups: several row chunks per kv head
}

// float4 loads need 16-byte aligned rows: aligned base and strides (of dims that move).
bool rows_aligned4(const Tensor &t) {
  if (reinterpret_cast<uintptr_t>(t.data()) % 16 != 0 || t.size(3) % 4 != 0) return false;
  for (int dim = 0; dim < 3; ++dim)
    if (t.size(dim) > 1 && t.stride(dim) % 4 != 0) return false;
  return true;
}

void attention(const ExecContext &ctx, const AttentionArgs &a) {
  if (a.out.numel() == 0) return;
  const int64_t d = a.q.size(3), dv = a.v.size(3);
  AIGC_CHECK(d <= kMaxHeadDim && dv <= kMaxHeadDim, Status::unsupported,
             "attention: the CUDA kernels take head dims up to {}, got q {}, v {}", kMaxHeadDim,
             a.q.describe(), a.v.describe());
  Params p{};
  p.q = ptr<const float>(a.q), p.k = ptr<const float>(a.k), p.v = ptr<const float>(a.v);
  p.out = ptr<float>(a.out);
  p.q_sb = a.q.stride(0), p.q_sh = a.q.stride(1), p.q_st = a.q.stride(2);
  p.k_sb = a.k.stride(0), p.k_sh = a.k.stride(1), p.k_st = a.k.stride(2);
  p.v_sb = a.v.stride(0), p.v_sh = a.v.stride(1), p.v_st = a.v.stride(2);
  p.nb = int(a.q.size(0)), p.hq = int(a.q.size(1)), p.tq = int(a.q.size(2)), p.d = int(d);
  p.hkv = int(a.k.size(1)), p.group = p.hq / p.hkv, p.tk = a.k.size(2), p.dv = int(dv);
  p.q_offset = a.q_offset, p.window = a.window, p.scale = a.scale, p.causal = a.causal;
  if (a.mask.defined()) {
    const Layout ml = broadcast_layout(a.mask, Shape{p.nb, p.hq, p.tq, p.tk});
    p.mask = ptr<const float>(a.mask);
    p.m_sb = ml.strides[0], p.m_sh = ml.strides[1], p.m_sq = ml.strides[2], p.m_sk = ml.strides[3];
  }
  if (p.tq > kDecodeMaxTq) return prefill(ctx, p);
  if (rows_aligned4(a.k) && rows_aligned4(a.v)) return decode_rows<4>(ctx, p);
  decode_rows<1>(ctx, p);
}

void register_attention(KernelTable &t) { t.add<OpKind::attention>(attention, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_attention);
}  // namespace aigc::cuda
