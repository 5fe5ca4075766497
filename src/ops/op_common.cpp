#include "ops/op_common.hpp"

#include <string>

namespace aigc::ops {

Backend &backend_of(const ExecContext &ctx, const char *op) {
  AIGC_CHECK(ctx.backend != nullptr, Status::invalid_argument, "{}: no backend in context", op);
  AIGC_CHECK(ctx.n_threads > 0, Status::invalid_argument, "{}: n_threads must be positive, got {}",
             op, ctx.n_threads);
  return *ctx.backend;
}

void check_device(const ExecContext &ctx, const char *op,
                  std::initializer_list<const Tensor *> ts) {
  const Device dev = backend_of(ctx, op).device();
  for (const Tensor *t : ts) {
    if (!t->defined()) continue;
    AIGC_CHECK(t->device() == dev, Status::invalid_argument,
               "{}: tensor {} is not on the backend's device {}", op, t->describe(),
               dev.to_string());
  }
}

void check_dtype_in(const char *op, const char *what, const Tensor &t,
                    std::initializer_list<DType> allowed) {
  std::string names;
  for (DType d : allowed) {
    if (t.dtype() == d) return;
    names += names.empty() ? "" : ", ";
    names += dtype_name(d);
  }
  fail(Status::invalid_argument, "{}: {} must be one of {{{}}}, got {}", op, what, names,
       t.describe());
}

void check_rank(const char *op, const char *what, const Tensor &t, int rank) {
  AIGC_CHECK(t.defined(), Status::invalid_argument, "{}: {} is missing", op, what);
  AIGC_CHECK(t.rank() == rank, Status::shape_mismatch, "{}: {} must be {}-D, got {}", op, what,
             rank, t.describe());
}

void check_supported(const ExecContext &ctx, OpKind kind, DType key) {
  AIGC_CHECK(ctx.backend->supports(kind, key), Status::unsupported,
             "{}: backend '{}' does not support dtype {}", op_name(kind), ctx.backend->name(),
             dtype_name(key));
}

}  // namespace aigc::ops
