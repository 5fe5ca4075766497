// Internal checking helpers: fmt-formatted messages for aigc::Error.
#pragma once

#include <fmt/format.h>

#include "aigc/core/error.hpp"

namespace aigc {

template <class... Args>
[[noreturn]] void fail(Status status, fmt::format_string<Args...> format, Args &&...args) {
  throw_error(status, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace aigc

// AIGC_CHECK(cond, status, "fmt {}", args...): throws aigc::Error(status, message) when !cond.
#define AIGC_CHECK(cond, status, ...)                  \
  do {                                                 \
    if (!(cond)) ::aigc::fail(status, __VA_ARGS__);    \
  } while (0)

// Broken internal invariant: reported as Status::internal, never an abort.
#define AIGC_ASSERT(cond)                                                                   \
  do {                                                                                      \
    if (!(cond))                                                                            \
      ::aigc::fail(::aigc::Status::internal, "internal error: {} ({}:{})", #cond, __FILE__, \
                   __LINE__);                                                               \
  } while (0)
