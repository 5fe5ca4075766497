// dtype conversion (CastArgs) between every pair the reference converts, bit for bit
// with aigc/core/quant.cpp: integers to integers exactly (saturating), everything else
// through f32 (integer targets round half to even and saturate, NaN -> 0), quantization
// with ggml's reference rounding. Same-dtype casts are the copy kernel.
//   plain targets: one thread per element, the source read through its strides;
//   quantized targets: one warp per 32-element block, lane j owns element j.
// Every multiply/add that quant.cpp rounds separately is an explicit __f*_rn intrinsic
// here: nvcc would otherwise contract a * b + c into one FMA and change the last bit.
#include <cfloat>
#include <climits>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

__host__ __device__ constexpr bool is_int(DType t) {
  return t == DType::i32 || t == DType::i8 || t == DType::u8;
}

// Element at element offset `off` of a source of dtype t, as f32. Quantized sources keep
// their last dim contiguous and their other strides block-aligned, so off / 32 is the
// block and off % 32 the element inside it.
__device__ __forceinline__ float load_f32(DType t, const uint8_t *p, int64_t off) {
  switch (t) {
    case DType::f32: return reinterpret_cast<const float *>(p)[off];
    case DType::f16: return __half2float(reinterpret_cast<const __half *>(p)[off]);
    case DType::bf16: return __bfloat162float(reinterpret_cast<const __nv_bfloat16 *>(p)[off]);
    case DType::i32: return float(reinterpret_cast<const int32_t *>(p)[off]);
    case DType::i8: return float(reinterpret_cast<const int8_t *>(p)[off]);
    case DType::u8: return float(p[off]);
    case DType::q8_0: return q8_0_value(p + (off >> 5) * 34, int(off & 31));
    case DType::q4_0: return q4_0_value(p + (off >> 5) * 18, int(off & 31));
    case DType::q4_1: return q4_1_value(p + (off >> 5) * 20, int(off & 31));
  }
  return 0.f;
}

__device__ __forceinline__ int64_t load_int(DType t, const uint8_t *p, int64_t off) {
  switch (t) {
    case DType::i32: return reinterpret_cast<const int32_t *>(p)[off];
    case DType::i8: return reinterpret_cast<const int8_t *>(p)[off];
    default: return p[off];
  }
}

__device__ __forceinline__ int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// quant.cpp's saturate_round: nearbyint (half to even), clamp, NaN -> 0.
__device__ __forceinline__ int64_t saturate_round(float v, int64_t lo, int64_t hi) {
  if (isnan(v)) return 0;
  const float r = rintf(v);
  if (r <= float(lo)) return lo;
  if (r >= float(hi)) return hi;
  return int64_t(r);
}

__device__ __forceinline__ void store_int(DType t, uint8_t *p, int64_t i, int64_t v) {
  switch (t) {
    case DType::i32: reinterpret_cast<int32_t *>(p)[i] = int32_t(clamp64(v, INT_MIN, INT_MAX)); break;
    case DType::i8: reinterpret_cast<int8_t *>(p)[i] = int8_t(clamp64(v, -128, 127)); break;
    default: p[i] = uint8_t(clamp64(v, 0, 255)); break;
  }
}

__device__ __forceinline__ void store_f32(DType t, uint8_t *p, int64_t i, float v) {
  switch (t) {
    case DType::f32: reinterpret_cast<float *>(p)[i] = v; break;
    case DType::f16: reinterpret_cast<__half *>(p)[i] = __float2half_rn(v); break;
    case DType::bf16: reinterpret_cast<__nv_bfloat16 *>(p)[i] = __float2bfloat16_rn(v); break;
    case DType::i32: reinterpret_cast<int32_t *>(p)[i] = int32_t(saturate_round(v, INT_MIN, INT_MAX)); break;
    case DType::i8: reinterpret_cast<int8_t *>(p)[i] = int8_t(saturate_round(v, -128, 127)); break;
    case DType::u8: p[i] = uint8_t(saturate_round(v, 0, 255)); break;
    default: break;  // quantized targets go through quantize_kernel
  }
}

