#include "aigc/core/quant.hpp"
#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// One row of the (contiguous) table per id, converted by the scalar reference.
void embedding_kernel(const ExecContext &, const EmbeddingArgs &a) {
  const Tensor table = a.table.contiguous();
  const Tensor ids = a.ids.contiguous();
  const DType t = table.dtype();
  const int64_t dim = table.size(1);
  const int32_t *id = ids.data_as<int32_t>();
  const char *rows = static_cast<const char *>(table.data());
  float *out = a.out.data_as<float>();
  for (int64_t i = 0; i < ids.numel(); ++i)
    convert_row(t, rows + dtype_bytes(t, int64_t(id[i]) * dim), DType::f32, out + i * dim, dim);
}

}  // namespace

void register_embedding(KernelTable &t) {
  t.add<OpKind::embedding>(embedding_kernel,
                           {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::ref
