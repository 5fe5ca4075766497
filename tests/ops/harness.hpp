// Backend-equivalence harness: every op runs on the reference backend (plain loops, the
// truth) and on every other compiled backend, and the outputs are compared by NMSE
// against a per-op tolerance whose reason is written at the call site.
//
//   check_op(OpKind::softmax, DType::f32, kTol /* why */, [&](const ExecContext &c, Backend &b) {
//     return Outputs{ops::softmax(c, b.upload(x), opts)};
//   });
//
// The callback receives a context for the backend under test and must upload its host
// inputs with b.upload(); the harness downloads the outputs. "cpu" must support every
// case (a missing CPU kernel fails the test); "cuda" cases are skipped, with a message,
// when CUDA is not compiled, there is no device, or it has no kernel for the case yet.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "backend/registry.hpp"

namespace aigc::test {

using Outputs = std::vector<Tensor>;
using OpRunner = std::function<Outputs(const ExecContext &, Backend &)>;

// Host tensor of `dtype` with values uniform in [lo, hi) from a fixed seed (integers:
// rounded; quantized: quantized from the float values).
Tensor random_tensor(const Shape &shape, DType dtype, uint64_t seed, float lo = -1.f,
                     float hi = 1.f);
// Host i32 tensor with values uniform in [lo, hi].
Tensor random_ints(const Shape &shape, int32_t lo, int32_t hi, uint64_t seed);

// Normalised mean squared error sum((e-a)^2) / max(sum(e^2), tiny); shapes must match.
// Non-finite values must match exactly in position and value (NaN matches NaN).
double nmse(const Tensor &expected, const Tensor &actual);

// Runs `run` on "ref" and on every other backend, comparing each output by NMSE <= tol.
// Integer outputs (argmax indices...) must match exactly. Returns the reference outputs.
Outputs check_op(OpKind op, DType key, double tol, const OpRunner &run, int n_threads = 2);

// Per-backend NMSE bounds, for kernels whose GPU version legitimately computes differently
// (tensor cores round inputs to f16/bf16/TF32, atomics change the summation order). The
// reason belongs at the call site, as for a single tolerance.
struct Tolerance {
  double cpu;
  double cuda;
};
Outputs check_op(OpKind op, DType key, Tolerance tol, const OpRunner &run, int n_threads = 2);

// Names of the non-reference backends the harness compares against.
std::vector<std::string> backends_under_test();

// Context for running directly on one backend (tests of the reference itself, etc.).
ExecContext context(const char *backend_name, int n_threads = 1);

// Runs `fn`, which is expected to throw aigc::Error, and returns the error's status
// (Status::ok when nothing was thrown); CHECKs that the message names `op`.
Status error_status(const char *op, const std::function<void()> &fn);
// CHECKs that `fn` throws an aigc::Error with `expected` status naming `op`.
void check_error(Status expected, const char *op, const std::function<void()> &fn);

// Checks a host tensor against expected values within an absolute tolerance.
void check_values(const Tensor &actual, const std::vector<float> &expected, float atol);

}  // namespace aigc::test
