#include <string>

#include "ops/harness.hpp"
#include "ops/upsample.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

// Nearest copies values: exact. Bilinear: oneDNN computes the source coordinate and the
// blend in f32 where the reference uses double; per-element relative error ~1e-7,
// NMSE ~1e-14, bounded at 1e-11 (a wrong border rule gives NMSE >= ~1e-3).
constexpr double kNearestTol = 0.0;
constexpr double kBilinearTol = 1e-11;

template <class Fn>
void check_error(Fn &&fn, Status status, const char *op) { aigc::test::check_error(status, op, fn); }

}  // namespace

TEST_CASE("upsample: reference against hand-computed values") {
  const ExecContext ref = context("ref");
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});

  SUBCASE("nearest 2x repeats each pixel into a 2x2 block") {
    const Tensor y = ops::upsample(ref, x, UpsampleMode::nearest, 2);
    CHECK(y.shape() == Shape{1, 1, 4, 4});
    check_values(y, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 0.f);
  }
  SUBCASE("bilinear 2x, half-pixel centres, clamped borders") {
    // Along one axis, output i samples src = (i + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25:
    // -0.25 clamps to 0 (pure x0); 1.25 has i0 = 1 = last, so its partner clamps to
    // itself (pure x1). Row [1, 2] -> [1, 1.25, 1.75, 2]; column [1, 3] -> [1, 1.5, 2.5, 3].
    const Tensor y = ops::upsample(ref, x, UpsampleMode::bilinear, 2);
    CHECK(y.shape() == Shape{1, 1, 4, 4});
    check_values(y,
                 {1.0f, 1.25f, 1.75f, 2.0f,  //
                  1.5f, 1.75f, 2.25f, 2.5f,  //
                  2.5f, 2.75f, 3.25f, 3.5f,  //
                  3.0f, 3.25f, 3.75f, 4.0f},
                 1e-6f);
  }
  SUBCASE("bilinear 3x of a row: src = (i + 0.5)/3 - 0.5") {
    // [0, 3] -> src = -1/3, 0, 1/3, 2/3, 1, 4/3 -> 0, 0, 1, 2, 3, 3
    const Tensor r = Tensor::from_vector<float>({0, 3}, {1, 1, 1, 2});
    const Tensor y = ops::upsample(ref, r, UpsampleMode::bilinear, 3);
    CHECK(y.shape() == Shape{1, 1, 3, 6});
    check_values(y, {0, 0, 1, 2, 3, 3, 0, 0, 1, 2, 3, 3, 0, 0, 1, 2, 3, 3}, 1e-6f);
  }
  SUBCASE("factor 1 is the identity in both modes") {
    check_values(ops::upsample(ref, x, UpsampleMode::nearest, 1), {1, 2, 3, 4}, 0.f);
    check_values(ops::upsample(ref, x, UpsampleMode::bilinear, 1), {1, 2, 3, 4}, 0.f);
  }
}

TEST_CASE("upsample: cpu matches the reference over awkward shapes") {
  int i = 0;
  for (UpsampleMode mode : {UpsampleMode::nearest, UpsampleMode::bilinear})
    for (int n : {1, 2})
      for (int c : {1, 3, 8})
        for (int h : {1, 5, 7, 13})
          for (int f : {1, 2, 3, 4}) {
            ++i;
            const int w = h == 13 ? 5 : h + 2;  // non-square
            const bool strided = i % 3 == 0;
            CAPTURE(int(mode));
            CAPTURE(n);
            CAPTURE(c);
            CAPTURE(h);
            CAPTURE(w);
            CAPTURE(f);
            CAPTURE(strided);
            const Tensor xs = random_tensor({n, c, h, strided ? 2 * w : w}, DType::f32, i);
            check_op(OpKind::upsample, DType::f32,
                     mode == UpsampleMode::nearest ? kNearestTol : kBilinearTol,
                     [&](const ExecContext &ctx, Backend &b) {
                       Tensor x = b.upload(xs);
                       if (strided) x = x.slice(3, 1, 2 * w, 2);
                       return Outputs{ops::upsample(ctx, x, mode, f)};
                     });
          }
}

