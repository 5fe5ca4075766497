// Strided -> contiguous copy (CopyArgs) for every dtype, block-quantized included.
// A contiguous source is one cudaMemcpyAsync; a source whose dims collapse to rows with
// a pitch is one cudaMemcpy2DAsync; anything else is a gather kernel over storage units
// (elements, or whole 32-element blocks of a quantized tensor, as the reference copies).
#include <climits>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// x's layout in storage units with size-1 dims dropped and dims merged where the outer
// stride equals the inner extent (fewer divisions per element in offset_of). Quantized
// tensors count blocks: the last dim is contiguous and every other stride is a multiple
// of the block size (Tensor's block rule).
Layout unit_layout(const Tensor &x) {
  const int64_t bs = dtype_block_size(x.dtype());
  Layout l;
  for (int d = 0; d < x.rank(); ++d) {
    const bool last = d == x.rank() - 1;
    const int64_t n = last ? x.shape()[d] / bs : x.shape()[d];
    const int64_t s = last && bs > 1 ? 1 : x.strides()[d] / bs;
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
  if (l.rank == 0) {  // a single unit
    l.rank = 1;
    l.shape[0] = 1;
    l.strides[0] = 1;
  }
  return l;
}

// dst[i] for i in [0, n_units): unit k of storage block b = i / upb, read at the block's
// offset in the source layout. Plain dtypes have upb = 1 (U is the element's size).
template <class U>
__global__ void gather_kernel(const U *src, Layout l, U *dst, int64_t n_units, int upb) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n_units;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = i / upb, k = i - b * upb;
    dst[i] = src[offset_of(l, b) * upb + k];
  }
}

template <class U>
void launch_gather(cudaStream_t s, const void *src, const Layout &l, void *dst, int64_t n_units,
                   int upb) {
  gather_kernel<U><<<blocks_for(n_units), kThreads, 0, s>>>(static_cast<const U *>(src), l,
                                                            static_cast<U *>(dst), n_units, upb);
  check_launch("copy");
}

void copy(const ExecContext &ctx, const CopyArgs &a) {
  const int64_t n = a.x.numel();
  if (n == 0) return;
  cudaStream_t s = stream_of(ctx);
  const size_t bytes = a.out.nbytes();
  if (a.x.is_contiguous()) {
    check(cudaMemcpyAsync(a.out.data(), a.x.data(), bytes, cudaMemcpyDeviceToDevice, s), "copy");
    return;
  }
  const DType t = a.x.dtype();
  const size_t unit = size_t(dtype_traits(t).block_bytes);  // element or block bytes
  const Layout l = unit_layout(a.x);
  // Rows with a pitch (row slices, KV-cache views): one 2-D memcpy. Narrow rows (< 64
  // bytes) stay with the gather kernel, which does not pay per row.
  const size_t width = size_t(l.shape[l.rank - 1]) * unit;
  if (l.rank == 2 && l.strides[1] == 1 && l.strides[0] >= l.shape[1] && width >= 64 &&
      size_t(l.strides[0]) * unit <= size_t(INT_MAX)) {
    check(cudaMemcpy2DAsync(a.out.data(), width, a.x.data(), size_t(l.strides[0]) * unit, width,
                            size_t(l.shape[0]), cudaMemcpyDeviceToDevice, s),
          "copy");
    return;
  }
  const int64_t n_blocks = n / dtype_block_size(t);
  switch (unit) {
    case 1: return launch_gather<uint8_t>(s, a.x.data(), l, a.out.data(), n_blocks, 1);
    case 2: return launch_gather<uint16_t>(s, a.x.data(), l, a.out.data(), n_blocks, 1);
    case 4: return launch_gather<uint32_t>(s, a.x.data(), l, a.out.data(), n_blocks, 1);
    default: break;
  }
  // Quantized blocks (34/18/20 bytes): 2-byte units when both ends are 2-byte aligned.
  const bool even = unit % 2 == 0 && reinterpret_cast<uintptr_t>(a.x.data()) % 2 == 0 &&
                    reinterpret_cast<uintptr_t>(a.out.data()) % 2 == 0;
  if (even)
    launch_gather<uint16_t>(s, a.x.data(), l, a.out.data(), n_blocks * int64_t(unit / 2),
                            int(unit / 2));
  else
    launch_gather<uint8_t>(s, a.x.data(), l, a.out.data(), n_blocks * int64_t(unit), int(unit));
}

void register_copy(KernelTable &t) {
  t.add<OpKind::copy>(copy, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8, DType::u8,
                             DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace
AIGC_CUDA_REGISTER(register_copy);
}  // namespace aigc::cuda
