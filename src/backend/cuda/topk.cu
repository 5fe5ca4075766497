// Top-k along the last dim (TopkArgs), f32, any input layout.
//
// Every element becomes a 64-bit key whose unsigned order is the reference's order (value
// descending with NaN first and -0 == +0, then index ascending): high word = the value mapped
// to an order-preserving unsigned, low word = ~index. Keys of a row are distinct, so the k
// largest keys, sorted, are exactly the reference's stable-sort prefix, and the values are
// re-read from x by index (bit-exact, NaN payloads and the sign of zero included).
//
// k <= 1024 (or rows of at most 4096): tiles of 4096 keys are bitonic-sorted in shared memory
// and each keeps its k best; the row's survivors (tiles * k keys) are tiled again until one
// tile holds them all (152k logits, k = 40: 38 tiles, then one tile of 1520 keys). Each level
// shrinks the row at least 2x because a tile is at least 4k keys.
// Larger k on longer rows: CUB's segmented radix sort of all keys, then the first k per row.
// k == 1: a block reduction of the keys per chunk of a row, combined with a 64-bit atomicMax.
#include <cub/device/device_segmented_radix_sort.cuh>

#include <climits>
#include <vector>

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/order_key.cuh"

namespace aigc::cuda {
namespace {

constexpr int kTile = 4096;           // keys per merge tile: 32 KiB of shared memory
constexpr int kMaxTileK = kTile / 4;  // the tile path's k limit on rows longer than a tile
constexpr int kMinTile = 64;

// Sorts s[0, size) descending (size a power of two, blockDim.x <= size / 2). Starts and
// ends with a barrier, so callers may fill s right before and read it right after.
__device__ void bitonic_sort_desc(u64 *s, int size) {
  const int half = size >> 1;
  for (int block = 2; block <= size; block <<= 1) {
    for (int stride = block >> 1; stride > 0; stride >>= 1) {
      __syncthreads();
      for (int t = threadIdx.x; t < half; t += blockDim.x) {
        const int lo = 2 * t - (t & (stride - 1));  // t with a 0 bit inserted at `stride`
        const int hi = lo + stride;
        const bool desc = (lo & block) == 0;  // the last merge (block == size) is descending
        const u64 a = s[lo], b = s[hi];
        if ((a < b) == desc) {
          s[lo] = b;
          s[hi] = a;
        }
      }
    }
  }
  __syncthreads();
}

// One work item = (row r, tile t) of a row of m entries: either x itself (kFromX, m == n) or
// the previous level's survivors in[r * m + g]. Non-final levels write the tile's k best to
// out[(r * tiles + t) * k + i] (zero keys pad a short tile); the final level (tiles == 1)
// writes values and indices.
template <bool kFromX, bool kFinal>
__global__ void topk_tile_kernel(const float *x, Layout xl, int64_t n, const u64 *in, int64_t m,
                                 int64_t rows, int tile, int64_t tiles, int k, u64 *out,
                                 float *values, int32_t *indices) {
  extern __shared__ u64 keys[];
  const int64_t s = xl.strides[xl.rank - 1];
  for (int64_t w = blockIdx.x; w < rows * tiles; w += gridDim.x) {
    const int64_t r = w / tiles, t = w % tiles;
    const int64_t base = offset_of(xl, r * n);
    __syncthreads();  // the previous work item's readers of `keys` are done
    for (int i = threadIdx.x; i < tile; i += blockDim.x) {
      const int64_t g = t * tile + i;
      u64 key = 0;
      if (g < m) key = kFromX ? make_key(x[base + g * s], g) : in[r * m + g];
      keys[i] = key;
    }
    bitonic_sort_desc(keys, tile);
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
      if (kFinal) {
        const int64_t idx = index_of(keys[i]);
        values[r * k + i] = x[base + idx * s];
        indices[r * k + i] = int32_t(idx);
      } else {
        out[(r * tiles + t) * k + i] = keys[i];
      }
    }
  }
}

int pow2_at_least(int64_t v) {
  int p = kMinTile;
  while (p < v) p <<= 1;
  return p;
}

unsigned grid_for(int64_t work) { return unsigned(work < 65535 * 8 ? work : 65535 * 8); }

template <bool kFromX, bool kFinal>
void launch_tiles(cudaStream_t stream, const TopkArgs &a, Layout xl, int64_t n, const u64 *in,
                  int64_t m, int64_t rows, int tile, int64_t tiles, u64 *out) {
  const int threads = tile / 2 < 1024 ? tile / 2 : 1024;
  const size_t shared = size_t(tile) * sizeof(u64);  // <= 32 KiB: no opt-in needed
  topk_tile_kernel<kFromX, kFinal><<<grid_for(rows * tiles), threads, shared, stream>>>(
      ptr<const float>(a.x), xl, n, in, m, rows, tile, tiles, a.k, out,
      kFinal ? ptr<float>(a.values) : nullptr, kFinal ? ptr<int32_t>(a.indices) : nullptr);
  check_launch("topk_tile");
}

void topk_tiles(const ExecContext &ctx, const TopkArgs &a, int64_t n, int64_t rows) {
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t stream = be.stream();
  const Layout xl = layout_of(a.x);
  std::vector<std::shared_ptr<void>> hold;  // every level's buffer lives until all are queued
  const u64 *in = nullptr;
  int64_t m = n;
  while (m > kTile) {  // only reached with k <= kMaxTileK: m shrinks at least 2x per level
    const int64_t tiles = (m + kTile - 1) / kTile;
    hold.push_back(be.scratch(size_t(rows * tiles * a.k) * sizeof(u64)));
    u64 *out = static_cast<u64 *>(hold.back().get());
    if (in == nullptr)
      launch_tiles<true, false>(stream, a, xl, n, nullptr, m, rows, kTile, tiles, out);
    else
      launch_tiles<false, false>(stream, a, xl, n, in, m, rows, kTile, tiles, out);
    in = out;
    m = tiles * a.k;
  }
  const int tile = pow2_at_least(m);  // k <= m <= tile <= kTile
  if (in == nullptr)
    launch_tiles<true, true>(stream, a, xl, n, nullptr, m, rows, tile, 1, nullptr);
  else
    launch_tiles<false, true>(stream, a, xl, n, in, m, rows, tile, 1, nullptr);
}

// ---- k == 1 (greedy decoding's value + index): a reduction, as argmax.cu ------------------


constexpr int kBestThreads = 256;
constexpr int64_t kBestChunk = 4096;  // elements per block; blocks of a row meet in atomicMax

__global__ void best_partial_kernel(const float *x, Layout xl, int64_t n, int64_t rows,
                                    int64_t chunks_per_row, u64 *best) {
  __shared__ u64 warp_best[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t s = xl.strides[xl.rank - 1];
  for (int64_t w = blockIdx.x; w < rows * chunks_per_row; w += gridDim.x) {
    const int64_t r = w / chunks_per_row, c = w % chunks_per_row;
    const int64_t base = offset_of(xl, r * n);
    const int64_t begin = c * kBestChunk, end = begin + kBestChunk < n ? begin + kBestChunk : n;
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
      key = warp_max_u64(lane < int(blockDim.x >> 5) ? warp_best[lane] : 0ull);
      if (lane == 0) atomicMax(&best[r], key);
    }
  }
}

__global__ void best_finish_kernel(const float *x, Layout xl, int64_t n, const u64 *best,
                                   int64_t rows, float *values, int32_t *indices) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows;
       r += int64_t(gridDim.x) * blockDim.x) {
    const int64_t idx = index_of(best[r]);
    values[r] = x[offset_of(xl, r * n + idx)];
    indices[r] = int32_t(idx);
  }
}

