#include <cstring>
#include <vector>

#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// out viewed as [outer, rest]: each input contributes one contiguous run of bytes per
// outer index (its size along dim times the inner extent), copied with memcpy.
void concat_kernel(const ExecContext &ctx, const ConcatArgs &a) {
  const DType t = a.out.dtype();
  const Shape &shape = a.out.shape();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < a.dim; ++i) outer *= shape[i];
  for (int i = a.dim + 1; i < shape.rank(); ++i) inner *= shape[i];
  if (a.out.numel() == 0) return;

  const size_t n_in = a.inputs.size();
  std::vector<Tensor> src(n_in);  // strided inputs are made contiguous first
  std::vector<size_t> run(n_in), at(n_in);  // bytes per outer index, offset in the out row
  size_t row_bytes = 0;
  for (size_t k = 0; k < n_in; ++k) {
    src[k] = a.inputs[k].contiguous();
    run[k] = dtype_bytes(t, a.inputs[k].size(a.dim) * inner);
    at[k] = row_bytes;
    row_bytes += run[k];
  }
  const int64_t items = outer * int64_t(n_in);
  const int threads = a.out.nbytes() >= (size_t(1) << 20) ? ctx.n_threads : 1;
  char *dst = static_cast<char *>(a.out.data());
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t w = 0; w < items; ++w) {
    const int64_t o = w / int64_t(n_in);
    const size_t k = size_t(w % int64_t(n_in));
    if (run[k] == 0) continue;
    std::memcpy(dst + size_t(o) * row_bytes + at[k],
                static_cast<const char *>(src[k].data()) + size_t(o) * run[k], run[k]);
  }
}

}  // namespace

void register_concat(KernelTable &t) {
  t.add<OpKind::concat>(concat_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32,
                                         DType::i8, DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::cpu
