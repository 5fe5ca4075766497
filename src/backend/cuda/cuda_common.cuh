// Device-side helpers shared by the CUDA kernel files: element loads/stores in f32
// for every float dtype, strided index decoding, warp/block reductions, launch sizing.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "aigc/core/tensor.hpp"
#include "backend/cuda/cuda_backend.hpp"
#include "core/check.hpp"

namespace aigc::cuda {

// Up to kMaxDims dims of a (possibly strided, possibly broadcast) tensor, by value into
// a kernel. Strides are in elements; a broadcast dim has stride 0.
struct Layout {
  int rank = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};
};

// `t` viewed with `out_shape` (numpy broadcasting: missing leading dims and size-1 dims
// get stride 0).
Layout broadcast_layout(const Tensor &t, const Shape &out_shape);
inline Layout layout_of(const Tensor &t) { return broadcast_layout(t, t.shape()); }

// Element offset of the linear (row-major) index i in a layout.
__device__ __forceinline__ int64_t offset_of(const Layout &l, int64_t i) {
  int64_t off = 0;
  for (int d = l.rank - 1; d >= 0; --d) {
    const int64_t n = l.shape[d];
    off += (i % n) * l.strides[d];
    i /= n;
  }
  return off;
}

// ---- f32 <-> storage type -----------------------------------------------------------
__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
template <class T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

// ggml block formats (include/aigc/core/quant.hpp), readable on the device. The f16
// scale sits at an odd 2-byte offset inside arrays of 34/18-byte blocks, so it is
// read as two bytes.
__device__ __forceinline__ float block_scale(const uint8_t *block) {
  const uint16_t bits = uint16_t(block[0]) | uint16_t(block[1]) << 8;
  return __half2float(__ushort_as_half(bits));
}
// Element j (0..31) of a Q8_0 block (34 bytes).
__device__ __forceinline__ float q8_0_value(const uint8_t *block, int j) {
  return block_scale(block) * float(int8_t(block[2 + j]));
}
// Element j (0..31) of a Q4_0 block (18 bytes): low nibbles hold 0..15, high 16..31.
__device__ __forceinline__ float q4_0_value(const uint8_t *block, int j) {
  const uint8_t byte = block[2 + (j & 15)];
  const int nib = j < 16 ? (byte & 0xF) : (byte >> 4);
  return block_scale(block) * float(nib - 8);
}
// Element j of a Q4_1 block (20 bytes): nibble * d + m, two roundings as ggml does.
__device__ __forceinline__ float q4_1_value(const uint8_t *block, int j) {
  const uint16_t mbits = uint16_t(block[2]) | uint16_t(block[3]) << 8;
  const uint8_t byte = block[4 + (j & 15)];
  const int nib = j < 16 ? (byte & 0xF) : (byte >> 4);
  return __fadd_rn(__fmul_rn(float(nib), block_scale(block)), __half2float(__ushort_as_half(mbits)));
}

// ---- reductions ---------------------------------------------------------------------
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread
// gets the result. `shared` holds 32 floats.
__device__ __forceinline__ float block_sum(float v, float *shared) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // `shared` may still be read by a previous reduction
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int n_warps = (blockDim.x + 31) >> 5;
  v = lane < n_warps ? shared[lane] : 0.f;
  return warp_sum(v);
}
__device__ __forceinline__ float block_max(float v, float *shared) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int n_warps = (blockDim.x + 31) >> 5;
  v = lane < n_warps ? shared[lane] : -INFINITY;
  return warp_max(v);
}

// ---- launch sizing ------------------------------------------------------------------
constexpr int kThreads = 256;
// Blocks for a grid-stride loop over n elements (capped; the loop covers the rest).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return unsigned(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

// Typed device pointer to a tensor's first element.
template <class T> T *ptr(const Tensor &t) { return static_cast<T *>(t.data()); }

}  // namespace aigc::cuda
