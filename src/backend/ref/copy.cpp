#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Element by element through an index odometer: deliberately independent of the
// row-copy fast path in copy_to_contiguous, so the two check each other.
void copy_kernel(const ExecContext &, const CopyArgs &a) {
  const Tensor &x = a.x;
  const DType t = x.dtype();
  const int r = x.rank();
  const int64_t unit = dtype_block_size(t);  // quantized: copy whole blocks
  const size_t unit_bytes = size_t(dtype_traits(t).block_bytes);
  const char *src = static_cast<const char *>(x.data());
  char *dst = static_cast<char *>(a.out.data());
  int64_t idx[kMaxDims] = {};
  const int64_t n = x.numel();
  for (int64_t e = 0; e < n; e += unit) {
    int64_t off = 0;
    for (int i = 0; i < r; ++i) off += idx[i] * x.strides()[i];
    std::copy_n(src + element_byte_offset(t, off), unit_bytes, dst + element_byte_offset(t, e));
    for (int64_t step = 0; step < unit; ++step) {
      for (int i = r - 1; i >= 0; --i) {
        if (++idx[i] < x.shape()[i]) break;
        idx[i] = 0;
      }
    }
  }
}

}  // namespace

void register_copy(KernelTable &t) {
  t.add<OpKind::copy>(copy_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8,
                                     DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::ref
