#include <cmath>
#include <string>

#include "ops/group_norm.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "group_norm", f); }

}  // namespace

TEST_CASE("group_norm: hand-computed values, 2 groups") {
  // x [1, 4, 1]: group 0 = {1, 2} (mean 1.5, var 0.25), group 1 = {3, 5} (mean 4, var 1).
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 5}, {1, 4, 1});
  const float a = float(0.5 / std::sqrt(0.25 + 1e-5)), b = float(1 / std::sqrt(1 + 1e-5));
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    check_values(ops::group_norm(context(name), x, 2), {-a, a, -b, b}, 1e-6f);
    // weight [1, 2, 3, 4], bias [0, 0, 1, 1]: y = x_hat * w + b per channel.
    const Tensor w = Tensor::from_vector<float>({1, 2, 3, 4}, {4});
    const Tensor bias = Tensor::from_vector<float>({0, 0, 1, 1}, {4});
    check_values(ops::group_norm(context(name), x, 2, w, bias), {-a, 2 * a, 1 - 3 * b, 1 + 4 * b},
                 1e-6f);
  }
}

TEST_CASE("group_norm: cpu matches the reference") {
  // f32 sums over up to a few thousand elements in a different order than the double
  // reference, then one rounding per output: NMSE ~1e-14, 1e-10 leaves margin.
  constexpr double kTol = 1e-10;
  struct Case {
    Shape shape;
    int groups;
  };
  for (const Case &cs : {Case{{1, 1}, 1}, Case{{2, 6, 7}, 3}, Case{{1, 13, 5, 3}, 13},
                         Case{{3, 8, 9, 11}, 2}, Case{{2, 32, 17, 19}, 32}, Case{{1, 4, 31}, 1},
                         // CUDA paths: spatial % 4 == 0 (float4 apply); groups of more than
                         // one 4096-element stats chunk, with a partial last chunk, with and
                         // without float4; the Stable Diffusion shape (10 chunks a group).
                         Case{{2, 64, 8, 8}, 32}, Case{{1, 8, 40, 40}, 2}, Case{{1, 6, 50, 50}, 1},
                         Case{{1, 4, 33, 33}, 1}, Case{{2, 320, 64, 64}, 32}}) {
    CAPTURE(cs.shape.to_string());
    const int64_t c = cs.shape[1];
    // An offset far from zero checks the two-pass variance (no cancellation).
    const Tensor x = random_tensor(cs.shape, DType::f32, 7, 2.f, 4.f);
    const Tensor w = random_tensor({c}, DType::f32, 8), b = random_tensor({c}, DType::f32, 9);
    check_op(OpKind::group_norm, DType::f32, kTol, [&](const ExecContext &ctx, Backend &be) {
      return Outputs{ops::group_norm(ctx, be.upload(x), cs.groups, {}, {}, 1e-5f),
                     ops::group_norm(ctx, be.upload(x), cs.groups, be.upload(w), be.upload(b),
                                     1e-3f)};
    });
  }
  // Strided input: a channel-sliced view.
  const Tensor big = random_tensor({2, 12, 5, 5}, DType::f32, 3);
  check_op(OpKind::group_norm, DType::f32, kTol, [&](const ExecContext &ctx, Backend &be) {
    return Outputs{ops::group_norm(ctx, be.upload(big).slice(1, 0, 12, 2), 3)};
  });
}

TEST_CASE("group_norm: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = random_tensor({2, 6, 4}, DType::f32, 1);
  check_error(Status::shape_mismatch, [&] { ops::group_norm(c, x, 4); });
  check_error(Status::invalid_argument, [&] { ops::group_norm(c, x, 0); });
  check_error(Status::shape_mismatch, [&] { ops::group_norm(c, random_tensor({6}, DType::f32, 1), 1); });
  check_error(Status::invalid_argument,
              [&] { ops::group_norm(c, random_tensor({2, 6, 4}, DType::f16, 1), 2); });
  check_error(Status::shape_mismatch,
              [&] { ops::group_norm(c, x, 2, random_tensor({5}, DType::f32, 1)); });
  check_error(Status::shape_mismatch,
              [&] { ops::group_norm(c, x, 2, {}, random_tensor({6, 1}, DType::f32, 1)); });
  check_error(Status::invalid_argument,
              [&] { ops::group_norm(c, x, 2, random_tensor({6}, DType::f16, 1)); });
  check_error(Status::invalid_argument, [&] { ops::group_norm(c, x, 2, {}, {}, 0.f); });
  check_error(Status::invalid_argument, [&] { ops::group_norm(c, x, 2, {}, {}, INFINITY); });
}
