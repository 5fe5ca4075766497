#include "backend/backend.hpp"

#include <cstring>

#include "core/check.hpp"

namespace aigc {

const char *op_name(OpKind op) {
  static const char *names[] = {"copy",       "cast",       "matmul",    "conv2d",
                                "conv_transpose2d", "group_norm", "layer_norm", "rms_norm",
                                "softmax",    "unary",      "binary",    "concat",
                                "embedding",  "rope",       "attention", "upsample",
                                "avg_pool2d", "argmax",     "topk"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(OpKind::count_),
                "op name table out of date");
  return names[static_cast<size_t>(op)];
}

void Backend::throw_unsupported(OpKind op, DType key) const {
  fail(Status::unsupported, "{}: backend '{}' has no kernel for dtype {}", op_name(op), name(),
       dtype_name(key));
}

void Backend::write(const Tensor &dst, const Tensor &src) {
  AIGC_CHECK(dst.device() == device() && src.device().is_cpu() && dst.is_contiguous() &&
                 src.is_contiguous() && dst.shape() == src.shape() && dst.dtype() == src.dtype(),
             Status::invalid_argument, "write: {} <- {}", dst.describe(), src.describe());
  if (src.nbytes()) std::memcpy(dst.data(), src.data(), src.nbytes());
}

}  // namespace aigc
