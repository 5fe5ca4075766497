// embedding (EmbeddingArgs): out[i, :] (f32) = table[ids[i], :] for f32/f16/bf16 tables
// and q8_0/q4_0/q4_1 tables dequantized with the reference's arithmetic. One CUDA block
// per id (grid-stride over ids), its threads along the row. ids are i32 device data
// that the kernel trusts (the front-end checks host ids); ids and plain tables may be
// strided, quantized tables keep their rows contiguous (block rule).
#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// Plain table: element (row, c) at rows[row * rs + c * cs].
template <class T>
__global__ void plain_kernel(const T *table, int64_t rs, int64_t cs, const int32_t *ids,
                             Layout il, float *out, int64_t n_ids, int64_t dim) {
  for (int64_t i = blockIdx.x; i < n_ids; i += gridDim.x) {
    const T *row = table + int64_t(ids[offset_of(il, i)]) * rs;
    float *o = out + i * dim;
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) o[c] = to_f32(row[c * cs]);
  }
}

// Quantized table: row r starts at byte r * row_bytes; element c is element c % 32 of
// block c / 32.
template <DType Q>
__global__ void quant_kernel(const uint8_t *table, int64_t row_bytes, const int32_t *ids,
                             Layout il, float *out, int64_t n_ids, int64_t dim) {
  constexpr int64_t bytes = Q == DType::q8_0 ? 34 : (Q == DType::q4_0 ? 18 : 20);
  for (int64_t i = blockIdx.x; i < n_ids; i += gridDim.x) {
    const uint8_t *row = table + int64_t(ids[offset_of(il, i)]) * row_bytes;
    float *o = out + i * dim;
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) {
      const uint8_t *block = row + (c >> 5) * bytes;
      const int j = int(c & 31);
      if constexpr (Q == DType::q8_0) o[c] = q8_0_value(block, j);
      else if constexpr (Q == DType::q4_0) o[c] = q4_0_value(block, j);
      else o[c] = q4_1_value(block, j);
    }
  }
}

void embedding(const ExecContext &ctx, const EmbeddingArgs &a) {
  const int64_t n_ids = a.ids.numel(), dim = a.table.size(1);
  if (n_ids == 0 || dim == 0) return;
  cudaStream_t s = stream_of(ctx);
  const Layout il = layout_of(a.ids);
  const auto *ids = ptr<const int32_t>(a.ids);
  float *out = ptr<float>(a.out);
  // Threads per row: the row length rounded up to a warp, at most kThreads.
  const int threads = int(dim >= kThreads ? kThreads : (dim + 31) / 32 * 32);
  const unsigned grid = unsigned(n_ids < 65535 * 8 ? n_ids : 65535 * 8);
  const int64_t rs = a.table.stride(0), cs = a.table.stride(1);
  const DType t = a.table.dtype();
  switch (t) {
    case DType::f32:
      plain_kernel<<<grid, threads, 0, s>>>(ptr<const float>(a.table), rs, cs, ids, il, out, n_ids, dim);
      break;
    case DType::f16:
      plain_kernel<<<grid, threads, 0, s>>>(ptr<const __half>(a.table), rs, cs, ids, il, out, n_ids, dim);
      break;
    case DType::bf16:
      plain_kernel<<<grid, threads, 0, s>>>(ptr<const __nv_bfloat16>(a.table), rs, cs, ids, il, out,
                                            n_ids, dim);
      break;
    case DType::q8_0:
    case DType::q4_0:
    case DType::q4_1: {
      // Row stride in elements is a multiple of the block size (block rule).
      const int64_t row_bytes = int64_t(dtype_bytes(t, rs));
      const auto *table = ptr<const uint8_t>(a.table);
      if (t == DType::q8_0)
        quant_kernel<DType::q8_0><<<grid, threads, 0, s>>>(table, row_bytes, ids, il, out, n_ids, dim);
      else if (t == DType::q4_0)
        quant_kernel<DType::q4_0><<<grid, threads, 0, s>>>(table, row_bytes, ids, il, out, n_ids, dim);
      else
        quant_kernel<DType::q4_1><<<grid, threads, 0, s>>>(table, row_bytes, ids, il, out, n_ids, dim);
      break;
    }
    default: fail(Status::unsupported, "embedding: no CUDA kernel for {}", dtype_name(t));
  }
  check_launch("embedding");
}

void register_embedding(KernelTable &t) {
  t.add<OpKind::embedding>(embedding, {DType::f32, DType::f16, DType::bf16, DType::q8_0,
                                       DType::q4_0, DType::q4_1});
}

}  // namespace
AIGC_CUDA_REGISTER(register_embedding);
}  // namespace aigc::cuda
