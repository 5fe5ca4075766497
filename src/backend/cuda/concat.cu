// concat (ConcatArgs) for every dtype, block-quantized included, one step per input.
// out viewed as [outer, row]: input k owns one run of bytes per outer index (its size
// along dim times the inner extent) at a fixed place in the row. A contiguous input is
// one cudaMemcpy2DAsync (runs of bytes with the output row as the pitch); a strided one,
// or one of narrow runs, is a gather kernel over storage units (elements, or 32-element
// blocks) that reads it through its strides and writes through the output's strides.
#include <climits>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// Storage-unit layouts of input x (src) and of its place in the contiguous output (dst,
// same shape, output strides). Quantized tensors count blocks along the last dim.
struct UnitLayouts {
  Layout src, dst;
};
UnitLayouts unit_layouts(const Tensor &x, const Shape &out_shape) {
  const int64_t bs = dtype_block_size(x.dtype());
  const int r = x.rank();
  UnitLayouts u;
  u.src.rank = u.dst.rank = r;
  int64_t stride = 1;  // contiguous output strides, in units
  for (int d = r - 1; d >= 0; --d) {
    const bool last = d == r - 1;
    u.src.shape[d] = u.dst.shape[d] = last ? x.shape()[d] / bs : x.shape()[d];
    u.src.strides[d] = last && bs > 1 ? 1 : x.strides()[d] / bs;
    u.dst.strides[d] = stride;
    stride *= last ? out_shape[d] / bs : out_shape[d];
  }
  return u;
}

// Unit k of storage block b = i / upb: dst[b's output offset] = src[b's input offset].
template <class U>
__global__ void gather_kernel(const U *src, Layout sl, U *dst, Layout dl, int64_t n_units,
                              int upb) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n_units;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t b = i / upb;
    const int64_t k = i - b * upb;
    int64_t so = 0, dof = 0;
    for (int d = sl.rank - 1; d >= 0; --d) {  // one index walk for both layouts
      const int64_t n = sl.shape[d], j = b % n;
      so += j * sl.strides[d];
      dof += j * dl.strides[d];
      b /= n;
    }
    dst[dof * upb + k] = src[so * upb + k];
  }
}

template <class U>
void launch_gather(cudaStream_t s, const void *src, const UnitLayouts &u, void *dst,
                   int64_t n_units, int upb) {
  gather_kernel<U><<<blocks_for(n_units), kThreads, 0, s>>>(
      static_cast<const U *>(src), u.src, static_cast<U *>(dst), u.dst, n_units, upb);
  check_launch("concat");
}

void concat(const ExecContext &ctx, const ConcatArgs &a) {
  const DType t = a.out.dtype();
  const Shape &shape = a.out.shape();
  if (a.out.numel() == 0) return;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < a.dim; ++i) outer *= shape[i];
  for (int i = a.dim + 1; i < shape.rank(); ++i) inner *= shape[i];
  const size_t row_bytes = dtype_bytes(t, shape[a.dim] * inner);
  const size_t unit = size_t(dtype_traits(t).block_bytes);
  cudaStream_t s = stream_of(ctx);
  char *dst = static_cast<char *>(a.out.data());
  size_t at = 0;  // byte offset of the current input's run inside an output row
  for (const Tensor &x : a.inputs) {
    const size_t run = dtype_bytes(t, x.size(a.dim) * inner);
    const int64_t n = x.numel();
    if (n == 0) continue;
    // Narrow runs (< 64 bytes) repeated over many rows go to the gather kernel, which
    // does not pay per row as a 2-D memcpy does.
    if (x.is_contiguous() && (outer == 1 || run >= 64) && row_bytes <= size_t(INT_MAX)) {
      check(cudaMemcpy2DAsync(dst + at, row_bytes, x.data(), run, run, size_t(outer),
                              cudaMemcpyDeviceToDevice, s),
            "concat");
    } else {
      const UnitLayouts u = unit_layouts(x, shape);
      const int64_t n_blocks = n / dtype_block_size(t);
      void *d = dst + at;
      if (unit == 1) {
        launch_gather<uint8_t>(s, x.data(), u, d, n_blocks, 1);
      } else if (unit == 2) {
        launch_gather<uint16_t>(s, x.data(), u, d, n_blocks, 1);
      } else if (unit == 4) {
        launch_gather<uint32_t>(s, x.data(), u, d, n_blocks, 1);
      } else if (unit % 2 == 0 && reinterpret_cast<uintptr_t>(x.data()) % 2 == 0 &&
                 reinterpret_cast<uintptr_t>(d) % 2 == 0) {  // quantized blocks, 2-byte units
        launch_gather<uint16_t>(s, x.data(), u, d, n_blocks * int64_t(unit / 2), int(unit / 2));
      } else {
        launch_gather<uint8_t>(s, x.data(), u, d, n_blocks * int64_t(unit), int(unit));
      }
    }
    at += run;
  }
}

void register_concat(KernelTable &t) {
  t.add<OpKind::concat>(concat, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8,
                                 DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace
AIGC_CUDA_REGISTER(register_concat);
}  // namespace aigc::cuda
