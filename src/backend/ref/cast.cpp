#include "aigc/core/quant.hpp"
#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// The scalar conversions of aigc/core/quant.hpp over the whole (contiguous) tensor:
// they are the definition of every cast, quantization included.
void cast_kernel(const ExecContext &, const CastArgs &a) {
  const Tensor x = a.x.contiguous();
  convert_row(x.dtype(), x.data(), a.out.dtype(), a.out.data(), x.numel());
}

}  // namespace

void register_cast(KernelTable &t) {
  t.add<OpKind::cast>(cast_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8,
                                     DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::ref