TEST_CASE("upsample: cpu matches the reference at VAE-decoder sizes") {
  // 32x64x64 -> 128x128: larger than the size at which oneDNN 2.6's resampling crashed,
  // and many row bands per plane.
  const Tensor x = random_tensor({1, 32, 64, 64}, DType::f32, 3);
  check_op(OpKind::upsample, DType::f32, kBilinearTol, [&](const ExecContext &c, Backend &b) {
    const Tensor dx = b.upload(x);
    return Outputs{ops::upsample(c, dx, UpsampleMode::nearest, 2),
                   ops::upsample(c, dx, UpsampleMode::bilinear, 2)};
  });
}

TEST_CASE("upsample: wide rows and more output rows than a CUDA grid spans") {
  // 260 output columns: more than one block of threads per row on CUDA; 600000 output
  // rows of 2: the row loop wraps past the grid's 65535 x 8 rows.
  const Tensor wide = random_tensor({1, 2, 3, 130}, DType::f32, 4);
  const Tensor tall = random_tensor({1, 1, 300000, 1}, DType::f32, 5);
  for (UpsampleMode mode : {UpsampleMode::nearest, UpsampleMode::bilinear}) {
    CAPTURE(int(mode));
    check_op(OpKind::upsample, DType::f32,
             mode == UpsampleMode::nearest ? kNearestTol : kBilinearTol,
             [&](const ExecContext &c, Backend &b) {
               return Outputs{ops::upsample(c, b.upload(wide), mode, 2),
                              ops::upsample(c, b.upload(tall), mode, 2)};
             });
  }
}

TEST_CASE("upsample: cpu keeps the clamped bilinear borders of a large factor") {
  // A ramp makes every border row / column distinguishable: with factor 8 the first and
  // last 4 outputs of each axis must equal the edge pixels exactly.
  std::vector<float> v(5 * 6);
  for (size_t j = 0; j < v.size(); ++j) v[j] = float(j * j % 17);
  const Tensor x = Tensor::from_vector(v, {1, 1, 5, 6});
  const Tensor y = ops::upsample(context("cpu"), x, UpsampleMode::bilinear, 8);
  const std::vector<float> out = y.to_f32_vector();
  const int64_t ow = 48;
  for (int64_t oy = 0; oy < 4; ++oy)
    for (int64_t ox = 0; ox < 4; ++ox) {
      CHECK(out[size_t(oy * ow + ox)] == doctest::Approx(v[0]).epsilon(1e-6));
      CHECK(out[size_t((39 - oy) * ow + 47 - ox)] == doctest::Approx(v[29]).epsilon(1e-6));
    }
  const Tensor expected = ops::upsample(context("ref"), x, UpsampleMode::bilinear, 8);
  CHECK(nmse(expected, y) <= kBilinearTol);
}

TEST_CASE("upsample: bad inputs are rejected with the right status") {
  const ExecContext c = context("ref");
  const Tensor x = random_tensor({1, 2, 3, 3}, DType::f32, 1);
  const char *op = "upsample";
  check_error([&] { ops::upsample(c, x.reshape({2, 3, 3}), UpsampleMode::nearest, 2); },
              Status::shape_mismatch, op);
  check_error([&] { ops::upsample(c, x.to(DType::bf16), UpsampleMode::nearest, 2); },
              Status::invalid_argument, op);
  check_error([&] { ops::upsample(c, x, UpsampleMode::bilinear, 0); }, Status::invalid_argument,
              op);
  check_error([&] { ops::upsample(c, x, UpsampleMode::nearest, -2); }, Status::invalid_argument,
              op);
  check_error([&] { ops::upsample(c, x, static_cast<UpsampleMode>(7), 2); },
              Status::invalid_argument, op);
}
