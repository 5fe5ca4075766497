// Argmax along the last dim (ArgmaxArgs), f32, any input layout.
//
// Every element becomes a 64-bit key whose unsigned order is the reference's order:
// high word = the value mapped to an order-preserving unsigned (NaN above +inf, -0 == +0),
// low word = ~index (so among equal values the lower index has the larger key). All keys of
// a row are distinct, so "the" maximum key is exactly the reference's answer (first NaN,
// else first index of the largest value) whatever order the reduction visits elements in.
// A long vocabulary row is split over several blocks that meet through a 64-bit atomicMax.
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/order_key.cuh"

namespace aigc::cuda {
namespace {



constexpr int kArgmaxThreads = 256;
constexpr int64_t kChunk = 4096;  // elements per block: a 152k vocabulary row uses 38 blocks

// Work item w = (row r, chunk c). best[r] (zeroed before) receives the row's maximum key.
__global__ void argmax_partial_kernel(const float *x, Layout xl, int64_t n, int64_t rows,
                                      int64_t chunks_per_row, u64 *best) {
  __shared__ u64 warp_best[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t s = xl.strides[xl.rank - 1];
  for (int64_t w = blockIdx.x; w < rows * chunks_per_row; w += gridDim.x) {
    const int64_t r = w / chunks_per_row, c = w % chunks_per_row;
    const int64_t base = offset_of(xl, r * n);
    const int64_t begin = c * kChunk, end = begin + kChunk < n ? begin + kChunk : n;
    u64 key = 0;
    for (int64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
      const u64 kj = make_key(x[base + j * s], j);
      key = kj > key ? kj : key;
    }
    key = warp_max_u64(key);
    __syncthreads();  // warp_best may still be read by the previous work item
    if (lane == 0) warp_best[warp] = key;
    __syncthreads();
    if (warp == 0) {
      const int n_warps = blockDim.x >> 5;
      key = warp_max_u64(lane < n_warps ? warp_best[lane] : 0ull);
      if (lane == 0) atomicMax(&best[r], key);
    }
  }
}

__global__ void argmax_finish_kernel(const u64 *best, int32_t *out, int64_t rows) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows;
       r += int64_t(gridDim.x) * blockDim.x)
    out[r] = int32_t(0xFFFFFFFFu - uint32_t(best[r] & 0xFFFFFFFFull));
}

void argmax(const ExecContext &ctx, const ArgmaxArgs &a) {
  const int64_t n = a.x.size(-1);
  const int64_t rows = n > 0 ? a.x.numel() / n : 0;
  if (rows == 0) return;
  if (n > int64_t(INT32_MAX))
    fail(Status::unsupported, "argmax: rows of {} elements exceed int32 indices", n);
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t stream = be.stream();
  std::shared_ptr<void> best = be.scratch(size_t(rows) * sizeof(u64));
  check(cudaMemsetAsync(best.get(), 0, size_t(rows) * sizeof(u64), stream), "argmax: memset");
  const int64_t chunks_per_row = (n + kChunk - 1) / kChunk;
  const int64_t work = rows * chunks_per_row;
  const unsigned grid = unsigned(work < 65535 * 8 ? work : 65535 * 8);
  argmax_partial_kernel<<<grid, kArgmaxThreads, 0, stream>>>(
      ptr<const float>(a.x), layout_of(a.x), n, rows, chunks_per_row, static_cast<u64 *>(best.get()));
  check_launch("argmax_partial");
  argmax_finish_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(
      static_cast<const u64 *>(best.get()), ptr<int32_t>(a.out), rows);
  check_launch("argmax_finish");
}

void register_argmax(KernelTable &t) { t.add<OpKind::argmax>(argmax, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_argmax);
}  // namespace aigc::cuda
