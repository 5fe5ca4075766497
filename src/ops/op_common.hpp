// Shared checks for op front-ends. Every front-end validates its inputs here once,
// names itself in every message, allocates `out` on the context's backend and
// dispatches to the kernel for its key dtype.
#pragma once

#include <initializer_list>

#include "backend/backend.hpp"
#include "core/check.hpp"

namespace aigc::ops {

// Throws backend_unavailable / invalid_argument for a context without a backend.
Backend &backend_of(const ExecContext &ctx, const char *op);

// Every defined tensor must live on the context backend's device.
void check_device(const ExecContext &ctx, const char *op, std::initializer_list<const Tensor *> ts);

// Throws invalid_argument unless t's dtype is one of `allowed`.
void check_dtype_in(const char *op, const char *what, const Tensor &t,
                    std::initializer_list<DType> allowed);

// Throws shape_mismatch unless t has exactly `rank` dims.
void check_rank(const char *op, const char *what, const Tensor &t, int rank);

// Throws unsupported unless the backend has a kernel for (kind, key).
void check_supported(const ExecContext &ctx, OpKind kind, DType key);

}  // namespace aigc::ops
