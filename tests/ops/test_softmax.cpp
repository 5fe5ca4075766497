#include <cmath>
#include <string>

#include "ops/harness.hpp"
#include "ops/softmax.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "softmax", f); }

// Random mask with roughly one entry in `every` set to -inf.
Tensor random_mask(const Shape &shape, uint64_t seed, int every) {
  Tensor m = random_tensor(shape, DType::f32, seed, -2.f, 2.f);
  float *p = m.data_as<float>();
  for (int64_t i = 0; i < m.numel(); ++i)
    if (i % every == every - 1) p[i] = -INFINITY;
  return m;
}

}  // namespace

TEST_CASE("softmax: hand-computed values") {
  const float third = 1.f / 3;
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const ExecContext c = context(name);
    check_values(ops::softmax(c, Tensor::from_vector<float>({1, 2, 3}, {3})),
                 {0.0900306f, 0.2447285f, 0.6652410f}, 1e-6f);
    // scale 2 on [0, ln2 / 2]: scores [0, ln2] -> [1/3, 2/3].
    ops::SoftmaxOptions scaled;
    scaled.scale = 2.f;
    check_values(ops::softmax(c, Tensor::from_vector<float>({0, float(std::log(2.0) / 2)}, {2}),
                              scaled),
                 {third, 2 * third}, 1e-6f);
    // Causal on zeros [3, 3]: row i is uniform over its first i + 1 + offset columns.
    const Tensor z = Tensor::zeros({3, 3}, DType::f32);
    ops::SoftmaxOptions causal;
    causal.causal = true;
    check_values(ops::softmax(c, z, causal), {1, 0, 0, 0.5f, 0.5f, 0, third, third, third},
                 1e-6f);
    causal.causal_offset = -1;  // row 0 sees nothing: zeros, not NaN
    check_values(ops::softmax(c, z, causal), {0, 0, 0, 1, 0, 0, 0.5f, 0.5f, 0}, 1e-6f);
    causal.causal_offset = 1;
    check_values(ops::softmax(c, z, causal), {0.5f, 0.5f, 0, third, third, third, third, third, third},
                 1e-6f);
    // A -inf mask entry hides that column; an all -inf row gives zeros. The mask [2, 3]
    // broadcasts over the leading dim of x [2, 2, 3].
    ops::SoftmaxOptions masked;
    masked.mask = Tensor::from_vector<float>({0, -INFINITY, 0, -INFINITY, -INFINITY, -INFINITY},
                                             {2, 3});
    const Tensor x = Tensor::from_vector<float>({1, 5, 1, 1, 2, 3, 7, 7, 7, 0, 0, 0}, {2, 2, 3});
    check_values(ops::softmax(c, x, masked), {0.5f, 0, 0.5f, 0, 0, 0, 0.5f, 0, 0.5f, 0, 0, 0},
                 1e-6f);
    // Large inputs do not overflow: softmax is shift-invariant.
    check_values(ops::softmax(c, Tensor::from_vector<float>({1001, 1002, 1003}, {3})),
                 {0.0900306f, 0.2447285f, 0.6652410f}, 1e-6f);
  }
}

TEST_CASE("softmax: cpu matches the reference") {
  // Vector exp (~1 ulp) and f32 sums against a double reference: NMSE ~1e-14; 1e-10 leaves
  // margin while any wrong column or missed mask entry gives >1e-4.
  constexpr double kTol = 1e-10;
  for (int64_t rows : {1, 7, 13}) {
    for (int64_t n : {1, 5, 31, 67, 1000}) {
      CAPTURE(rows);
      CAPTURE(n);
      const Tensor x = random_tensor({2, rows, n}, DType::f32, 3, -4.f, 4.f);
      const Tensor full_mask = random_mask({2, rows, n}, 4, 5);
      const Tensor row_mask = random_mask({n}, 5, 3);
      const Tensor col_mask = random_mask({rows, 1}, 6, 4);
      check_op(OpKind::softmax, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
        const Tensor dx = b.upload(x);
        Outputs outs{ops::softmax(c, dx)};
        ops::SoftmaxOptions o;
        o.scale = 0.125f;
        outs.push_back(ops::softmax(c, dx, o));
        o.mask = b.upload(full_mask);
        outs.push_back(ops::softmax(c, dx, o));
        o.mask = b.upload(row_mask);
        outs.push_back(ops::softmax(c, dx, o));
        o.mask = b.upload(col_mask);
        outs.push_back(ops::softmax(c, dx, o));
        o.mask = {};
        o.causal = true;
        for (int64_t off : {int64_t(0), int64_t(3), int64_t(-2), n - rows, INT64_MAX}) {
          o.causal_offset = off;
          outs.push_back(ops::softmax(c, dx, o));
        }
        o.mask = b.upload(full_mask);
        outs.push_back(ops::softmax(c, dx, o));
        return outs;
      });
    }
  }
  // Strided x (transposed) and a strided mask (every other column of a wider one).
  const Tensor x = random_tensor({3, 13, 9}, DType::f32, 7, -3.f, 3.f);
  const Tensor wide = random_mask({9, 26}, 8, 7);
  check_op(OpKind::softmax, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    ops::SoftmaxOptions o;
    o.mask = b.upload(wide).slice(1, 0, 26, 2);
    o.causal = true;
    o.causal_offset = 4;
    return Outputs{ops::softmax(c, b.upload(x).transpose(1, 2)), ops::softmax(c, b.upload(x).transpose(1, 2), o)};
  });
}

