#include <cmath>
#include <string>

#include "ops/harness.hpp"
#include "ops/layer_norm.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "layer_norm", f); }

}  // namespace

TEST_CASE("layer_norm: hand-computed values") {
  // [1, 2, 3]: mean 2, biased variance 2/3 -> (x - 2) / sqrt(2/3 + eps).
  const Tensor x = Tensor::from_vector<float>({1, 2, 3}, {1, 3});
  const float a = float(1 / std::sqrt(2.0 / 3 + 1e-5));
  const Tensor w = Tensor::from_vector<float>({2, 3, 4}, {3});
  const Tensor b = Tensor::from_vector<float>({1, 1, -1}, {3});
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    check_values(ops::layer_norm(context(name), x, {3}), {-a, 0, a}, 1e-6f);
    check_values(ops::layer_norm(context(name), x, {3}, w, b), {1 - 2 * a, 1, 4 * a - 1}, 1e-6f);
    check_values(ops::layer_norm(context(name), x, {3}, w), {-2 * a, 0, 4 * a}, 1e-6f);
    check_values(ops::layer_norm(context(name), x, {3}, {}, b), {1 - a, 1, a - 1}, 1e-6f);
    // normalized_shape over two dims: [[1, 2], [3, 4]] as one group of 4 (mean 2.5, var 1.25).
    const float c = float(1 / std::sqrt(1.25 + 1e-5));
    check_values(ops::layer_norm(context(name), Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2}),
                                 {2, 2}),
                 {-1.5f * c, -0.5f * c, 0.5f * c, 1.5f * c}, 1e-6f);
  }
}

TEST_CASE("layer_norm: cpu (oneDNN) matches the reference") {
  // oneDNN sums in f32 in its own order against the double reference; one rounding per
  // output: NMSE ~1e-14, 1e-10 leaves margin.
  constexpr double kTol = 1e-10;
  for (int64_t rows : {1, 7, 13}) {
    for (int64_t d : {1, 5, 31, 67, 768}) {
      CAPTURE(rows);
      CAPTURE(d);
      const Tensor x = random_tensor({rows, d}, DType::f32, 5, -3.f, 5.f);
      const Tensor w = random_tensor({d}, DType::f32, 6), b = random_tensor({d}, DType::f32, 7);
      check_op(OpKind::layer_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
        return Outputs{ops::layer_norm(c, be.upload(x), {d}),
                       ops::layer_norm(c, be.upload(x), {d}, be.upload(w), be.upload(b), 1e-6f),
                       ops::layer_norm(c, be.upload(x), {d}, be.upload(w)),
                       ops::layer_norm(c, be.upload(x), {d}, {}, be.upload(b))};
      });
    }
  }
  // Row lengths for each CUDA path: one warp per row with 2, 8, 16 or 32 values per lane,
  // and one block per row past 1024.
  for (int64_t d : {40, 200, 300, 1024, 1025, 5000}) {
    CAPTURE(d);
    const Tensor x = random_tensor({3, d}, DType::f32, 10, -3.f, 5.f);
    const Tensor w = random_tensor({d}, DType::f32, 11), b = random_tensor({d}, DType::f32, 12);
    check_op(OpKind::layer_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
      return Outputs{ops::layer_norm(c, be.upload(x), {d}),
                     ops::layer_norm(c, be.upload(x), {d}, be.upload(w), be.upload(b))};
    });
  }
  // Two normalized dims, a 3-D batch, a strided (transposed) input and a strided weight.
  const Tensor x = random_tensor({2, 3, 5, 7}, DType::f32, 8);
  const Tensor w2 = random_tensor({7, 5}, DType::f32, 9);
  check_op(OpKind::layer_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    const Tensor dx = be.upload(x);
    return Outputs{ops::layer_norm(c, dx, {5, 7}),
                   ops::layer_norm(c, dx.transpose(2, 3), {7, 5}, be.upload(w2)),
                   ops::layer_norm(c, dx, {5, 7}, be.upload(w2).transpose(0, 1))};
  });
}

TEST_CASE("layer_norm: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = random_tensor({2, 6}, DType::f32, 1);
  check_error(Status::shape_mismatch, [&] { ops::layer_norm(c, x, {5}); });
  check_error(Status::shape_mismatch, [&] { ops::layer_norm(c, x, {1, 2, 6}); });
  check_error(Status::shape_mismatch, [&] { ops::layer_norm(c, x, Shape{}); });
  check_error(Status::shape_mismatch, [&] { ops::layer_norm(c, random_tensor({2, 0}, DType::f32, 1), {0}); });
  check_error(Status::invalid_argument,
              [&] { ops::layer_norm(c, random_tensor({2, 6}, DType::bf16, 1), {6}); });
  check_error(Status::shape_mismatch,
              [&] { ops::layer_norm(c, x, {6}, random_tensor({5}, DType::f32, 1)); });
  check_error(Status::shape_mismatch,
              [&] { ops::layer_norm(c, x, {6}, {}, random_tensor({1, 6}, DType::f32, 1)); });
  check_error(Status::invalid_argument,
              [&] { ops::layer_norm(c, x, {6}, random_tensor({6}, DType::f16, 1)); });
  check_error(Status::invalid_argument, [&] { ops::layer_norm(c, x, {6}, {}, {}, -1.f); });
  check_error(Status::invalid_argument, [&] { ops::layer_norm(c, x, {6}, {}, {}, NAN); });
}
