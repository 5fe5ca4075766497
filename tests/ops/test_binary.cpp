#include <string>

#include "ops/binary.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

Status status_of(const std::function<void()> &fn) { return error_status("binary", fn); }

// Both backends perform the same single IEEE f32 operation per element and round once
// with the same conversion, so results are identical: tolerance 0.
constexpr double kExact = 0.0;

}  // namespace

TEST_CASE("binary: reference against hand-computed broadcasts") {
  const ExecContext c = context("ref");
  const Tensor a = Tensor::from_vector<float>({1.f, 2.f}, {2, 1});
  const Tensor b = Tensor::from_vector<float>({10.f, 20.f, 30.f}, {3});
  const Tensor y = ops::add(c, a, b);  // [2,1] + [3] -> [2,3]
  CHECK(y.shape() == Shape{2, 3});
  check_values(y, {11, 21, 31, 12, 22, 32}, 0.f);
  check_values(ops::sub(c, a, b), {-9, -19, -29, -8, -18, -28}, 0.f);
  check_values(ops::mul(c, b, a), {10, 20, 30, 20, 40, 60}, 0.f);
  check_values(ops::div(c, b, a), {10, 20, 30, 5, 10, 15}, 0.f);
  // bf16: 1 + 1/256 is not representable (8 mantissa bits): rounds to even, 1.
  const Tensor h = ops::add(c, Tensor::from_vector<float>({1.f}, {1}).to(DType::bf16),
                            Tensor::from_vector<float>({1.f / 256}, {1}).to(DType::bf16));
  check_values(h, {1.f}, 0.f);
}

TEST_CASE("binary: cpu matches reference for broadcast patterns, kinds and dtypes") {
  struct Case {
    Shape a, b;
  };
  const Case cases[] = {
      {{1}, {1}},         {{7}, {7}},           {{13}, {1}},         {{1}, {31}},
      {{5, 1, 3}, {1, 4, 1}}, {{7}, {3, 7}},     {{3, 7}, {7}},       {{3, 1}, {1, 31}},
      {{2, 3, 1003}, {1003}}, {{1003, 1}, {1, 13}}, {{2, 1, 5, 7}, {3, 1, 1}}, {{1}, {1003}},
  };
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    for (const Case &cs : cases) {
      for (BinaryKind kind : {BinaryKind::add, BinaryKind::sub, BinaryKind::mul, BinaryKind::div}) {
        const std::string dtype = dtype_name(t), sa = cs.a.to_string(), sb = cs.b.to_string();
        CAPTURE(dtype);
        CAPTURE(sa);
        CAPTURE(sb);
        CAPTURE(int(kind));
        const Tensor a = random_tensor(cs.a, t, 3, -2.f, 2.f);
        const Tensor b = random_tensor(cs.b, t, 4, 0.5f, 2.f);  // away from 0 for div
        check_op(OpKind::binary, t, kExact, [&](const ExecContext &c, Backend &be) {
          return Outputs{ops::binary(c, be.upload(a), be.upload(b), kind)};
        });
      }
    }
  }
}

TEST_CASE("binary: large threaded inputs and strided operands") {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    const std::string dtype = dtype_name(t);
    CAPTURE(dtype);
    const Tensor a = random_tensor({67, 1031}, t, 8);
    const Tensor b = random_tensor({1031, 67}, t, 9);
    const Tensor row = random_tensor({1, 1031}, t, 10);
    const Tensor big = random_tensor({200003}, t, 11);  // one long row split across threads
    const Tensor tall = random_tensor({70001, 33}, t, 12);  // more rows than a CUDA grid's y
    const Tensor bias = random_tensor({33}, t, 13, 0.5f, 2.f);
    // CUDA paths: flat (vectorised with a scalar tail when aligned, scalar when a row
    // slice is misaligned), rows (a bias row broadcast down a contiguous operand, on
    // either side), generic (strided / other broadcasts).
    check_op(OpKind::binary, t, kExact, [&](const ExecContext &c, Backend &be) {
      const Tensor da = be.upload(a), db = be.upload(b), dr = be.upload(row), dg = be.upload(big);
      const Tensor dt = be.upload(tall), dbias = be.upload(bias);
      return Outputs{ops::add(c, da, db.transpose(0, 1)), ops::mul(c, da, dr),
                     ops::sub(c, da.slice(1, 1, 1031, 2), dr.slice(1, 1, 1031, 2)),
                     ops::div(c, dr, da.transpose(0, 1).transpose(0, 1)), ops::add(c, dg, dg),
                     ops::sub(c, da.slice(0, 1, 67), da.slice(0, 0, 66)),
                     ops::div(c, dt, dbias), ops::sub(c, dbias, dt)};
    });
  }
}

TEST_CASE("binary: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor a = Tensor::zeros({2, 3}, DType::f32);
  CHECK(status_of([&] { ops::add(c, a, Tensor::zeros({4}, DType::f32)); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::add(c, a, Tensor::zeros({3, 3}, DType::f32)); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::add(c, a, Tensor::zeros({2, 3}, DType::f16)); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] {
          ops::mul(c, Tensor::zeros({2}, DType::i32), Tensor::zeros({2}, DType::i32));
        }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::add(c, a, Tensor()); }) == Status::invalid_argument);
}
