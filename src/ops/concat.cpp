#include "ops/concat.hpp"

#include "ops/op_common.hpp"

namespace aigc::ops {

Tensor concat(const ExecContext &ctx, const std::vector<Tensor> &inputs, int dim) {
  Backend &b = backend_of(ctx, "concat");
  AIGC_CHECK(!inputs.empty(), Status::invalid_argument, "concat: no inputs");
  const Tensor &first = inputs[0];
  AIGC_CHECK(first.defined(), Status::invalid_argument, "concat: input 0 is undefined");
  AIGC_CHECK(first.rank() > 0, Status::shape_mismatch, "concat: inputs must have rank >= 1, got {}",
             first.describe());
  AIGC_CHECK(dim >= -first.rank() && dim < first.rank(), Status::invalid_argument,
             "concat: dim {} out of range for rank-{} input {}", dim, first.rank(),
             first.describe());
  const int d = dim < 0 ? dim + first.rank() : dim;
  const DType t = first.dtype();
  const int32_t block = dtype_block_size(t);
  Shape shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor &x = inputs[i];
    AIGC_CHECK(x.defined(), Status::invalid_argument, "concat: input {} is undefined", i);
    check_device(ctx, "concat", {&x});
    AIGC_CHECK(x.dtype() == t, Status::invalid_argument,
               "concat: input {} is {} but input 0 is {}", i, x.describe(), first.describe());
    bool same = x.rank() == first.rank();
    for (int k = 0; same && k < x.rank(); ++k) same = k == d || x.shape()[k] == first.shape()[k];
    AIGC_CHECK(same, Status::shape_mismatch,
               "concat: input {} {} does not match input 0 {} outside dim {}", i, x.describe(),
               first.describe(), d);
    AIGC_CHECK(block == 1 || d != x.rank() - 1 || x.shape()[d] % block == 0,
               Status::invalid_argument,
               "concat: {} input {} joins along the last dim in partial {}-element blocks", i,
               x.describe(), block);
    shape[d] += x.shape()[d];
  }
  check_supported(ctx, OpKind::concat, t);
  ConcatArgs args{inputs, d, b.empty(shape, t)};
  b.run<OpKind::concat>(ctx, t, args);
  return args.out;
}

std::vector<Tensor> split(const Tensor &x, int dim, const std::vector<int64_t> &sizes) {
  AIGC_CHECK(x.defined(), Status::invalid_argument, "split: input is undefined");
  AIGC_CHECK(dim >= -x.rank() && dim < x.rank(), Status::invalid_argument,
             "split: dim {} out of range for {}", dim, x.describe());
  const int d = dim < 0 ? dim + x.rank() : dim;
  const int32_t block = dtype_block_size(x.dtype());
  int64_t total = 0;
  for (int64_t s : sizes) {
    AIGC_CHECK(s >= 0, Status::invalid_argument, "split: negative size {} for {}", s,
               x.describe());
    AIGC_CHECK(block == 1 || d != x.rank() - 1 || s % block == 0, Status::invalid_argument,
               "split: size {} cuts the {}-element blocks of {} along its last dim", s, block,
               x.describe());
    total += s;
  }
  AIGC_CHECK(total == x.size(d), Status::shape_mismatch,
             "split: sizes sum to {} but dim {} of {} has {}", total, d, x.describe(), x.size(d));
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    parts.push_back(x.slice(d, start, start + s));
    start += s;
  }
  return parts;
}

}  // namespace aigc::ops
