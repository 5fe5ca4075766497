#include "ops/copy.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

TEST_CASE("copy: strided views become contiguous, every dtype") {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8, DType::u8,
                  DType::q8_0, DType::q4_0, DType::q4_1}) {
    CAPTURE(dtype_name(t));
    // Odd and unit sizes; quantized types keep their last dim whole (block rule).
    const Tensor x = random_tensor({3, 1, 5, 64}, t, 11, -100.f, 100.f);
    const Tensor rows = random_tensor({6, 256}, t, 12, -100.f, 100.f);
    const bool quant = is_quantized(t);
    check_op(OpKind::copy, t, 0.0 /* a copy is exact */, [&](const ExecContext &c, Backend &b) {
      const Tensor dx = b.upload(x), dr = b.upload(rows);
      // permute / step slice: general gathers; a contiguous source: one memcpy; rows with
      // a pitch (>= 64 bytes wide): one 2-D memcpy on CUDA; narrow rows: the gather.
      Outputs outs{ops::copy(c, dx.permute({2, 1, 0, 3})), ops::copy(c, dx.slice(2, 1, 5, 2)),
                   ops::copy(c, dx), ops::copy(c, dr.slice(1, 0, 128)),
                   ops::copy(c, dr.slice(1, 32, 64)), ops::copy(c, dx.slice(3, 0, 32))};
      if (!quant) outs.push_back(ops::copy(c, dx.transpose(0, 3).slice(1, 0, 1)));
      return outs;
    });
  }
}

TEST_CASE("copy: reference against hand-computed transpose") {
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor y = ops::copy(context("ref"), x.transpose(0, 1));
  CHECK(y.shape() == Shape{3, 2});
  check_values(y, {1, 4, 2, 5, 3, 6}, 0.f);
  CHECK(y.is_contiguous());
}

TEST_CASE("copy: contiguous() keeps a contiguous input as is") {
  const Tensor x = random_tensor({4, 4}, DType::f32, 1);
  const Tensor y = ops::contiguous(context("cpu"), x);
  CHECK(y.data() == x.data());
}
