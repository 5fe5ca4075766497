#include <string>

#include "ops/concat.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

Status status_of(const char *op, const std::function<void()> &fn) { return error_status(op, fn); }

}  // namespace

TEST_CASE("concat: reference against hand-computed joins") {
  const ExecContext c = context("ref");
  const Tensor a = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2});
  const Tensor b = Tensor::from_vector<float>({5, 6}, {1, 2});
  const Tensor d = Tensor::from_vector<float>({7, 8}, {2, 1});
  const Tensor rows = ops::concat(c, {a, b}, 0);
  CHECK(rows.shape() == Shape{3, 2});
  check_values(rows, {1, 2, 3, 4, 5, 6}, 0.f);
  const Tensor cols = ops::concat(c, {a, d, a}, -1);
  CHECK(cols.shape() == Shape{2, 5});
  check_values(cols, {1, 2, 7, 1, 2, 3, 4, 8, 3, 4}, 0.f);
  check_values(ops::concat(c, {a.transpose(0, 1), d}, 1), {1, 3, 7, 2, 4, 8}, 0.f);
}

TEST_CASE("concat: cpu matches reference, every dtype and dim") {
  // CUDA: contiguous inputs with runs of >= 64 bytes (or one run) are 2-D memcpys; strided
  // inputs and narrow runs (i8 along the last dim...) go through the gather kernel.
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8, DType::u8,
                  DType::q8_0, DType::q4_0, DType::q4_1}) {
    const std::string dtype = dtype_name(t);
    CAPTURE(dtype);
    const bool quant = is_quantized(t);
    const int64_t last = quant ? 64 : 13;
    const Tensor a = random_tensor({3, 7, last}, t, 1, -100.f, 100.f);
    const Tensor b = random_tensor({3, 1, last}, t, 2, -100.f, 100.f);
    const Tensor e = random_tensor({3, 0, last}, t, 3);  // empty along the joined dim
    const Tensor w = random_tensor({3, 7, quant ? 32 : 31}, t, 4, -100.f, 100.f);
    const Tensor big = random_tensor({31, 7, quant ? 1024 : 1003}, t, 5, -100.f, 100.f);
    check_op(OpKind::concat, t, 0.0 /* a copy is exact */, [&](const ExecContext &c, Backend &be) {
      const Tensor da = be.upload(a), db = be.upload(b), de = be.upload(e), dw = be.upload(w);
      const Tensor dbig = be.upload(big);
      Outputs outs{ops::concat(c, {da, db, de, da}, 1), ops::concat(c, {da, da, da}, 0),
                   ops::concat(c, {da, dw}, -1), ops::concat(c, {da.slice(0, 0, 3, 2), da}, 0),
                   ops::concat(c, {dbig, dbig.slice(1, 2, 5)}, 1), ops::concat(c, {db}, 2)};
      if (!quant) outs.push_back(ops::concat(c, {da.transpose(0, 2), dw.transpose(0, 2)}, 0));
      return outs;
    });
  }
}

TEST_CASE("split: zero-copy views that concat back to the input") {
  const Tensor x = random_tensor({4, 10, 64}, DType::f32, 7);
  const std::vector<Tensor> parts = ops::split(x, 1, {3, 0, 7});
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].shape() == Shape{4, 3, 64});
  CHECK(parts[1].shape() == Shape{4, 0, 64});
  CHECK(parts[2].data() == static_cast<const float *>(x.data()) + 3 * 64);  // no copy
  const Tensor back = ops::concat(context("cpu"), parts, 1);
  CHECK(back.to_f32_vector() == x.to_f32_vector());
  // Quantized along the last dim: whole blocks only.
  const Tensor q = random_tensor({2, 96}, DType::q4_0, 8);
  const std::vector<Tensor> qp = ops::split(q, -1, {32, 64});
  CHECK(qp[1].shape() == Shape{2, 64});
  CHECK(ops::concat(context("ref"), qp, 1).to_f32_vector() == q.to_f32_vector());
  CHECK(status_of("split", [&] { ops::split(q, 1, {48, 48}); }) == Status::invalid_argument);
  CHECK(status_of("split", [&] { ops::split(x, 1, {3, 3}); }) == Status::shape_mismatch);
  CHECK(status_of("split", [&] { ops::split(x, 1, {12, -2}); }) == Status::invalid_argument);
  CHECK(status_of("split", [&] { ops::split(x, 3, {4}); }) == Status::invalid_argument);
}

TEST_CASE("concat: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor a = Tensor::zeros({2, 3}, DType::f32);
  CHECK(status_of("concat", [&] { ops::concat(c, {a, Tensor::zeros({2, 3}, DType::f16)}, 0); }) ==
        Status::invalid_argument);
  CHECK(status_of("concat", [&] { ops::concat(c, {a, Tensor::zeros({2, 4}, DType::f32)}, 0); }) ==
        Status::shape_mismatch);
  CHECK(status_of("concat", [&] { ops::concat(c, {a, Tensor::zeros({2, 3, 1}, DType::f32)}, 0); }) ==
        Status::shape_mismatch);
  CHECK(status_of("concat", [&] { ops::concat(c, {a, a}, 2); }) == Status::invalid_argument);
  CHECK(status_of("concat", [&] { ops::concat(c, {}, 0); }) == Status::invalid_argument);
  CHECK(status_of("concat", [&] { ops::concat(c, {a, Tensor()}, 0); }) == Status::invalid_argument);
}