TEST_CASE("softmax: long rows and every row-length class") {
  // The CUDA kernel keeps rows of <= 1024 columns in registers (1, 2, 4, 8, 16 or 32 per
  // lane) and runs longer rows one block per row with an online max/sum; these lengths
  // hit each class, the 1024 / 1025 boundary and a vocabulary-sized row. Same tolerance
  // as above (f32 sums, ~1 ulp exp).
  constexpr double kTol = 1e-10;
  for (int64_t n : {40, 200, 300, 1024, 1025, 1500, 5000, 128 * 1024 + 3}) {
    CAPTURE(n);
    const int64_t rows = n > 100000 ? 2 : 3;
    const Tensor x = random_tensor({2, rows, n}, DType::f32, 11, -4.f, 4.f);
    const Tensor full_mask = random_mask({2, rows, n}, 12, 5);
    const Tensor batch_mask = random_mask({2, 1, n}, 13, 3);
    const Tensor col_mask = random_mask({rows, 1}, 14, 2);  // whole rows -inf
    check_op(OpKind::softmax, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
      const Tensor dx = b.upload(x);
      ops::SoftmaxOptions o;
      o.scale = 0.5f;
      Outputs outs{ops::softmax(c, dx), ops::softmax(c, dx, o)};
      for (const Tensor *m : {&full_mask, &batch_mask, &col_mask}) {
        o.mask = b.upload(*m);
        outs.push_back(ops::softmax(c, dx, o));
      }
      o.causal = true;
      for (int64_t off : {int64_t(-1), n / 2, n - rows}) {
        o.causal_offset = off;
        outs.push_back(ops::softmax(c, dx, o));
      }
      return outs;
    });
  }
  // Strided long rows: x [3, 1100, 2] transposed to [3, 2, 1100] (last-dim stride 2),
  // with a mask broadcast over the batch and causality.
  const Tensor x = random_tensor({3, 1100, 2}, DType::f32, 15, -3.f, 3.f);
  const Tensor mask = random_mask({2, 1100}, 16, 9);
  check_op(OpKind::softmax, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    ops::SoftmaxOptions o;
    o.mask = b.upload(mask);
    o.causal = true;
    o.causal_offset = 700;
    const Tensor xt = b.upload(x).transpose(1, 2);
    return Outputs{ops::softmax(c, xt), ops::softmax(c, xt, o)};
  });
}

TEST_CASE("softmax: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = random_tensor({2, 3, 4}, DType::f32, 1);
  check_error(Status::invalid_argument, [&] { ops::softmax(c, random_tensor({4}, DType::f16, 1)); });
  check_error(Status::invalid_argument, [&] { ops::softmax(c, Tensor()); });
  ops::SoftmaxOptions o;
  o.mask = random_tensor({3, 5}, DType::f32, 1);  // does not broadcast
  check_error(Status::shape_mismatch, [&] { ops::softmax(c, x, o); });
  o.mask = random_tensor({2, 2, 3, 4}, DType::f32, 1);  // would grow x
  check_error(Status::shape_mismatch, [&] { ops::softmax(c, x, o); });
  o.mask = random_tensor({3, 4}, DType::bf16, 1);
  check_error(Status::invalid_argument, [&] { ops::softmax(c, x, o); });
  o = {};
  o.scale = NAN;
  check_error(Status::invalid_argument, [&] { ops::softmax(c, x, o); });
  o = {};
  o.causal = true;
  check_error(Status::shape_mismatch, [&] { ops::softmax(c, random_tensor({4}, DType::f32, 1), o); });
}
