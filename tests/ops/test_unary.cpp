#include <cmath>

#include "aigc/core/half.hpp"
#include "ops/harness.hpp"
#include "ops/unary.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

const UnaryKind kAllKinds[] = {UnaryKind::gelu_erf, UnaryKind::gelu_tanh, UnaryKind::silu,
                               UnaryKind::relu,     UnaryKind::leaky_relu, UnaryKind::tanh,
                               UnaryKind::sigmoid,  UnaryKind::scale};

Status status_of(const std::function<void()> &fn) { return error_status("unary", fn); }

}  // namespace

TEST_CASE("unary: reference against hand-computed values") {
  const ExecContext c = context("ref");
  const Tensor one = Tensor::from_vector<float>({1.f}, {1});
  // Values from the formulas in kernel_args.hpp (PyTorch agrees to the digits shown).
  check_values(ops::gelu(c, one), {0.8413447f}, 1e-6f);
  check_values(ops::gelu(c, one, /*approximate_tanh=*/true), {0.8411920f}, 1e-6f);
  check_values(ops::silu(c, one), {0.7310586f}, 1e-6f);
  const Tensor x = Tensor::from_vector<float>({-2.f, 0.f, 3.f}, {3});
  check_values(ops::sigmoid(c, x), {0.1192029f, 0.5f, 0.9525741f}, 1e-6f);
  check_values(ops::leaky_relu(c, x, 0.1f), {-0.2f, 0.f, 3.f}, 1e-7f);
  check_values(ops::relu(c, x), {0.f, 0.f, 3.f}, 0.f);
  check_values(ops::tanh(c, x), {-0.9640276f, 0.f, 0.9950548f}, 1e-6f);
  check_values(ops::scale(c, x, 0.5f), {-1.f, 0.f, 1.5f}, 0.f);
  // Half types round once on store: silu(1) in f16 is the f16 nearest 0.7310586.
  const Tensor h = ops::silu(c, one.to(DType::f16));
  CHECK(h.dtype() == DType::f16);
  check_values(h, {f16_to_f32(f32_to_f16(0.7310586f))}, 0.f);
}

TEST_CASE("unary: cpu matches reference over awkward sizes, every kind and dtype") {
  // f32 uses oneDNN's eltwise, whose polynomial exp/erf differ from the double-precision
  // reference in the last f32 bits (observed NMSE <= 1e-14): 1e-12. f16/bf16: an f32
  // difference of one ulp can flip the final rounding by one half-type ulp; on a
  // one-element tensor that is an NMSE of 2^-22 (f16, 2.4e-7) or 2^-16 (bf16, 1.5e-5):
  // 1e-6 and 1e-4.
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    const double tol = t == DType::f32 ? 1e-12 : t == DType::f16 ? 1e-6 : 1e-4;
    for (int64_t n : {1, 7, 13, 31, 1003}) {
      for (UnaryKind kind : kAllKinds) {
        const std::string dtype = dtype_name(t);
        CAPTURE(dtype);
        CAPTURE(n);
        CAPTURE(int(kind));
        const Tensor x = random_tensor({n}, t, uint64_t(n) * 7 + 1, -6.f, 6.f);
        check_op(OpKind::unary, t, tol, [&](const ExecContext &c, Backend &b) {
          return Outputs{ops::unary(c, b.upload(x), kind, 0.25f)};
        });
      }
    }
  }
}

TEST_CASE("unary: large multi-threaded input and strided views") {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    const std::string dtype = dtype_name(t);
    CAPTURE(dtype);
    const double tol = t == DType::f32 ? 1e-12 : t == DType::f16 ? 1e-6 : 1e-4;  // as above
    const Tensor x = random_tensor({3, 37, 1031}, t, 5, -8.f, 8.f);
    check_op(OpKind::unary, t, tol, [&](const ExecContext &c, Backend &b) {
      const Tensor dx = b.upload(x);
      return Outputs{ops::gelu(c, dx), ops::silu(c, dx.transpose(0, 2)),
                     ops::tanh(c, dx.slice(2, 1, 1031, 3))};
    });
  }
}

TEST_CASE("unary: extreme inputs stay finite and saturate") {
  const Tensor x = Tensor::from_vector<float>({-100.f, -30.f, 30.f, 100.f}, {4});
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const ExecContext c = context(name);
    for (DType t : {DType::f32, DType::f16}) {
      const Tensor xt = x.to(t);
      check_values(ops::sigmoid(c, xt), {0.f, 0.f, 1.f, 1.f}, 1e-6f);
      check_values(ops::tanh(c, xt), {-1.f, -1.f, 1.f, 1.f}, 1e-6f);
      check_values(ops::gelu(c, xt), {0.f, 0.f, 30.f, 100.f}, 1e-5f);
      check_values(ops::silu(c, xt), {0.f, 0.f, 30.f, 100.f}, 1e-5f);
    }
  }
}

TEST_CASE("unary: bad inputs") {
  const ExecContext c = context("cpu");
  CHECK(status_of([&] { ops::relu(c, Tensor::zeros({4}, DType::i32)); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] { ops::relu(c, Tensor::zeros({32}, DType::q8_0)); }) ==
        Status::invalid_argument);
  CHECK(status_of([&] { ops::relu(c, Tensor()); }) == Status::invalid_argument);
  CHECK(status_of([&] { ops::scale(c, Tensor::zeros({4}, DType::f32), NAN); }) ==
        Status::invalid_argument);
}

TEST_CASE("unary: cpu primitive cache keeps alphas one ulp apart separate") {
  const ExecContext c = context("cpu");
  const Tensor one = Tensor::from_vector<float>({1.f, -1.f}, {2});
  const float a1 = 0.1f, a2 = std::nextafter(0.1f, 1.f);
  check_values(ops::scale(c, one, a1), {a1, -a1}, 0.f);
  check_values(ops::scale(c, one, a2), {a2, -a2}, 0.f);
  check_values(ops::leaky_relu(c, one, a2), {1.f, -a2}, 0.f);
}