void topk_best(const ExecContext &ctx, const TopkArgs &a, int64_t n, int64_t rows) {
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t stream = be.stream();
  const Layout xl = layout_of(a.x);
  std::shared_ptr<void> best = be.scratch(size_t(rows) * sizeof(u64));
  u64 *bp = static_cast<u64 *>(best.get());
  check(cudaMemsetAsync(bp, 0, size_t(rows) * sizeof(u64), stream), "topk: memset");
  const int64_t chunks_per_row = (n + kBestChunk - 1) / kBestChunk;
  best_partial_kernel<<<grid_for(rows * chunks_per_row), kBestThreads, 0, stream>>>(
      ptr<const float>(a.x), xl, n, rows, chunks_per_row, bp);
  check_launch("topk_best_partial");
  best_finish_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(
      ptr<const float>(a.x), xl, n, bp, rows, ptr<float>(a.values), ptr<int32_t>(a.indices));
  check_launch("topk_best_finish");
}

// ---- large k on long rows: full segmented sort of the keys --------------------------------

__global__ void make_keys_kernel(const float *x, Layout xl, int64_t n, int64_t total, u64 *keys) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x)
    keys[i] = make_key(x[offset_of(xl, i)], i % n);
}

__global__ void row_offsets_kernel(int *offsets, int64_t rows, int64_t n) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r <= rows;
       r += int64_t(gridDim.x) * blockDim.x)
    offsets[r] = int(r * n);
}

