#include <string>

#include "ops/avg_pool2d.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

// oneDNN sums at most 5x5 = 25 values in f32 and divides; the reference sums in double.
// Per-element relative error ~1e-7 -> NMSE ~1e-14; 1e-10 bound.
constexpr double kTol = 1e-10;

template <class Fn>
void check_error(Fn &&fn, Status status, const char *op) { aigc::test::check_error(status, op, fn); }

}  // namespace

TEST_CASE("avg_pool2d: reference against hand-computed values") {
  const ExecContext ref = context("ref");
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});

  SUBCASE("2x2 stride 2 without padding drops the last row and column (floor mode)") {
    const Tensor y = ops::avg_pool2d(ref, x, ops::AvgPool2dOptions::square(2, 2));
    CHECK(y.shape() == Shape{1, 1, 1, 1});
    check_values(y, {3}, 0.f);  // (1+2+4+5)/4
  }
  SUBCASE("2x2 stride 2 padding 1: corners see padding") {
    // windows start at -1 and 1: sums 1, 2+3, 4+7, 5+6+8+9
    const Tensor inc = ops::avg_pool2d(ref, x, ops::AvgPool2dOptions::square(2, 2, 1, true));
    CHECK(inc.shape() == Shape{1, 1, 2, 2});
    check_values(inc, {1 / 4.f, 5 / 4.f, 11 / 4.f, 28 / 4.f}, 1e-7f);
    // count_include_pad=false divides by the 1, 2, 2 and 4 real pixels
    const Tensor exc = ops::avg_pool2d(ref, x, ops::AvgPool2dOptions::square(2, 2, 1, false));
    check_values(exc, {1.f, 2.5f, 5.5f, 7.f}, 1e-7f);
  }
  SUBCASE("3x3 stride 1 padding 1: corner, edge and centre divisors") {
    // corner (0,0): 1+2+4+5 = 12 over 9 or 4; edge (0,1): 1+2+3+4+5+6 = 21 over 9 or 6;
    // centre: 45 / 9 either way
    const Tensor inc = ops::avg_pool2d(ref, x, ops::AvgPool2dOptions::square(3, 1, 1, true));
    const Tensor exc = ops::avg_pool2d(ref, x, ops::AvgPool2dOptions::square(3, 1, 1, false));
    CHECK(inc.shape() == Shape{1, 1, 3, 3});
    const std::vector<float> a = inc.to_f32_vector(), b = exc.to_f32_vector();
    CHECK(a[0] == doctest::Approx(12 / 9.0));
    CHECK(b[0] == doctest::Approx(3.0));
    CHECK(a[1] == doctest::Approx(21 / 9.0));
    CHECK(b[1] == doctest::Approx(3.5));
    CHECK(a[4] == doctest::Approx(5.0));
    CHECK(b[4] == doctest::Approx(5.0));
    CHECK(b[8] == doctest::Approx((5 + 6 + 8 + 9) / 4.0));
  }
  SUBCASE("rectangular kernel and stride") {
    ops::AvgPool2dOptions o{1, 3, 2, 1, 0, 0, true};  // 1 row x 3 columns, stride (2, 1)
    const Tensor y = ops::avg_pool2d(ref, x, o);
    CHECK(y.shape() == Shape{1, 1, 2, 1});
    check_values(y, {2, 8}, 1e-7f);  // rows 0 and 2
  }
}

