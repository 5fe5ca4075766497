#include "ops/matmul.hpp"

#include <cmath>

#include "ops/copy.hpp"
#include "ops/op_common.hpp"

namespace aigc::ops {
namespace {

// Batch dims (all but the last two) of t as a shape.
Shape batch_dims(const Tensor &t) {
  Shape s;
  for (int i = 0; i + 2 < t.rank(); ++i) s.push_back(t.size(i));
  return s;
}

}  // namespace

Tensor matmul(const ExecContext &ctx, const Tensor &a, const Tensor &b,
              const MatmulOptions &options) {
  const char *op = "matmul";
  Backend &backend = backend_of(ctx, op);
  AIGC_CHECK(a.defined(), Status::invalid_argument, "matmul: a is undefined");
  AIGC_CHECK(b.defined(), Status::invalid_argument, "matmul: b is undefined");
  check_device(ctx, op, {&a, &b, &options.bias});
  check_dtype_in(op, "a", a, {DType::f32});
  check_dtype_in(op, "b", b, {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
  AIGC_CHECK(a.rank() >= 2, Status::shape_mismatch, "matmul: a must be at least 2-D, got {}",
             a.describe());
  AIGC_CHECK(b.rank() >= 2, Status::shape_mismatch, "matmul: b must be at least 2-D, got {}",
             b.describe());
  AIGC_CHECK(std::isfinite(options.alpha), Status::invalid_argument,
             "matmul: alpha must be finite, got {}", options.alpha);

  const int64_t M = options.trans_a ? a.size(-1) : a.size(-2);
  const int64_t K = options.trans_a ? a.size(-2) : a.size(-1);
  const int64_t Kb = options.trans_b ? b.size(-1) : b.size(-2);
  const int64_t N = options.trans_b ? b.size(-2) : b.size(-1);
  AIGC_CHECK(K == Kb, Status::shape_mismatch,
             "matmul: inner dims differ: a {} (trans_a={}) has K={}, b {} (trans_b={}) has K={}",
             a.describe(), options.trans_a, K, b.describe(), options.trans_b, Kb);

  if (is_quantized(b.dtype())) {
    // Quantized weights are decoded block by block along K: only [N, K] rows work.
    AIGC_CHECK(b.rank() == 2, Status::shape_mismatch,
               "matmul: {} weight b must be 2-D [N, K], got {}", dtype_name(b.dtype()),
               b.describe());
    AIGC_CHECK(options.trans_b, Status::invalid_argument,
               "matmul: {} weight b {} needs trans_b=true (layout [N, K])", dtype_name(b.dtype()),
               b.describe());
    AIGC_CHECK(b.is_contiguous(), Status::invalid_argument,
               "matmul: {} weight b must be contiguous, got {}", dtype_name(b.dtype()),
               b.describe());
    AIGC_CHECK(K % dtype_block_size(b.dtype()) == 0, Status::shape_mismatch,
               "matmul: {} weight b {} needs K divisible by {}, got K={}", dtype_name(b.dtype()),
               b.describe(), dtype_block_size(b.dtype()), K);
  }

  const Tensor &bias = options.bias;
  if (bias.defined()) {
    check_dtype_in(op, "bias", bias, {DType::f32});
    AIGC_CHECK(bias.rank() == 1 && bias.size(0) == N, Status::shape_mismatch,
               "matmul: bias must be [{}] to match N of b {}, got {}", N, b.describe(),
               bias.describe());
  }

  Shape out_shape = broadcast_shapes(batch_dims(a), batch_dims(b), op);
  out_shape.push_back(M);
  out_shape.push_back(N);
  check_supported(ctx, OpKind::matmul, b.dtype());

  MatmulArgs args;
  args.a = a;
  args.b = b;
  args.bias = bias;
  args.trans_a = options.trans_a;
  args.trans_b = options.trans_b;
  args.alpha = options.alpha;
  args.out = backend.empty(out_shape, DType::f32);
  if (args.out.numel() == 0) return args.out;  // nothing to compute
  backend.run<OpKind::matmul>(ctx, b.dtype(), args);
  return args.out;
}

Tensor linear(const ExecContext &ctx, const Tensor &x, const Tensor &w, const Tensor &bias) {
  backend_of(ctx, "linear");
  AIGC_CHECK(x.defined(), Status::invalid_argument, "linear: x is undefined");
  AIGC_CHECK(w.defined(), Status::invalid_argument, "linear: weight is undefined");
  AIGC_CHECK(x.rank() >= 1, Status::shape_mismatch, "linear: x must be at least 1-D, got {}",
             x.describe());
  AIGC_CHECK(w.rank() == 2, Status::shape_mismatch, "linear: weight must be 2-D [N, K], got {}",
             w.describe());
  AIGC_CHECK(x.size(-1) == w.size(1), Status::shape_mismatch,
             "linear: x {} has K={} but weight {} expects K={}", x.describe(), x.size(-1),
             w.describe(), w.size(1));

  check_dtype_in("linear", "x", x, {DType::f32});
  if (bias.defined()) {
    check_dtype_in("linear", "bias", bias, {DType::f32});
    AIGC_CHECK(bias.rank() == 1 && bias.size(0) == w.size(0), Status::shape_mismatch,
               "linear: bias must be [{}] to match weight {}, got {}", w.size(0), w.describe(),
               bias.describe());
  }

  // Flatten x's leading dims into rows: [..., K] -> [M, K]. A 2-D x keeps its strides.
  Tensor x2 = x;
  if (x.rank() != 2) {
    int64_t rows = 1;
    for (int i = 0; i + 1 < x.rank(); ++i) rows *= x.size(i);
    x2 = contiguous(ctx, x).reshape({rows, x.size(-1)});
  }
  MatmulOptions options;
  options.trans_b = true;
  options.bias = bias;
  const Tensor out = matmul(ctx, x2, w, options);

  Shape out_shape;
  for (int i = 0; i + 1 < x.rank(); ++i) out_shape.push_back(x.size(i));
  out_shape.push_back(w.size(0));
  return out.reshape(out_shape);
}

}  // namespace aigc::ops
