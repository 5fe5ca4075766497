// The CPU backend caches its reordered (blocked-layout) copy of convolution weights that
// live in read-only storage (model weights) while that storage lives. These cases check
// that the cache never serves a stale layout: repeated calls, several weights viewing one
// read-only storage at different offsets, a new read-only storage (possibly at a reused
// address), writable weights that change between calls, and conv vs. transposed conv of
// the same bytes all match the reference backend.
#include <cstring>
#include <memory>
#include <vector>

#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

constexpr double kTol = 1e-10;  // as test_conv2d.cpp: f32 sums against double sums

// `count` random weights of `shape` packed back to back into one read-only storage
// (as in a mapped model file); returns views of each.
std::vector<Tensor> read_only_weights(const Shape &shape, int count, uint64_t seed) {
  const size_t bytes = size_t(shape.numel()) * sizeof(float);
  auto owner = Storage::allocate_host(bytes * size_t(count));
  for (int i = 0; i < count; ++i) {
    const Tensor r = random_tensor(shape, DType::f32, seed + uint64_t(i));
    std::memcpy(static_cast<char *>(owner->data()) + bytes * size_t(i), r.data(), bytes);
  }
  auto frozen = Storage::borrow(owner->data(), owner->size(), owner->device(), owner,
                                /*read_only=*/true);
  std::vector<Tensor> views;
  for (int i = 0; i < count; ++i) views.emplace_back(frozen, bytes * size_t(i), shape, DType::f32);
  return views;
}

void expect_same(const Tensor &want, const Tensor &got) {
  CHECK(got.shape() == want.shape());
  CHECK(nmse(want, got) <= kTol);
}

}  // namespace

TEST_CASE("conv2d: read-only weights are cached per storage, offset and layout") {
  const ExecContext ref = context("ref"), cpu = context("cpu", 2);
  // 16 channels select oneDNN's blocked layouts, where the weight is reordered.
  const Tensor x = random_tensor({2, 16, 12, 12}, DType::f32, 1);
  const auto opts = ops::Conv2dOptions::square(1, 1);
  const std::vector<Tensor> ws = read_only_weights({16, 16, 3, 3}, 2, 10);
  for (int repeat = 0; repeat < 3; ++repeat)
    for (const Tensor &w : ws) expect_same(ops::conv2d(ref, x, w, Tensor(), opts), ops::conv2d(cpu, x, w, Tensor(), opts));
  // Another batch size may pick another layout of the same weight.
  const Tensor x1 = random_tensor({1, 16, 12, 12}, DType::f32, 2);
  expect_same(ops::conv2d(ref, x1, ws[1], Tensor(), opts), ops::conv2d(cpu, x1, ws[1], Tensor(), opts));
  // Fresh read-only storages (the old ones freed, so addresses may repeat).
  for (uint64_t seed = 20; seed < 24; ++seed) {
    const Tensor w = read_only_weights({16, 16, 3, 3}, 1, seed)[0];
    expect_same(ops::conv2d(ref, x, w, Tensor(), opts), ops::conv2d(cpu, x, w, Tensor(), opts));
  }
}

TEST_CASE("conv2d: writable weights changed in place are used as they are now") {
  const ExecContext ref = context("ref"), cpu = context("cpu", 2);
  const Tensor x = random_tensor({1, 16, 10, 10}, DType::f32, 3);
  Tensor w = random_tensor({16, 16, 3, 3}, DType::f32, 4);
  expect_same(ops::conv2d(ref, x, w, Tensor()), ops::conv2d(cpu, x, w, Tensor()));
  const Tensor other = random_tensor({16, 16, 3, 3}, DType::f32, 5);
  std::memcpy(w.data(), other.data(), size_t(w.numel()) * sizeof(float));
  expect_same(ops::conv2d(ref, x, w, Tensor()), ops::conv2d(cpu, x, w, Tensor()));
}

TEST_CASE("conv_transpose2d: read-only weights, also shared with a conv2d") {
  const ExecContext ref = context("ref"), cpu = context("cpu", 2);
  const Tensor x = random_tensor({2, 16, 7, 7}, DType::f32, 6);
  const auto topts = ops::ConvTranspose2dOptions::square(2, 1, 1);
  const Tensor w = read_only_weights({16, 16, 3, 3}, 1, 30)[0];
  for (int repeat = 0; repeat < 2; ++repeat) {
    expect_same(ops::conv_transpose2d(ref, x, w, Tensor(), topts),
                ops::conv_transpose2d(cpu, x, w, Tensor(), topts));
    // The same bytes read as a conv2d weight [out, in, kh, kw] need another layout.
    expect_same(ops::conv2d(ref, x, w, Tensor()), ops::conv2d(cpu, x, w, Tensor()));
  }
}
