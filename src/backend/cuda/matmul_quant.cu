// Kernels that read an [N, K] weight (Linear's layout) directly (routed here by matmul.cu):
//
// gemv, M <= kGemvMaxRows activation rows (the decode step): bound by the weight bytes.
//   One warp owns R = 2 weight rows. A row is cut into units: 8 weights (f32, f16, bf16,
//   q8_0: a quarter block) or 16 (q4_0/q4_1: half a block, whose low and high nibbles are
//   two runs of 8 k apart by 16). Lane l takes units l, l+32, ... and loads U = 2 units of
//   both rows before using any, so ~4 independent loads per lane are in flight. f32/f16/
//   bf16 units are 16-byte loads (when K % 8 == 0 and the weight is 16-byte aligned; a
//   scalar kernel takes the rest). Quantized blocks are 34/18/20 bytes, so only 2-byte
//   aligned: each lane reads its 8 quant bytes as four 2-byte loads plus the block's f16
//   scale; a warp's loads cover a contiguous 8..16-block span, so every DRAM sector
//   fetched is used. Weights are decoded exactly as the reference decodes them and
//   dotted with the f32 activation rows (read through L1: the 8 warps of a block share
//   them), accumulated in f32: no activation quantization, so the result is as exact as
//   an f32 dot product (the CPU quantizes activations to int16 here).
//
// Quantized weights with more rows (prefill): panels of weight rows are decoded to f16 in
//   scratch and multiplied on tensor cores (gemm_half_nt) with the activation rounded to
//   f16 once; the panel (~8 MiB) keeps scratch small next to the weight.
#include <algorithm>

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/matmul_quant.cuh"

namespace aigc::cuda {
namespace {

constexpr int kGemvThreads = 256;
constexpr int kRowsPerWarp = 2;  // R
constexpr int kUnroll = 2;       // U

__device__ __forceinline__ float half_bits(uint32_t bits) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(bits & 0xffffu)));
}

// One unit of a weight row: load (raw bits), then values() decodes its kElems weights;
// k_start(u, g) is the first k of its g-th run of 8 consecutive weights.
template <DType T> struct WeightUnit;

template <> struct WeightUnit<DType::f32> {
  static constexpr int kElems = 8;
  struct Raw {
    float4 a, b;
  };
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    const float4 *p = reinterpret_cast<const float4 *>(row) + 2 * u;
    return {__ldg(p), __ldg(p + 1)};
  }
  __device__ static int64_t k_start(int64_t u, int) { return u * 8; }
  __device__ static void values(const Raw &r, float *v) {
    v[0] = r.a.x, v[1] = r.a.y, v[2] = r.a.z, v[3] = r.a.w;
    v[4] = r.b.x, v[5] = r.b.y, v[6] = r.b.z, v[7] = r.b.w;
  }
};

template <> struct WeightUnit<DType::f16> {
  static constexpr int kElems = 8;
  struct Raw {
    uint4 q;
  };
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    return {__ldg(reinterpret_cast<const uint4 *>(row) + u)};
  }
  __device__ static int64_t k_start(int64_t u, int) { return u * 8; }
  __device__ static void values(const Raw &r, float *v) {
    const uint32_t w[4] = {r.q.x, r.q.y, r.q.z, r.q.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      v[2 * i] = half_bits(w[i]);
      v[2 * i + 1] = half_bits(w[i] >> 16);
    }
  }
};

template <> struct WeightUnit<DType::bf16> {
  static constexpr int kElems = 8;
  struct Raw {
    uint4 q;
  };
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    return {__ldg(reinterpret_cast<const uint4 *>(row) + u)};
  }
  __device__ static int64_t k_start(int64_t u, int) { return u * 8; }
  // bf16 is the high half of an f32.
  __device__ static void values(const Raw &r, float *v) {
    const uint32_t w[4] = {r.q.x, r.q.y, r.q.z, r.q.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      v[2 * i] = __uint_as_float(w[i] << 16);
      v[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
    }
  }
};