// Plain target: out[i] = convert(x[i]); the dtype switches are uniform across the grid.
__global__ void convert_kernel(const uint8_t *src, DType st, Layout xl, uint8_t *dst, DType dt,
                               int64_t n) {
  const bool ints = is_int(st) && is_int(dt);  // exact integer path, no float round trip
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t off = offset_of(xl, i);
    if (ints)
      store_int(dt, dst, i, load_int(st, src, off));
    else
      store_f32(dt, dst, i, load_f32(st, src, off));
  }
}

// float -> int8_t as x86 compiles it for quant.cpp (cvttss2si: truncate, NaN and
// out-of-range give INT_MIN), then the low byte.
__device__ __forceinline__ int x86_to_i8(float v) {
  const int i = (v > -2147483648.f && v < 2147483648.f) ? __float2int_rz(v) : INT_MIN;
  return int(int8_t(i));
}

// std::roundf (half away from zero), spelled out so it does not depend on how the
// device math library implements roundf: x - trunc(x) is exact for every float.
__device__ __forceinline__ float round_half_away(float x) {
  const float t = truncf(x);
  return fabsf(__fsub_rn(x, t)) >= 0.5f ? __fadd_rn(t, copysignf(1.f, x)) : t;
}

__device__ __forceinline__ void store_half_bits(uint8_t *p, float v) {
  const uint16_t bits = __half_as_ushort(__float2half_rn(v));
  p[0] = uint8_t(bits & 0xff);
  p[1] = uint8_t(bits >> 8);
}

// Reduction of (value, index) pairs over the warp: `better(a, b)` picks one; ties go to
// the lower index, reproducing quant.cpp's first-wins strict comparisons.
struct Pick {
  float v;
  int i;
};
template <class Better> __device__ __forceinline__ Pick warp_pick(Pick p, Better better) {
  for (int o = 16; o > 0; o >>= 1) {
    const Pick q{__shfl_xor_sync(0xffffffffu, p.v, o), __shfl_xor_sync(0xffffffffu, p.i, o)};
    if (better(q, p)) p = q;
  }
  return p;
}

// Lane `lane` holds element `lane` of the block; lanes 0..15 write the nibble bytes
// (element j low, element j + 16 high), lane 0 the f16 fields.
__device__ __forceinline__ void write_nibbles(uint8_t *qs, int lane, int q) {
  const int hi = __shfl_down_sync(0xffffffffu, q, 16);
  if (lane < 16) qs[lane] = uint8_t(q | (hi << 4));
}

__device__ __forceinline__ void quantize_q8_0(float x, int lane, uint8_t *y) {
  // quant.cpp starts from amax = 0 and std::max(amax, NaN) keeps amax: NaN counts as 0.
  const float amax = warp_max(isnan(x) ? 0.f : fabsf(x));
  const float d = __fdiv_rn(amax, 127.f);
  const float id = d != 0.f ? __fdiv_rn(1.f, d) : 0.f;
  if (lane == 0) store_half_bits(y, d);
  y[2 + lane] = uint8_t(int8_t(x86_to_i8(round_half_away(__fmul_rn(x, id)))));
}

__device__ __forceinline__ void quantize_q4_0(float x, int lane, uint8_t *y) {
  // The largest magnitude, first index on ties, keeps its sign; NaN never wins, and a
  // block of zeros keeps mx = +0 (so d = -0, as in quant.cpp).
  const Pick best = warp_pick(Pick{isnan(x) ? -1.f : fabsf(x), lane}, [](Pick a, Pick b) {
    return a.v > b.v || (a.v == b.v && a.i < b.i);
  });
  const float at = __shfl_sync(0xffffffffu, x, best.i);
  const float mx = best.v > 0.f ? at : 0.f;
  const float d = __fdiv_rn(mx, -8.f);
  const float id = d != 0.f ? __fdiv_rn(1.f, d) : 0.f;
  if (lane == 0) store_half_bits(y, d);
  const int q = min(15, x86_to_i8(__fadd_rn(__fmul_rn(x, id), 8.5f)));
  write_nibbles(y + 2, lane, q);
}

