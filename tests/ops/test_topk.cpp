#include <cmath>
#include <string>
#include <vector>

#include "ops/harness.hpp"
#include "ops/topk.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

Status status_of(const std::function<void()> &fn) { return error_status("topk", fn); }

// Values on a coarse grid (multiples of 0.25 in [-2, 2]) so rows are full of ties.
Tensor tied_tensor(const Shape &shape, uint64_t seed) {
  Tensor x = random_tensor(shape, DType::f32, seed, -2.f, 2.f);
  float *p = x.data_as<float>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] = std::round(p[i] * 4.f) / 4.f;
  return x;
}

}  // namespace

TEST_CASE("topk: hand-computed order with ties") {
  const Tensor x = Tensor::from_vector<float>({1, 3, 3, 2, 3,  //
                                               0, NAN, -1, 7, 7},
                                              {2, 5});
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const ExecContext c = context(name);
    const ops::TopkResult r3 = ops::topk(c, x, 3);
    CHECK(r3.values.shape() == Shape{2, 3});
    CHECK(r3.indices.dtype() == DType::i32);
    check_values(r3.indices, {1, 2, 4, 1, 3, 4}, 0.f);  // NaN counts as the largest
    const std::vector<float> v3 = r3.values.to_f32_vector();
    CHECK((v3[0] == 3 && v3[1] == 3 && v3[2] == 3 && std::isnan(v3[3]) && v3[4] == 7 && v3[5] == 7));
    const ops::TopkResult r5 = ops::topk(c, x.slice(0, 0, 1), 5);  // full sort
    check_values(r5.values, {3, 3, 3, 2, 1}, 0.f);
    check_values(r5.indices, {1, 2, 4, 3, 0}, 0.f);
  }
}

TEST_CASE("topk: cpu matches reference over sizes and k") {
  struct Case {
    Shape shape;
    int k;
  };
  for (const Case &cs : {Case{{1, 1}, 1}, Case{{7, 13}, 13}, Case{{7, 13}, 5}, Case{{3, 31}, 1},
                         Case{{5, 1003}, 40}, Case{{2, 3, 7}, 7}, Case{{2, 32003}, 50},
                         Case{{67, 1024}, 10}}) {
    const std::string s = cs.shape.to_string();
    CAPTURE(s);
    CAPTURE(cs.k);
    const Tensor x = tied_tensor(cs.shape, 23);
    // Values are copies of inputs and indices integers: both exact.
    check_op(OpKind::topk, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
      const ops::TopkResult r = ops::topk(c, b.upload(x), cs.k);
      return Outputs{r.values, r.indices};
    });
  }
  // Strided input.
  const Tensor x = tied_tensor({13, 31}, 5);
  check_op(OpKind::topk, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
    const ops::TopkResult r = ops::topk(c, b.upload(x).transpose(0, 1), 4);
    return Outputs{r.values, r.indices};
  });
}

// Vocabulary rows: the CUDA kernel sorts tiles of 4096 keys and merges the tiles' k best
// in further levels (151936 with k = 1024 takes four levels), and sorts whole rows when
// k > 1024 on rows longer than a tile. Coarse values make ties span tiles; NaN must come
// first (lowest index first among NaNs) and -inf rows tie everywhere.
TEST_CASE("topk: vocabulary rows with ties, NaN and -inf") {
  for (const int64_t n : {int64_t(50000), int64_t(151936)}) {
    Tensor spread = random_tensor({1, n}, DType::f32, uint64_t(n));
    float *p = spread.data_as<float>();
    for (const int64_t j : {n - 1, n / 2 + 3, int64_t(7), n / 3})  // NaNs, one late
      p[j] = NAN;
    for (int64_t j = 100; j < n; j += 997) p[j] = -INFINITY;
    const Tensor tied = tied_tensor({2, n}, uint64_t(n) + 1);
    Tensor masked = Tensor::from_vector(std::vector<float>(size_t(n), -INFINITY), {1, n});  // masked
    masked.data_as<float>()[n - 5] = 0.5f;
    for (const int k : {1, 40, 1024, 1500}) {
      CAPTURE(n);
      CAPTURE(k);
      for (const Tensor *x : std::vector<const Tensor *>{&spread, &tied, &masked}) {
        check_op(OpKind::topk, DType::f32, 0.0 /* copies and integers: exact */,
                 [&](const ExecContext &c, Backend &b) {
                   const ops::TopkResult r = ops::topk(c, b.upload(*x), k);
                   return Outputs{r.values, r.indices};
                 });
      }
    }
  }
  // Strided vocabulary rows (last-dim stride 3), three rows at once, on every CUDA path.
  const Tensor x = tied_tensor({50000, 3}, 41);
  for (const int k : {1, 40, 1024, 1500}) {
    check_op(OpKind::topk, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
      const ops::TopkResult r = ops::topk(c, b.upload(x).transpose(0, 1), k);
      return Outputs{r.values, r.indices};
    });
  }
  // Hand-checked: ties at the cut keep the lower index; -0 == +0.
  Tensor h = Tensor::from_vector(std::vector<float>(9000, -1.f), {1, 9000});
  float *q = h.data_as<float>();
  q[8999] = 3.f;
  q[5000] = 3.f;
  q[4] = -0.f;
  q[4097] = 0.f;
  q[2] = 0.f;
  for (const char *name : {"ref", "cpu"}) {
    const ops::TopkResult r = ops::topk(context(name), h, 6);
    check_values(r.indices, {5000, 8999, 2, 4, 4097, 0}, 0.f);
  }
  check_op(OpKind::topk, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
    const ops::TopkResult r = ops::topk(c, b.upload(h), 6);
    return Outputs{r.values, r.indices};
  });
}

TEST_CASE("topk: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor x = Tensor::zeros({2, 5}, DType::f32);
  CHECK(status_of([&] { ops::topk(c, x, 0); }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::topk(c, x, 6); }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::topk(c, x, -1); }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::topk(c, Tensor::zeros({5}, DType::i32), 1); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] { ops::topk(c, Tensor(), 1); }) == Status::invalid_argument);
}
