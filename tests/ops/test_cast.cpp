#include <climits>
#include <cmath>
#include <cstring>
#include <string>

#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"
#include "ops/cast.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

const DType kAll[] = {DType::f32,  DType::i32,  DType::i8,   DType::u8,  DType::f16,
                      DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1};

Status status_of(const std::function<void()> &fn) { return error_status("cast", fn); }

// "ref" and every other backend that can run here (cuda only with a device).
std::vector<std::string> runnable_backends() {
  std::vector<std::string> names{"ref"};
  for (const std::string &n : backends_under_test())
    if (backend_available(n)) names.push_back(n);
  return names;
}

// Casts host tensor x on backend `name` and returns the result on the host.
Tensor cast_on(const std::string &name, const Tensor &x, DType to) {
  Backend &b = get_backend(name);
  return b.download(ops::cast(context(name.c_str()), b.upload(x), to));
}

bool same_bytes(const Tensor &a, const Tensor &b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// 32 values whose q8_0 scale is exactly 1 (amax 127), with .5 ties that ggml's roundf
// sends away from zero (round-half-even would give 2, -4, 0).
std::vector<float> tie_block() {
  std::vector<float> v(32);
  for (int j = 0; j < 32; ++j) v[j] = float(j % 9) - 4.f;
  v[0] = 127.f;
  v[1] = 2.5f;
  v[2] = -3.5f;
  v[3] = 0.5f;
  return v;
}

}  // namespace

TEST_CASE("cast: integer rounding and saturation by hand, every backend") {
  const Tensor x = Tensor::from_vector<float>(
      {-1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 127.6f, 300.f, -300.f, NAN}, {9});
  for (const std::string &name : runnable_backends()) {
    CAPTURE(name);
    // Round half to even, clamp to the type's range, NaN -> 0.
    check_values(cast_on(name, x, DType::i8), {-2, -0, 0, 2, 2, 127, 127, -128, 0}, 0.f);
    check_values(cast_on(name, x, DType::u8), {0, 0, 0, 2, 2, 128, 255, 0, 0}, 0.f);
    check_values(cast_on(name, Tensor::from_vector<int32_t>({-129, 7, 1000}, {3}), DType::i8),
                 {-128, 7, 127}, 0.f);
    check_values(cast_on(name, Tensor::from_vector<int32_t>({-129, 7, 1000}, {3}), DType::u8),
                 {0, 7, 255}, 0.f);
    const Tensor big = Tensor::from_vector<float>({3e9f, -3e9f, NAN, -2.5f}, {4});
    const Tensor i32 = cast_on(name, big, DType::i32);
    const int32_t *p = static_cast<const int32_t *>(i32.data());
    CHECK((p[0] == INT32_MAX && p[1] == INT32_MIN && p[2] == 0 && p[3] == -2));
    const Tensor h = cast_on(name, Tensor::from_vector<float>({1.f / 3, 65520.f}, {2}), DType::f16);
    CHECK(static_cast<const uint16_t *>(h.data())[0] == 0x3555);  // 0.33325195
    CHECK(static_cast<const uint16_t *>(h.data())[1] == 0x7c00);   // overflows to inf
  }
}

TEST_CASE("cast: q8_0 / q4_0 / q4_1 quantization is bit-identical to core/quant") {
  std::vector<float> v = tie_block();
  const Tensor rnd = random_tensor({5, 96}, DType::f32, 21, -3.f, 3.f);
  const std::vector<float> r = rnd.to_f32_vector();
  v.insert(v.end(), r.begin(), r.end());
  v.insert(v.end(), 32, 0.f);  // an all-zero block: scale 0, not -0
  const int64_t n = int64_t(v.size());
  const Tensor x = Tensor::from_vector<float>(v, {n / 32, 32});
  std::vector<BlockQ8_0> q8(size_t(n / 32));
  std::vector<BlockQ4_0> q4(size_t(n / 32));
  std::vector<BlockQ4_1> q41(size_t(n / 32));
  quantize_row_q8_0(v.data(), q8.data(), n);
  quantize_row_q4_0(v.data(), q4.data(), n);
  quantize_row_q4_1(v.data(), q41.data(), n);
  // q4_1 of the tie block: min -4 (x[9]), max 127 (x[0]): -4 is nibble 0, 127 nibble 15.
  CHECK(q41[0].m == f32_to_f16(-4.f));
  CHECK(((q41[0].qs[0] & 0x0f) == 15 && (q41[0].qs[9] & 0x0f) == 0));
  CHECK(q8[0].d == f32_to_f16(1.f));
  CHECK((q8[0].qs[0] == 127 && q8[0].qs[1] == 3 && q8[0].qs[2] == -4 && q8[0].qs[3] == 1));
  for (const std::string &name : runnable_backends()) {
    CAPTURE(name);
    const Tensor y8 = cast_on(name, x, DType::q8_0), y4 = cast_on(name, x, DType::q4_0);
    CHECK(std::memcmp(y8.data(), q8.data(), y8.nbytes()) == 0);
    CHECK(std::memcmp(y4.data(), q4.data(), y4.nbytes()) == 0);
    const Tensor y41 = cast_on(name, x, DType::q4_1);
    CHECK(std::memcmp(y41.data(), q41.data(), y41.nbytes()) == 0);
    // Back to f32: the minimum of the tie block (-4, an f16 value) comes back exactly.
    CHECK(cast_on(name, y41, DType::f32).to_f32_vector()[9] == -4.f);
    // Dequantized back: q4_0 of the tie block has d = 127/-8, so element 0 maps to -8.
    const std::vector<float> back = cast_on(name, y4, DType::f32).to_f32_vector();
    CHECK(back[0] == -8.f * f16_to_f32(f32_to_f16(127.f / -8.f)));
    // Bit-identical f32 results of dequantization on every backend.
    for (const Tensor &q : {y8, y4, y41}) {
      const Tensor ref = ops::cast(context("ref"), q, DType::f32);
      CHECK(same_bytes(ref, cast_on(name, q, DType::f32)));
    }
  }
}