TEST_CASE("avg_pool2d: cpu matches the reference over awkward shapes") {
  int cases = 0;
  for (int n : {1, 2})
    for (int c : {1, 3, 12})
      for (int hw : {1, 5, 7, 13})
        for (int k : {1, 2, 3, 5})
          for (int s : {1, 2, 3})
            for (int p = 0; p <= k / 2; ++p)
              for (bool include : {true, false}) {
                // keep the sweep small: one batch/channel pair per spatial size
                if ((n + c + hw + k + s + p) % 3 != 0) continue;
                const int h = hw, w = hw == 1 ? 1 : hw + 2;  // non-square
                if (h + 2 * p < k || w + 2 * p < k) continue;
                ++cases;
                CAPTURE(n);
                CAPTURE(c);
                CAPTURE(h);
                CAPTURE(w);
                CAPTURE(k);
                CAPTURE(s);
                CAPTURE(p);
                CAPTURE(include);
                const bool strided = (h + k) % 2 == 0;
                CAPTURE(strided);
                const Tensor xs = strided ? random_tensor({n, h, w, c}, DType::f32, cases)
                                          : random_tensor({n, c, h, w}, DType::f32, cases);
                check_op(OpKind::avg_pool2d, DType::f32, kTol,
                         [&](const ExecContext &ctx, Backend &b) {
                           Tensor x = b.upload(xs);
                           if (strided) x = x.permute({0, 3, 1, 2});
                           return Outputs{ops::avg_pool2d(
                               ctx, x, ops::AvgPool2dOptions::square(k, s, p, include))};
                         });
              }
  CHECK(cases > 40);
}

TEST_CASE("avg_pool2d: cpu matches the reference on a large single image") {
  // One plane of 257x131: the threads split rows, not planes; odd sizes drop a border.
  const Tensor x = random_tensor({1, 1, 257, 131}, DType::f32, 9);
  check_op(OpKind::avg_pool2d, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    const Tensor dx = b.upload(x);
    return Outputs{ops::avg_pool2d(c, dx, ops::AvgPool2dOptions::square(2, 2)),
                   ops::avg_pool2d(c, dx, ops::AvgPool2dOptions::square(3, 2, 1, false))};
  });
}

TEST_CASE("avg_pool2d: wide rows and more output rows than a CUDA grid spans") {
  // 599 output columns: several blocks of threads per row on CUDA; 600000 output rows
  // of 2: the row loop wraps past the grid's 65535 x 8 rows.
  const Tensor wide = random_tensor({1, 2, 5, 600}, DType::f32, 10);
  const Tensor tall = random_tensor({1, 1, 600000, 3}, DType::f32, 11);
  check_op(OpKind::avg_pool2d, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    return Outputs{ops::avg_pool2d(c, b.upload(wide), ops::AvgPool2dOptions::square(2, 1)),
                   ops::avg_pool2d(c, b.upload(wide), ops::AvgPool2dOptions::square(3, 2, 1, false)),
                   ops::avg_pool2d(c, b.upload(tall), ops::AvgPool2dOptions::square(2, 1, 1, true))};
  });
}

TEST_CASE("avg_pool2d: bad inputs are rejected with the right status") {
  const ExecContext c = context("ref");
  const Tensor x = random_tensor({1, 2, 5, 5}, DType::f32, 1);
  const char *op = "avg_pool2d";
  auto pool = [&](const Tensor &xx, ops::AvgPool2dOptions o) {
    return [=] { ops::avg_pool2d(c, xx, o); };
  };
  check_error(pool(x.reshape({2, 5, 5}), {}), Status::shape_mismatch, op);
  check_error(pool(x.to(DType::f16), {}), Status::invalid_argument, op);
  check_error(pool(x, ops::AvgPool2dOptions::square(0, 1)), Status::invalid_argument, op);
  check_error(pool(x, ops::AvgPool2dOptions::square(2, 0)), Status::invalid_argument, op);
  check_error(pool(x, ops::AvgPool2dOptions::square(2, 2, -1)), Status::invalid_argument, op);
  // PyTorch: pad should be at most half of the kernel (3 -> 1)
  check_error(pool(x, ops::AvgPool2dOptions::square(3, 1, 2)), Status::invalid_argument, op);
  check_error(pool(x, {2, 2, 2, 2, 0, 2, true}), Status::invalid_argument, op);
  // kernel 8 does not fit a 5x5 input padded by 1 (7x7)
  check_error(pool(x, ops::AvgPool2dOptions::square(8, 1, 1)), Status::shape_mismatch, op);
}