// 8 quant bytes at a 2-byte aligned address, plus one or two f16 block words.
struct QuantRaw {
  unsigned short q[4];
  unsigned short d, m;
};
__device__ __forceinline__ void load_q8bytes(const uint8_t *p, QuantRaw &r) {
  const unsigned short *s = reinterpret_cast<const unsigned short *>(p);
#pragma unroll
  for (int i = 0; i < 4; ++i) r.q[i] = __ldg(s + i);
}
__device__ __forceinline__ int quant_byte(const QuantRaw &r, int j) {
  return (r.q[j >> 1] >> ((j & 1) * 8)) & 0xff;
}

// q8_0 (34-byte blocks: f16 d, 32 int8): unit = a quarter block.
template <> struct WeightUnit<DType::q8_0> {
  static constexpr int kElems = 8;
  using Raw = QuantRaw;
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    const uint8_t *blk = row + (u >> 2) * 34;
    Raw r;
    load_q8bytes(blk + 2 + (u & 3) * 8, r);
    r.d = __ldg(reinterpret_cast<const unsigned short *>(blk));
    r.m = 0;
    return r;
  }
  __device__ static int64_t k_start(int64_t u, int) { return u * 8; }
  __device__ static void values(const Raw &r, float *v) {
    const float d = half_bits(r.d);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = d * float(int8_t(quant_byte(r, j)));
  }
};

// q4_0 (18-byte blocks: f16 d, 16 bytes; element j < 16 is the low nibble of byte j,
// j >= 16 the high nibble of byte j - 16): unit h = bytes 8h..8h+7 = elements
// 8h..8h+7 (low) and 16+8h..16+8h+7 (high).
template <> struct WeightUnit<DType::q4_0> {
  static constexpr int kElems = 16;
  using Raw = QuantRaw;
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    const uint8_t *blk = row + (u >> 1) * 18;
    Raw r;
    load_q8bytes(blk + 2 + (u & 1) * 8, r);
    r.d = __ldg(reinterpret_cast<const unsigned short *>(blk));
    r.m = 0;
    return r;
  }
  __device__ static int64_t k_start(int64_t u, int g) { return (u >> 1) * 32 + (u & 1) * 8 + g * 16; }
  __device__ static void values(const Raw &r, float *v) {
    const float d = half_bits(r.d);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int b = quant_byte(r, j);
      v[j] = d * float((b & 0xF) - 8);
      v[8 + j] = d * float((b >> 4) - 8);
    }
  }
};

// q4_1 (20-byte blocks: f16 d, f16 m, 16 bytes as q4_0): w = nibble * d + m, rounded
// twice as ggml (and the reference) does.
template <> struct WeightUnit<DType::q4_1> {
  static constexpr int kElems = 16;
  using Raw = QuantRaw;
  __device__ static Raw load(const uint8_t *row, int64_t u) {
    const uint8_t *blk = row + (u >> 1) * 20;
    const unsigned short *h = reinterpret_cast<const unsigned short *>(blk);
    Raw r;
    load_q8bytes(blk + 4 + (u & 1) * 8, r);
    r.d = __ldg(h);
    r.m = __ldg(h + 1);
    return r;
  }
  __device__ static int64_t k_start(int64_t u, int g) { return (u >> 1) * 32 + (u & 1) * 8 + g * 16; }
  __device__ static void values(const Raw &r, float *v) {
    const float d = half_bits(r.d), m = half_bits(r.m);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int b = quant_byte(r, j);
      v[j] = __fadd_rn(__fmul_rn(float(b & 0xF), d), m);
      v[8 + j] = __fadd_rn(__fmul_rn(float(b >> 4), d), m);
    }
  }
};

struct GemvArgs {
  const float *x;  // [M, K], row stride ldx
  int64_t ldx;
  int M;
  int64_t K;
  const uint8_t *w;  // [N, K], rows row_bytes apart
  int64_t row_bytes;
  int64_t N;
  const float *bias;  // [N] or null
  float alpha;
  float *out;  // [M, N]
  bool vec_x;  // x rows 16-byte aligned at every multiple of 4 floats
};