TEST_CASE("cast: cpu matches reference bit for bit, every dtype pair") {
  for (DType from : kAll) {
    for (DType to : kAll) {
      const std::string sf = dtype_name(from), st = dtype_name(to);
      CAPTURE(sf);
      CAPTURE(st);
      // Wide range so integer targets saturate; quantized shapes keep 32-multiples.
      for (const Shape &shape : {Shape{1, 32}, Shape{7, 96}, Shape{3, 1, 1056}, Shape{65, 1024}}) {
        const Tensor x = random_tensor(shape, from, 99, -300.f, 300.f);
        const Outputs ref = check_op(OpKind::cast, from, 0.0 /* same conversions: exact */,
                                     [&](const ExecContext &c, Backend &b) {
                                       return Outputs{ops::cast(c, b.upload(x), to)};
                                     });
        const Tensor got = ops::cast(context("cpu", 2), x, to);
        CHECK(same_bytes(ref[0], got));
      }
    }
  }
}

TEST_CASE("cast: odd sizes and strided sources") {
  for (DType from : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::u8}) {
    for (DType to : {DType::f32, DType::f16, DType::bf16, DType::i8}) {
      const std::string sf = dtype_name(from), st = dtype_name(to);
      CAPTURE(sf);
      CAPTURE(st);
      const Tensor x = random_tensor({13, 31}, from, 5, -200.f, 200.f);
      check_op(OpKind::cast, from, 0.0 /* exact */, [&](const ExecContext &c, Backend &b) {
        const Tensor d = b.upload(x);
        return Outputs{ops::cast(c, d.transpose(0, 1), to), ops::cast(c, d.slice(1, 0, 31, 3), to),
                       ops::cast(c, d.reshape({403}), to)};
      });
    }
  }
  // Quantized destinations from a row-strided view (last dim contiguous), and quantized
  // sources read through row strides (dequantized, or requantized to another format).
  const Tensor x = random_tensor({9, 64}, DType::f32, 6);
  for (DType to : {DType::q8_0, DType::q4_0, DType::q4_1}) {
    check_op(OpKind::cast, DType::f32, 0.0, [&](const ExecContext &c, Backend &b) {
      return Outputs{ops::cast(c, b.upload(x).slice(0, 1, 9, 2), to)};
    });
    const Tensor q = x.to(to);
    const DType other = to == DType::q8_0 ? DType::q4_1 : DType::q8_0;
    check_op(OpKind::cast, to, 0.0, [&](const ExecContext &c, Backend &b) {
      const Tensor dq = b.upload(q).slice(0, 1, 9, 2);
      return Outputs{ops::cast(c, dq, DType::f32), ops::cast(c, dq, DType::f16),
                     ops::cast(c, dq, DType::i8), ops::cast(c, dq, other)};
    });
  }
}

TEST_CASE("cast: bad inputs") {
  const ExecContext c = context("cpu");
  CHECK(status_of([&] { ops::cast(c, Tensor::zeros({3, 31}, DType::f32), DType::q8_0); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::cast(c, Tensor::zeros({5}, DType::f32), DType::q4_0); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::cast(c, Tensor::zeros({2, 48}, DType::f32), DType::q4_1); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] { ops::cast(c, Tensor(), DType::f16); }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::cast(c, Tensor::zeros({4}, DType::f32), DType(42)); }) ==
        Status::invalid_argument);
}
