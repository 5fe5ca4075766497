#include "ops/embedding.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor embedding(const ExecContext &ctx, const Tensor &table, const Tensor &ids) {
  Backend &b = backend_of(ctx, "embedding");
  check_rank("embedding", "table", table, 2);
  AIGC_CHECK(ids.defined(), Status::invalid_argument, "embedding: ids are missing");
  check_device(ctx, "embedding", {&table, &ids});
  check_dtype_in("embedding", "table", table,
                 {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
  check_dtype_in("embedding", "ids", ids, {DType::i32});
  const int64_t vocab = table.size(0);
  if (ids.device().is_cpu()) {  // device ids cannot be read here; kernels trust them
    const Tensor c = ids.contiguous();
    const int32_t *p = c.data_as<int32_t>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      AIGC_CHECK(p[i] >= 0 && p[i] < vocab, Status::invalid_argument,
                 "embedding: id {} at position {} is out of range for vocab size {} (table {})",
                 p[i], i, vocab, table.describe());
    }
  }
  check_supported(ctx, OpKind::embedding, table.dtype());
  Shape shape = ids.shape();
  shape.push_back(table.size(1));
  EmbeddingArgs args{table, ids, b.empty(shape, DType::f32)};
  b.run<OpKind::embedding>(ctx, table.dtype(), args);
  return args.out;
}

}  // namespace aigc::ops