__device__ __forceinline__ void quantize_q4_1(float x, int lane, uint8_t *y) {
  // quant.cpp starts from min = FLT_MAX, max = -FLT_MAX with strict comparisons: NaN is
  // skipped, +-inf never passes the start value on its wrong side, and the first of
  // equal values wins (which decides the sign of a zero minimum).
  const bool nan = isnan(x);
  const float mn = warp_pick(Pick{nan ? FLT_MAX : fminf(x, FLT_MAX), lane}, [](Pick a, Pick b) {
                     return a.v < b.v || (a.v == b.v && a.i < b.i);
                   }).v;
  const float mx = warp_pick(Pick{nan ? -FLT_MAX : fmaxf(x, -FLT_MAX), lane}, [](Pick a, Pick b) {
                     return a.v > b.v || (a.v == b.v && a.i < b.i);
                   }).v;
  const float d = __fdiv_rn(__fsub_rn(mx, mn), 15.f);
  const float id = d != 0.f ? __fdiv_rn(1.f, d) : 0.f;
  if (lane == 0) {
    store_half_bits(y, d);
    store_half_bits(y + 2, mn);
  }
  const int q = min(15, x86_to_i8(__fadd_rn(__fmul_rn(__fsub_rn(x, mn), id), 0.5f)));
  write_nibbles(y + 4, lane, q);
}

// Quantized target: warp w converts blocks w, w + n_warps, ...; the loop bound is the
// same for all lanes of a warp, so the shuffles inside always see the full warp.
template <DType DT>
__global__ void quantize_kernel(const uint8_t *src, DType st, Layout xl, uint8_t *dst,
                                int64_t n_blocks) {
  constexpr int64_t bytes = DT == DType::q8_0 ? 34 : (DT == DType::q4_0 ? 18 : 20);
  const int lane = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x >> 5);
  for (int64_t b = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) >> 5; b < n_blocks; b += warps) {
    const float x = load_f32(st, src, offset_of(xl, b * 32 + lane));
    uint8_t *y = dst + b * bytes;
    if constexpr (DT == DType::q8_0) quantize_q8_0(x, lane, y);
    else if constexpr (DT == DType::q4_0) quantize_q4_0(x, lane, y);
    else quantize_q4_1(x, lane, y);
  }
}

// x's element layout with size-1 dims dropped and mergeable dims merged (a contiguous
// source becomes one dim of stride 1).
Layout element_layout(const Tensor &x) {
  Layout l;
  for (int d = 0; d < x.rank(); ++d) {
    const int64_t n = x.shape()[d], s = x.strides()[d];
    if (n == 1) continue;
    if (l.rank > 0 && l.strides[l.rank - 1] == s * n) {
      l.shape[l.rank - 1] *= n;
      l.strides[l.rank - 1] = s;
    } else {
      l.shape[l.rank] = n;
      l.strides[l.rank] = s;
      ++l.rank;
    }
  }
  if (l.rank == 0) {
    l.rank = 1;
    l.shape[0] = 1;
    l.strides[0] = 1;
  }
  return l;
}

void cast(const ExecContext &ctx, const CastArgs &a) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  const DType st = a.x.dtype(), dt = a.out.dtype();
  if (st == dt) {  // the reference copies the bytes
    backend_of(ctx).run<OpKind::copy>(ctx, st, CopyArgs{a.x, a.out});
    return;
  }
  cudaStream_t s = stream_of(ctx);
  const auto *src = static_cast<const uint8_t *>(a.x.data());
  auto *dst = static_cast<uint8_t *>(a.out.data());
  const Layout xl = element_layout(a.x);
  if (!is_quantized(dt)) {
    convert_kernel<<<blocks_for(n), kThreads, 0, s>>>(src, st, xl, dst, dt, n);
    check_launch("cast");
    return;
  }
  const int64_t n_blocks = n / 32;  // the front-end checked the last dim
  const unsigned grid = blocks_for(n_blocks * 32);  // kThreads / 32 blocks per CTA
  switch (dt) {
    case DType::q8_0: quantize_kernel<DType::q8_0><<<grid, kThreads, 0, s>>>(src, st, xl, dst, n_blocks); break;
    case DType::q4_0: quantize_kernel<DType::q4_0><<<grid, kThreads, 0, s>>>(src, st, xl, dst, n_blocks); break;
    default: quantize_kernel<DType::q4_1><<<grid, kThreads, 0, s>>>(src, st, xl, dst, n_blocks); break;
  }
  check_launch("cast");
}

void register_cast(KernelTable &t) {
  t.add<OpKind::cast>(cast, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8, DType::u8,
                             DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace
AIGC_CUDA_REGISTER(register_cast);
}  // namespace aigc::cuda
