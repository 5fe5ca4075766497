#include <cmath>
#include <string>

#include "ops/harness.hpp"
#include "ops/rope.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "rope", f); }

ops::RopeOptions opts(RopeMode mode, int n_rot = 0, float theta = 10000.f, float scale = 1.f) {
  ops::RopeOptions o;
  o.mode = mode;
  o.n_rot = n_rot;
  o.theta = theta;
  o.freq_scale = scale;
  return o;
}

}  // namespace

TEST_CASE("rope: hand-computed rotations") {
  const Tensor pos1 = Tensor::from_vector<int32_t>({1}, {1});
  const float c1 = std::cos(1.f), s1 = std::sin(1.f);
  const float c2 = std::cos(0.01f), s2 = std::sin(0.01f);  // 10000^(-2/4) = 0.01
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const ExecContext c = context(name);
    // One pair (x, y) = (1, 2) at position 1: angle 1 in both modes.
    const Tensor pair = Tensor::from_vector<float>({1, 2}, {1, 1, 1, 2});
    for (RopeMode m : {RopeMode::interleaved, RopeMode::half_split})
      check_values(ops::rope(c, pair, pos1, opts(m)), {c1 - 2 * s1, s1 + 2 * c1}, 1e-6f);
    // D = 4 at position 1: pair 0 turns by 1 rad, pair 1 by 0.01 rad; the modes pair
    // different elements: interleaved (0,1),(2,3); half_split (0,2),(1,3).
    const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 1, 4});
    check_values(ops::rope(c, x, pos1, opts(RopeMode::interleaved)),
                 {c1 - 2 * s1, s1 + 2 * c1, 3 * c2 - 4 * s2, 3 * s2 + 4 * c2}, 1e-6f);
    check_values(ops::rope(c, x, pos1, opts(RopeMode::half_split)),
                 {c1 - 3 * s1, 2 * c2 - 4 * s2, s1 + 3 * c1, 2 * s2 + 4 * c2}, 1e-6f);
    // n_rot = 2 of D = 4: only the first pair rotates; freq_scale 0.5 halves the angle.
    const float ch = std::cos(0.5f), sh = std::sin(0.5f);
    check_values(ops::rope(c, x, pos1, opts(RopeMode::half_split, 2, 10000.f, 0.5f)),
                 {ch - 2 * sh, sh + 2 * ch, 3, 4}, 1e-6f);
    // Position 0 is the identity.
    check_values(ops::rope(c, x, Tensor::from_vector<int32_t>({0}, {1}), opts(RopeMode::interleaved)),
                 {1, 2, 3, 4}, 0.f);
  }
}

TEST_CASE("rope: cpu matches the reference") {
  // Angles are computed in double on both sides and rounded to float once; the cpu
  // kernel then rotates in f32 (FMA) where the reference rotates in double: NMSE ~1e-14.
  constexpr double kTol = 1e-10;
  struct Case {
    Shape shape;
    int n_rot;
  };
  for (const Case &cs : {Case{{1, 1, 1, 2}, 0}, Case{{2, 7, 3, 64}, 0}, Case{{1, 13, 4, 128}, 64},
                         Case{{2, 5, 1, 22}, 18}, Case{{1, 31, 2, 6}, 4}, Case{{1, 3, 5, 80}, 80}}) {
    CAPTURE(cs.shape.to_string());
    const Tensor x = random_tensor(cs.shape, DType::f32, 1, -2.f, 2.f);
    // Positions out of order, large and negative (a KV-cache offset, packed sequences).
    const Tensor pos = random_ints({cs.shape[1]}, -50, 4000, 2);
    for (RopeMode m : {RopeMode::interleaved, RopeMode::half_split}) {
      check_op(OpKind::rope, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
        return Outputs{ops::rope(c, b.upload(x), b.upload(pos), opts(m, cs.n_rot)),
                       ops::rope(c, b.upload(x), b.upload(pos), opts(m, cs.n_rot, 500000.f, 0.25f))};
      });
    }
  }
  // Large positions (long contexts, up to 2M): angles of ~1e6 rad need the double angle
  // computation of the reference; n_rot < D in both modes, D past one warp's 32 lanes.
  const Tensor xl = random_tensor({1, 6, 3, 96}, DType::f32, 6, -2.f, 2.f);
  const Tensor far = random_ints({6}, -1000, 2000000, 7);
  for (RopeMode m : {RopeMode::interleaved, RopeMode::half_split}) {
    check_op(OpKind::rope, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
      return Outputs{ops::rope(c, b.upload(xl), b.upload(far), opts(m, 64)),
                     ops::rope(c, b.upload(xl), b.upload(far), opts(m, 0, 1000000.f, 0.125f))};
    });
  }
  // Strided input: [B, H, T, D] activations viewed as [B, T, H, D].
  const Tensor xt = random_tensor({2, 3, 9, 32}, DType::f32, 4);
  const Tensor pos = random_ints({9}, 0, 100, 5);
  check_op(OpKind::rope, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    return Outputs{ops::rope(c, b.upload(xt).transpose(1, 2), b.upload(pos), opts(RopeMode::interleaved))};
  });
}

TEST_CASE("rope: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = random_tensor({1, 3, 2, 8}, DType::f32, 1);
  const Tensor pos = random_ints({3}, 0, 10, 1);
  check_error(Status::shape_mismatch, [&] { ops::rope(c, random_tensor({3, 2, 8}, DType::f32, 1), pos); });
  check_error(Status::shape_mismatch, [&] { ops::rope(c, x, random_ints({4}, 0, 10, 1)); });
  check_error(Status::shape_mismatch, [&] { ops::rope(c, x, random_ints({1, 3}, 0, 10, 1)); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos.to(DType::f32)); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x.to(DType::f16), pos); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, 3)); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, 10)); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, -2)); });
  check_error(Status::invalid_argument,
              [&] { ops::rope(c, random_tensor({1, 3, 2, 7}, DType::f32, 1), pos); });  // odd D
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, 0, 0.f)); });
  check_error(Status::invalid_argument, [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, 0, NAN)); });
  check_error(Status::invalid_argument,
              [&] { ops::rope(c, x, pos, opts(RopeMode::half_split, 0, 10000.f, 0.f)); });
}
