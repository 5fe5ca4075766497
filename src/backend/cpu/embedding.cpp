#include "backend/cpu/convert_simd.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// Rows are read in place through the table's row stride (a view of a larger table
// costs nothing); only a table whose rows are themselves strided is copied first.
void embedding_kernel(const ExecContext &ctx, const EmbeddingArgs &a) {
  const Tensor table = a.table.stride(1) == 1 || a.table.size(1) <= 1 ? a.table
                                                                       : a.table.contiguous();
  const Tensor ids = a.ids.contiguous();
  const DType t = table.dtype();
  const int64_t dim = table.size(1), n = ids.numel(), row_stride = table.stride(0);
  const int32_t *id = ids.data_as<int32_t>();
  const char *base = static_cast<const char *>(table.data());
  float *out = a.out.data_as<float>();
  const int threads = n * dim >= (int64_t(1) << 16) && n > 1 ? ctx.n_threads : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < n; ++i)
    simd::any_row_to_f32(t, base + element_byte_offset(t, int64_t(id[i]) * row_stride),
                         out + i * dim, dim);
}

}  // namespace

void register_embedding(KernelTable &t) {
  t.add<OpKind::embedding>(embedding_kernel,
                           {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::cpu
