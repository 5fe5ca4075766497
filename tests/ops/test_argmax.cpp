#include <cmath>
#include <string>
#include <vector>

#include "ops/argmax.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

Status status_of(const std::function<void()> &fn) { return error_status("argmax", fn); }

// Values on a coarse grid (multiples of 0.25 in [-2, 2]) so rows are full of ties.
Tensor tied_tensor(const Shape &shape, uint64_t seed) {
  Tensor x = random_tensor(shape, DType::f32, seed, -2.f, 2.f);
  float *p = x.data_as<float>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] = std::round(p[i] * 4.f) / 4.f;
  return x;
}

}  // namespace

TEST_CASE("argmax: hand-computed rows, ties and NaN") {
  const Tensor x = Tensor::from_vector<float>({1, 3, 3, 2,                     // tie: first
                                               1, NAN, 5, NAN,                 // first NaN
                                               -INFINITY, -INFINITY, -INFINITY, -INFINITY,
                                               -0.f, 0.f, -1.f, -2.f},         // -0 == 0
                                              {4, 4});
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const Tensor y = ops::argmax(context(name), x);
    CHECK(y.shape() == Shape{4});
    CHECK(y.dtype() == DType::i32);
    check_values(y, {1, 1, 0, 0}, 0.f);
    const Tensor s = ops::argmax(context(name), Tensor::from_vector<float>({0, 9, 4}, {3}));
    CHECK(s.rank() == 0);
    check_values(s, {1}, 0.f);
  }
}

TEST_CASE("argmax: cpu matches reference over awkward sizes") {
  for (const Shape &shape : {Shape{1, 1}, Shape{7, 13}, Shape{3, 31}, Shape{5, 1003},
                             Shape{2, 3, 7}, Shape{3, 32003}, Shape{97, 1024}}) {
    const std::string s = shape.to_string();
    CAPTURE(s);
    const Tensor x = tied_tensor(shape, 17);
    check_op(OpKind::argmax, DType::f32, 0.0 /* indices: exact */,
             [&](const ExecContext &c, Backend &b) {
               const Tensor d = b.upload(x);
               Outputs outs{ops::argmax(c, d)};
               if (shape.rank() == 2 && shape[0] > 1) outs.push_back(ops::argmax(c, d.transpose(0, 1)));
               return outs;
             });
  }
  // A NaN late in a long row, past the vector body's first block.
  Tensor x = random_tensor({2, 1003}, DType::f32, 3);
  x.data_as<float>()[1003 + 517] = NAN;
  check_op(OpKind::argmax, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
    return Outputs{ops::argmax(c, b.upload(x))};
  });
}

// Vocabulary rows: the CUDA kernel splits a row over blocks of 4096 elements that meet in
// an atomic maximum, so the winner must not depend on which block finishes first.
TEST_CASE("argmax: vocabulary rows with ties across blocks, NaN and -inf") {
  for (const int64_t n : {int64_t(50000), int64_t(151936)}) {
    CAPTURE(n);
    const Tensor tied = tied_tensor({3, n}, uint64_t(n));  // the maximum repeats in many blocks
    Tensor special = random_tensor({4, n}, DType::f32, uint64_t(n) + 7);
    float *p = special.data_as<float>();
    p[n - 1] = NAN;                           // row 0: a NaN in the last block
    p[n + 4096 * 5 + 1] = NAN;                // row 1: two NaNs, the first wins
    p[n + 4096 * 9] = NAN;
    for (int64_t j = 0; j < n; ++j) p[2 * n + j] = -INFINITY;  // row 2: all -inf -> 0
    for (int64_t j = 0; j < n; ++j) p[3 * n + j] = -INFINITY;  // row 3: one finite, late
    p[3 * n + n - 2] = -1e30f;
    for (const Tensor *x : std::vector<const Tensor *>{&tied, &special}) {
      check_op(OpKind::argmax, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
        return Outputs{ops::argmax(c, b.upload(*x))};
      });
    }
    const std::vector<float> got = ops::argmax(context("ref"), special).to_f32_vector();
    CHECK(got == std::vector<float>{float(n - 1), float(4096 * 5 + 1), 0.f, float(n - 2)});
  }
  // Strided vocabulary rows.
  const Tensor x = tied_tensor({50000, 3}, 9);
  check_op(OpKind::argmax, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
    return Outputs{ops::argmax(c, b.upload(x).transpose(0, 1))};
  });
}

TEST_CASE("argmax: bad inputs") {
  const ExecContext c = context("cpu");
  CHECK(status_of([&] { ops::argmax(c, Tensor::zeros({3}, DType::i32)); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] { ops::argmax(c, Tensor::zeros({3}, DType::f16)); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] { ops::argmax(c, Tensor::zeros({3, 0}, DType::f32)); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::argmax(c, Tensor()); }) == Status::invalid_argument);
}
