// Joining tensors along a dimension, and the inverse split into zero-copy views.
#pragma once

#include <vector>

#include "backend/backend.hpp"

namespace aigc::ops {

// inputs share dtype (any), rank and every dim except `dim` (negative counts from the
// end); out is contiguous. Quantized tensors join along the last dim only in whole
// blocks (their last dims are multiples of 32 already).
Tensor concat(const ExecContext &ctx, const std::vector<Tensor> &inputs, int dim);

// Views of x cut along `dim` into pieces of `sizes` (which must sum to x.size(dim));
// no copy, no backend call. Quantized x: pieces along the last dim must be whole blocks.
std::vector<Tensor> split(const Tensor &x, int dim, const std::vector<int64_t> &sizes);

}  // namespace aigc::ops
