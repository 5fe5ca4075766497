#include "backend/cuda/cuda_common.cuh"

#include "core/check.hpp"

namespace aigc::cuda {

Layout broadcast_layout(const Tensor &t, const Shape &out_shape) {
  Layout l;
  l.rank = out_shape.rank();
  const int shift = out_shape.rank() - t.rank();
  AIGC_ASSERT(shift >= 0);
  for (int d = 0; d < l.rank; ++d) {
    l.shape[d] = out_shape[d];
    const int td = d - shift;
    l.strides[d] = (td < 0 || t.shape()[td] == 1) ? 0 : t.strides()[td];
  }
  return l;
}

}  // namespace aigc::cuda