__device__ __forceinline__ void load_x8(const float *p, bool vec, float *v) {
  if (vec) {
    const float4 a = __ldg(reinterpret_cast<const float4 *>(p));
    const float4 b = __ldg(reinterpret_cast<const float4 *>(p) + 1);
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
  } else {
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = __ldg(p + i);
  }
}

// Writes alpha * (warp's sum of acc) + bias for MR x R outputs (lane 0 stores).
template <int MR, int R>
__device__ __forceinline__ void store_outputs(const GemvArgs &p, int64_t n0, float (&acc)[MR][R]) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int m = 0; m < MR; ++m) {
    if (m >= p.M) break;  // uniform over the warp
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const float s = warp_sum(acc[m][r]);
      const int64_t n = n0 + r;
      if (lane == 0 && n < p.N) p.out[m * p.N + n] = p.alpha * s + (p.bias ? p.bias[n] : 0.f);
    }
  }
}

template <DType T, int MR>
__global__ void __launch_bounds__(kGemvThreads) gemv_kernel(GemvArgs p) {
  using W = WeightUnit<T>;
  constexpr int R = kRowsPerWarp, U = kUnroll, E = W::kElems;
  const int lane = threadIdx.x & 31;
  const int64_t n0 = (blockIdx.x * int64_t(kGemvThreads / 32) + (threadIdx.x >> 5)) * R;
  if (n0 >= p.N) return;  // whole warps leave; no block-wide sync follows
  const uint8_t *rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r)  // rows past N read row N-1; their results are dropped
    rows[r] = p.w + (n0 + r < p.N ? n0 + r : p.N - 1) * p.row_bytes;

  float acc[MR][R];
#pragma unroll
  for (int m = 0; m < MR; ++m)
#pragma unroll
    for (int r = 0; r < R; ++r) acc[m][r] = 0.f;

  const int64_t units = p.K / E;
  for (int64_t u0 = 0; u0 < units; u0 += 32 * U) {
    typename W::Raw raw[U][R];
#pragma unroll
    for (int j = 0; j < U; ++j) {
      const int64_t u = u0 + j * 32 + lane;
      if (u < units) {
#pragma unroll
        for (int r = 0; r < R; ++r) raw[j][r] = W::load(rows[r], u);
      }
    }
#pragma unroll
    for (int j = 0; j < U; ++j) {
      const int64_t u = u0 + j * 32 + lane;
      if (u >= units) break;
      float wv[R][E];
#pragma unroll
      for (int r = 0; r < R; ++r) W::values(raw[j][r], wv[r]);
#pragma unroll
      for (int m = 0; m < MR; ++m) {
        if (m >= p.M) break;
        float xv[E];
#pragma unroll
        for (int g = 0; g < E / 8; ++g) load_x8(p.x + m * p.ldx + W::k_start(u, g), p.vec_x, xv + 8 * g);
#pragma unroll
        for (int r = 0; r < R; ++r) {
          float s = 0.f;
#pragma unroll
          for (int e = 0; e < E; ++e) s = fmaf(wv[r][e], xv[e], s);
          acc[m][r] += s;
        }
      }
    }
  }
  store_outputs<MR, R>(p, n0, acc);
}

// Float weights whose rows do not allow 16-byte loads (K % 8 != 0, unaligned): one warp
// per row, lane l takes k = l, l+32, ... (coalesced 2/4-byte loads).
template <class T, int MR>
__global__ void __launch_bounds__(kGemvThreads) gemv_scalar_kernel(GemvArgs p) {
  const int lane = threadIdx.x & 31;
  const int64_t n = blockIdx.x * int64_t(kGemvThreads / 32) + (threadIdx.x >> 5);
  if (n >= p.N) return;
  const T *row = reinterpret_cast<const T *>(p.w + n * p.row_bytes);
  float acc[MR][1];
#pragma unroll
  for (int m = 0; m < MR; ++m) acc[m][0] = 0.f;
  for (int64_t k = lane; k < p.K; k += 32) {
    const float wk = to_f32(row[k]);
#pragma unroll
    for (int m = 0; m < MR; ++m) {
      if (m >= p.M) break;
      acc[m][0] = fmaf(wk, __ldg(p.x + m * p.ldx + k), acc[m][0]);
    }
  }
  store_outputs<MR, 1>(p, n, acc);
}

