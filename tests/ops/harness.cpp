#include "ops/harness.hpp"

#include <cmath>
#include <random>

#include "aigc/core/quant.hpp"

namespace aigc::test {

Tensor random_tensor(const Shape &shape, DType dtype, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor f = Tensor::empty(shape, DType::f32);
  float *p = f.data_as<float>();
  for (int64_t i = 0; i < f.numel(); ++i) p[i] = dist(rng);
  return dtype == DType::f32 ? f : f.to(dtype);
}

Tensor random_ints(const Shape &shape, int32_t lo, int32_t hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> dist(lo, hi);
  Tensor t = Tensor::empty(shape, DType::i32);
  int32_t *p = t.data_as<int32_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

double nmse(const Tensor &expected, const Tensor &actual) {
  REQUIRE_MESSAGE(expected.shape() == actual.shape(),
                  "shape " << actual.describe() << " != expected " << expected.describe());
  const std::vector<float> e = expected.to_f32_vector(), a = actual.to_f32_vector();
  double num = 0, den = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    if (!std::isfinite(e[i]) || !std::isfinite(a[i])) {
      const bool same = (std::isnan(e[i]) && std::isnan(a[i])) || e[i] == a[i];
      if (!same) return INFINITY;
      continue;
    }
    num += double(e[i] - a[i]) * double(e[i] - a[i]);
    den += double(e[i]) * double(e[i]);
  }
  return num / std::max(den, 1e-30);
}

std::vector<std::string> backends_under_test() {
  std::vector<std::string> names;
  for (const std::string &n : backend_names())
    if (n != "ref") names.push_back(n);
  return names;
}

ExecContext context(const char *backend_name, int n_threads) {
  return ExecContext{&get_backend(backend_name), n_threads};
}

static bool is_integer(DType t) { return t == DType::i32 || t == DType::i8 || t == DType::u8; }

Outputs check_op(OpKind op, DType key, double tol, const OpRunner &run, int n_threads) {
  return check_op(op, key, Tolerance{tol, tol}, run, n_threads);
}

Outputs check_op(OpKind op, DType key, Tolerance tolerance, const OpRunner &run, int n_threads) {
  Backend &ref = get_backend("ref");
  REQUIRE_MESSAGE(ref.supports(op, key),
                  "reference backend has no " << op_name(op) << " kernel for " << dtype_name(key));
  const Outputs expected = run(ExecContext{&ref, 1}, ref);
  for (const std::string &name : backends_under_test()) {
    std::string why;
    if (!backend_available(name, &why)) {
      MESSAGE("skipped on " << name << ": " << why);
      continue;
    }
    Backend &b = get_backend(name);
    if (!b.supports(op, key)) {
      // The CPU backend must cover every op the reference does.
      CHECK_MESSAGE(name != "cpu", "cpu backend has no " << op_name(op) << " kernel for "
                                                          << dtype_name(key));
      if (name != "cpu") MESSAGE("skipped on " << name << ": no " << op_name(op) << " kernel for "
                                               << dtype_name(key));
      continue;
    }
    const Outputs got = run(ExecContext{&b, n_threads}, b);
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const Tensor host = b.download(got[i]);
      INFO(op_name(op) << " [" << dtype_name(key) << "] on " << name << ", output " << i << " "
                       << host.describe());
      REQUIRE(host.dtype() == expected[i].dtype());
      if (is_integer(host.dtype())) {
        CHECK(host.to_f32_vector() == expected[i].to_f32_vector());
      } else {
        const double tol = name == "cuda" ? tolerance.cuda : tolerance.cpu;
        const double err = nmse(expected[i], host);
        CHECK_MESSAGE(err <= tol, "nmse " << err << " > tolerance " << tol);
      }
    }
  }
  return expected;
}

Status error_status(const char *op, const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    CHECK_MESSAGE(std::string(e.what()).find(op) != std::string::npos,
                  "message does not name " << op << ": " << e.what());
    return e.status();
  }
  return Status::ok;
}

void check_error(Status expected, const char *op, const std::function<void()> &fn) {
  const Status got = error_status(op, fn);
  CHECK_MESSAGE(got == expected, op << ": expected status " << status_name(expected) << ", got "
                                    << status_name(got));
}

void check_values(const Tensor &actual, const std::vector<float> &expected, float atol) {
  const std::vector<float> a = actual.to_f32_vector();
  REQUIRE(a.size() == expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK_MESSAGE(std::fabs(a[i] - expected[i]) <= atol,
                  "element " << i << ": " << a[i] << " != expected " << expected[i]);
  }
}

}  // namespace aigc::test