__global__ void take_first_k_kernel(const float *x, Layout xl, int64_t n, const u64 *sorted,
                                    int64_t rows, int k, float *values, int32_t *indices) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows * k;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / k, c = i % k;
    const int64_t idx = index_of(sorted[r * n + c]);
    values[i] = x[offset_of(xl, r * n + idx)];
    indices[i] = int32_t(idx);
  }
}

void topk_sorted(const ExecContext &ctx, const TopkArgs &a, int64_t n, int64_t rows) {
  const int64_t total = rows * n;
  if (total > int64_t(INT_MAX))
    fail(Status::unsupported, "topk: k = {} over {} elements exceeds the CUDA sort's int range",
         a.k, total);
  CudaBackend &be = backend_of(ctx);
  const cudaStream_t stream = be.stream();
  const Layout xl = layout_of(a.x);
  std::shared_ptr<void> keys_in = be.scratch(size_t(total) * sizeof(u64));
  std::shared_ptr<void> keys_out = be.scratch(size_t(total) * sizeof(u64));
  std::shared_ptr<void> offsets = be.scratch(size_t(rows + 1) * sizeof(int));
  u64 *kin = static_cast<u64 *>(keys_in.get()), *kout = static_cast<u64 *>(keys_out.get());
  int *off = static_cast<int *>(offsets.get());
  make_keys_kernel<<<blocks_for(total), kThreads, 0, stream>>>(ptr<const float>(a.x), xl, n, total,
                                                               kin);
  check_launch("topk_make_keys");
  row_offsets_kernel<<<blocks_for(rows + 1), kThreads, 0, stream>>>(off, rows, n);
  check_launch("topk_row_offsets");
  size_t temp_bytes = 0;
  check(cub::DeviceSegmentedRadixSort::SortKeysDescending(nullptr, temp_bytes, kin, kout,
                                                          int(total), int(rows), off, off + 1, 0,
                                                          64, stream),
        "topk: cub sort (size query)");
  std::shared_ptr<void> temp = be.scratch(temp_bytes > 0 ? temp_bytes : 1);
  check(cub::DeviceSegmentedRadixSort::SortKeysDescending(temp.get(), temp_bytes, kin, kout,
                                                          int(total), int(rows), off, off + 1, 0,
                                                          64, stream),
        "topk: cub sort");
  take_first_k_kernel<<<blocks_for(rows * a.k), kThreads, 0, stream>>>(
      ptr<const float>(a.x), xl, n, kout, rows, a.k, ptr<float>(a.values), ptr<int32_t>(a.indices));
  check_launch("topk_take_first_k");
}

void topk(const ExecContext &ctx, const TopkArgs &a) {
  const int64_t n = a.x.size(-1);
  const int64_t rows = n > 0 ? a.x.numel() / n : 0;
  if (rows == 0) return;
  if (n > int64_t(INT32_MAX))
    fail(Status::unsupported, "topk: rows of {} elements exceed int32 indices", n);
  if (a.k == 1)
    topk_best(ctx, a, n, rows);
  else if (a.k <= kMaxTileK || n <= kTile)
    topk_tiles(ctx, a, n, rows);
  else
    topk_sorted(ctx, a, n, rows);
}

void register_topk(KernelTable &t) { t.add<OpKind::topk>(topk, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_topk);
}  // namespace aigc::cuda