template <DType T, int MR> void launch_vec(const ExecContext &ctx, const GemvArgs &g) {
  const int64_t warps = kGemvThreads / 32;
  const unsigned blocks = unsigned((g.N + warps * kRowsPerWarp - 1) / (warps * kRowsPerWarp));
  gemv_kernel<T, MR><<<blocks, kGemvThreads, 0, stream_of(ctx)>>>(g);
  check_launch("matmul: gemv");
}

template <class E, int MR> void launch_scalar(const ExecContext &ctx, const GemvArgs &g) {
  const int64_t warps = kGemvThreads / 32;
  const unsigned blocks = unsigned((g.N + warps - 1) / warps);
  gemv_scalar_kernel<E, MR><<<blocks, kGemvThreads, 0, stream_of(ctx)>>>(g);
  check_launch("matmul: gemv_scalar");
}

template <int MR> void gemv_dispatch(const ExecContext &ctx, const GemvArgs &g, DType t, bool vec_w) {
  switch (t) {
    case DType::f32: return vec_w ? launch_vec<DType::f32, MR>(ctx, g) : launch_scalar<float, MR>(ctx, g);
    case DType::f16: return vec_w ? launch_vec<DType::f16, MR>(ctx, g) : launch_scalar<__half, MR>(ctx, g);
    case DType::bf16:
      return vec_w ? launch_vec<DType::bf16, MR>(ctx, g) : launch_scalar<__nv_bfloat16, MR>(ctx, g);
    case DType::q8_0: return launch_vec<DType::q8_0, MR>(ctx, g);
    case DType::q4_0: return launch_vec<DType::q4_0, MR>(ctx, g);
    case DType::q4_1: return launch_vec<DType::q4_1, MR>(ctx, g);
    default: fail(Status::unsupported, "matmul: no CUDA gemv for {}", dtype_name(t));
  }
}

void gemv(const ExecContext &ctx, const WeightProduct &p) {
  GemvArgs g;
  g.x = p.a;
  g.ldx = p.lda;
  g.M = int(p.M);
  g.K = p.K;
  g.w = static_cast<const uint8_t *>(p.w);
  g.row_bytes = int64_t(dtype_bytes(p.w_type, p.K));
  g.N = p.N;
  g.bias = p.bias;
  g.alpha = p.alpha;
  g.out = p.out;
  g.vec_x = reinterpret_cast<uintptr_t>(p.a) % 16 == 0 && p.lda % 4 == 0;
  const uintptr_t wa = reinterpret_cast<uintptr_t>(p.w);
  const bool vec_w = p.K % 8 == 0 && wa % 16 == 0;
  if (is_quantized(p.w_type))  // blocks are read with 2-byte loads
    AIGC_CHECK(wa % 2 == 0 && p.K % 32 == 0, Status::unsupported,
               "matmul: {} weight at an odd address or with K={} not a multiple of 32",
               dtype_name(p.w_type), p.K);
  if (p.M <= 1) return gemv_dispatch<1>(ctx, g, p.w_type, vec_w);
  if (p.M <= 2) return gemv_dispatch<2>(ctx, g, p.w_type, vec_w);
  if (p.M <= 4) return gemv_dispatch<4>(ctx, g, p.w_type, vec_w);
  AIGC_ASSERT(p.M <= 8);
  return gemv_dispatch<8>(ctx, g, p.w_type, vec_w);
}

// ---- quantized prefill: decode panels to f16, tensor-core GEMM ----------------------

