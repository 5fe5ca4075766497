#include <algorithm>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Walks the output in storage units (elements, or 32-element blocks for quantized
// types), finds the input that owns each position along `dim` and reads it through
// that input's strides.
void concat_kernel(const ExecContext &, const ConcatArgs &a) {
  const Tensor &out = a.out;
  const DType t = out.dtype();
  const int r = out.rank();
  const int64_t unit = dtype_block_size(t);
  const size_t unit_bytes = size_t(dtype_traits(t).block_bytes);
  char *dst = static_cast<char *>(out.data());
  int64_t idx[kMaxDims] = {};
  for (int64_t e = 0; e < out.numel(); e += unit) {
    int64_t pos = idx[a.dim];
    size_t k = 0;
    while (pos >= a.inputs[k].size(a.dim)) pos -= a.inputs[k++].size(a.dim);
    const Tensor &x = a.inputs[k];
    int64_t off = 0;
    for (int i = 0; i < r; ++i) off += (i == a.dim ? pos : idx[i]) * x.strides()[i];
    std::copy_n(static_cast<const char *>(x.data()) + element_byte_offset(t, off), unit_bytes,
                dst + element_byte_offset(t, e));
    for (int64_t step = 0; step < unit; ++step) {
      for (int i = r - 1; i >= 0; --i) {
        if (++idx[i] < out.shape()[i]) break;
        idx[i] = 0;
      }
    }
  }
}

}  // namespace

void register_concat(KernelTable &t) {
  t.add<OpKind::concat>(concat_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32,
                                         DType::i8, DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::ref
