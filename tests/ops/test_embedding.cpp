#include <string>

#include "ops/embedding.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

// Returns the error (status, message) thrown by fn, or ok.
std::pair<Status, std::string> error_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    CHECK_MESSAGE(std::string(e.what()).find("embedding") != std::string::npos, e.what());
    return {e.status(), e.what()};
  }
  return {Status::ok, ""};
}

}  // namespace

TEST_CASE("embedding: reference gathers the named rows") {
  const Tensor table = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor ids = Tensor::from_vector<int32_t>({2, 0, 2, 1}, {2, 2});
  const Tensor y = ops::embedding(context("ref"), table, ids);
  CHECK(y.shape() == Shape{2, 2, 2});
  check_values(y, {5, 6, 1, 2, 5, 6, 3, 4}, 0.f);
  // f16 table: values are exact in f16 and come back unchanged.
  check_values(ops::embedding(context("ref"), table.to(DType::f16), ids.reshape({4})),
               {5, 6, 1, 2, 5, 6, 3, 4}, 0.f);
}

TEST_CASE("embedding: cpu matches reference for every table dtype") {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1}) {
    const std::string dtype = dtype_name(t);
    CAPTURE(dtype);
    const int64_t vocab = 37, dim = is_quantized(t) ? 96 : 31;
    const Tensor table = random_tensor({vocab, dim}, t, 1);
    const Tensor ids1 = random_ints({1}, 0, int32_t(vocab - 1), 2);
    const Tensor ids2 = random_ints({7, 13}, 0, int32_t(vocab - 1), 3);
    const Tensor ids3 = random_ints({1003}, 0, int32_t(vocab / 2 - 1), 4);
    // Rows longer than a CUDA block of threads (each thread loops over the row).
    const Tensor wide = random_tensor({5, is_quantized(t) ? 320 : 300}, t, 5);
    const Tensor ids4 = random_ints({9}, 0, 4, 6);
    // Same dequantization arithmetic (one f32 multiply per element, then q4_1's add of
    // the block minimum, neither fused): exact.
    check_op(OpKind::embedding, t, 0.0, [&](const ExecContext &c, Backend &b) {
      const Tensor dt = b.upload(table);
      return Outputs{ops::embedding(c, dt, b.upload(ids1)), ops::embedding(c, dt, b.upload(ids2)),
                     ops::embedding(c, dt, b.upload(ids2).transpose(0, 1)),
                     ops::embedding(c, dt.slice(0, 1, vocab, 2), b.upload(ids3)),
                     ops::embedding(c, b.upload(wide), b.upload(ids4))};
    });
  }
  // A table whose rows are strided (f32 only: quantized rows must stay contiguous).
  const Tensor tt = random_tensor({31, 37}, DType::f32, 9);
  const Tensor ids = random_ints({5}, 0, 30, 10);
  check_op(OpKind::embedding, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
    return Outputs{ops::embedding(c, b.upload(tt).transpose(0, 1), b.upload(ids))};
  });
}

TEST_CASE("embedding: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor table = Tensor::zeros({10, 4}, DType::f32);
  auto [s1, m1] = error_of([&] {
    ops::embedding(c, table, Tensor::from_vector<int32_t>({1, 10}, {2}));
  });
  CHECK(s1 == Status::invalid_argument);
  CHECK_MESSAGE((m1.find("10") != std::string::npos && m1.find("vocab") != std::string::npos), m1);
  auto [s2, m2] = error_of([&] {
    ops::embedding(c, table, Tensor::from_vector<int32_t>({-3}, {1}));
  });
  CHECK(s2 == Status::invalid_argument);
  CHECK_MESSAGE(m2.find("-3") != std::string::npos, m2);
  CHECK(error_of([&] { ops::embedding(c, table, Tensor::zeros({2}, DType::f32)); }).first ==
        Status::invalid_argument);
  CHECK(error_of([&] {
          ops::embedding(c, Tensor::zeros({10}, DType::f32), Tensor::zeros({2}, DType::i32));
        }).first == Status::shape_mismatch);
  CHECK(error_of([&] {
          ops::embedding(c, Tensor::zeros({10, 4}, DType::i32), Tensor::zeros({2}, DType::i32));
        }).first == Status::invalid_argument);
}
