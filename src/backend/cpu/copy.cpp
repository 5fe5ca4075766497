#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// Row-wise memcpy (copy_to_contiguous) is bandwidth-bound already; threads add nothing
// for the sizes copies see (views of KV caches, transposed activations).
void copy_kernel(const ExecContext &, const CopyArgs &a) { copy_to_contiguous(a.x, a.out.data()); }

}  // namespace

void register_copy(KernelTable &t) {
  t.add<OpKind::copy>(copy_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8,
                                     DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::cpu