__device__ __forceinline__ uint32_t pack_half2(float a, float b) {
  const __half2 h = __floats2half2_rn(a, b);  // .x (a) in the low 16 bits
  return *reinterpret_cast<const uint32_t *>(&h);
}

// dst [rows, K] f16 (16-byte aligned rows: K % 32 == 0) <- rows of quantized weights.
template <DType T>
__global__ void decode_kernel(const uint8_t *w, int64_t row_bytes, int64_t K, int64_t total_units,
                              __half *dst) {
  using W = WeightUnit<T>;
  const int64_t units = K / W::kElems;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total_units;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / units, u = i % units;
    float v[W::kElems];
    W::values(W::load(w + row * row_bytes, u), v);
#pragma unroll
    for (int g = 0; g < W::kElems / 8; ++g) {
      const float *s = v + 8 * g;
      uint4 q;
      q.x = pack_half2(s[0], s[1]);
      q.y = pack_half2(s[2], s[3]);
      q.z = pack_half2(s[4], s[5]);
      q.w = pack_half2(s[6], s[7]);
      *reinterpret_cast<uint4 *>(dst + row * K + W::k_start(u, g)) = q;
    }
  }
}

constexpr int64_t kPanelElems = int64_t(4) << 20;  // 8 MiB of f16 per decoded panel

void quant_gemm(const ExecContext &ctx, const WeightProduct &p) {
  const int64_t row_bytes = int64_t(dtype_bytes(p.w_type, p.K));
  // Whole multiples of 256 rows (tensor-core tiles), at least 256.
  const int64_t panel = std::min(p.N, std::max<int64_t>(256, kPanelElems / p.K / 256 * 256));
  const std::shared_ptr<void> a16 = rows_to_half(ctx, p.a, p.lda, p.M, p.K, DType::f16);
  const std::shared_ptr<void> buf = backend_of(ctx).scratch(size_t(panel * p.K) * 2);
  __half *w16 = static_cast<__half *>(buf.get());
  float beta = 0.f;
  if (p.bias) {
    fill_bias_rows(ctx, p.out, p.M, p.N, p.bias);
    beta = 1.f;
  }
  const uint8_t *w = static_cast<const uint8_t *>(p.w);
  const int elems = p.w_type == DType::q8_0 ? 8 : 16;
  // Stream order keeps one panel buffer safe: decode i+1 queues behind GEMM i.
  for (int64_t n0 = 0; n0 < p.N; n0 += panel) {
    const int64_t nr = std::min(panel, p.N - n0);
    const int64_t total = nr * (p.K / elems);
    const unsigned blocks = blocks_for(total);
    const uint8_t *src = w + n0 * row_bytes;
    switch (p.w_type) {
      case DType::q8_0:
        decode_kernel<DType::q8_0><<<blocks, kThreads, 0, stream_of(ctx)>>>(src, row_bytes, p.K, total, w16);
        break;
      case DType::q4_0:
        decode_kernel<DType::q4_0><<<blocks, kThreads, 0, stream_of(ctx)>>>(src, row_bytes, p.K, total, w16);
        break;
      case DType::q4_1:
        decode_kernel<DType::q4_1><<<blocks, kThreads, 0, stream_of(ctx)>>>(src, row_bytes, p.K, total, w16);
        break;
      default: fail(Status::internal, "matmul: {} is not a quantized type", dtype_name(p.w_type));
    }
    check_launch("matmul: decode");
    gemm_half_nt(ctx, DType::f16, a16.get(), p.M, p.K, w16, p.K, nr, p.alpha, beta, p.out + n0, p.N);
  }
}

}  // namespace

void weight_product(const ExecContext &ctx, const WeightProduct &p) {
  if (p.M <= kGemvMaxRows) return gemv(ctx, p);
  AIGC_CHECK(is_quantized(p.w_type), Status::internal,
             "matmul: {} weights with {} rows belong to cuBLAS", dtype_name(p.w_type), p.M);
  quant_gemm(ctx, p);
}

}  // namespace aigc::cuda
