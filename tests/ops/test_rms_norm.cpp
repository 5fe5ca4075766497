#include <cmath>
#include <string>

#include "ops/harness.hpp"
#include "ops/rms_norm.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "rms_norm", f); }

}  // namespace

TEST_CASE("rms_norm: hand-computed values") {
  // [3, 4]: mean of squares 12.5 -> [3, 4] / sqrt(12.5) (eps negligible at 1e-12).
  const Tensor x = Tensor::from_vector<float>({3, 4, 0, 0}, {2, 2});
  const float r = float(1 / std::sqrt(12.5));
  // Second row all zeros: 0 / sqrt(eps) = 0, not NaN.
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    check_values(ops::rms_norm(context(name), x, {}, 1e-12f), {3 * r, 4 * r, 0, 0}, 1e-6f);
    const Tensor w = Tensor::from_vector<float>({2, -1}, {2});
    check_values(ops::rms_norm(context(name), x, w, 1e-12f), {6 * r, -4 * r, 0, 0}, 1e-6f);
    // eps matters: [1] with eps 3 -> 1 / sqrt(1 + 3) = 0.5.
    check_values(ops::rms_norm(context(name), Tensor::from_vector<float>({1}, {1}), {}, 3.f),
                 {0.5f}, 1e-7f);
  }
}

TEST_CASE("rms_norm: cpu matches the reference") {
  // f32 sum of squares in a different order than the double reference and one rounding
  // per output: NMSE ~1e-14, 1e-10 leaves margin.
  constexpr double kTol = 1e-10;
  for (int64_t rows : {1, 7, 13}) {
    for (int64_t d : {1, 5, 31, 67, 4096 + 3}) {
      CAPTURE(rows);
      CAPTURE(d);
      const Tensor x = random_tensor({rows, d}, DType::f32, 5, -2.f, 3.f);
      const Tensor w = random_tensor({d}, DType::f32, 6);
      check_op(OpKind::rms_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
        return Outputs{ops::rms_norm(c, be.upload(x)), ops::rms_norm(c, be.upload(x), be.upload(w), 1e-5f)};
      });
    }
  }
  // Row lengths for each CUDA path: one warp per row with 2, 8, 16 or 32 values per lane,
  // and one block per row past 1024 (also strided: x [1100, 3] transposed, stride 3).
  for (int64_t d : {40, 200, 300, 1000, 1025, 2000}) {
    CAPTURE(d);
    const Tensor x = random_tensor({3, d}, DType::f32, 10, -2.f, 3.f);
    const Tensor w = random_tensor({d}, DType::f32, 11);
    check_op(OpKind::rms_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
      return Outputs{ops::rms_norm(c, be.upload(x)), ops::rms_norm(c, be.upload(x), be.upload(w))};
    });
  }
  const Tensor xl = random_tensor({1100, 3}, DType::f32, 12);
  const Tensor wl = random_tensor({2200}, DType::f32, 13);
  check_op(OpKind::rms_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    return Outputs{ops::rms_norm(c, be.upload(xl).transpose(0, 1),
                                 be.upload(wl).slice(0, 0, 2200, 2))};
  });
  // Higher rank, strided x (a permuted view) and a strided weight.
  const Tensor x = random_tensor({2, 3, 5, 9}, DType::f32, 8);
  const Tensor w = random_tensor({18}, DType::f32, 9);
  check_op(OpKind::rms_norm, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    const Tensor dx = be.upload(x);
    return Outputs{ops::rms_norm(c, dx), ops::rms_norm(c, dx.transpose(1, 3).slice(0, 1, 2)),
                   ops::rms_norm(c, dx, be.upload(w).slice(0, 0, 18, 2))};
  });
}

TEST_CASE("rms_norm: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = random_tensor({2, 6}, DType::f32, 1);
  check_error(Status::shape_mismatch,
              [&] { ops::rms_norm(c, x, random_tensor({5}, DType::f32, 1)); });
  check_error(Status::shape_mismatch,
              [&] { ops::rms_norm(c, x, random_tensor({1, 6}, DType::f32, 1)); });
  check_error(Status::invalid_argument,
              [&] { ops::rms_norm(c, x, random_tensor({6}, DType::bf16, 1)); });
  check_error(Status::invalid_argument,
              [&] { ops::rms_norm(c, random_tensor({2, 6}, DType::f16, 1)); });
  check_error(Status::shape_mismatch, [&] { ops::rms_norm(c, random_tensor({3, 0}, DType::f32, 1)); });
  check_error(Status::invalid_argument, [&] { ops::rms_norm(c, x, {}, 0.f); });
  check_error(Status::invalid_argument, [&] { ops::rms_norm(c, x, {}, -INFINITY); });
}
