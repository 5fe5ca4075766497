// Errors inside the library are exceptions carrying a Status; the C ABI (src/capi)
// is the only place that catches them and turns them into aigc_status codes.
// The numeric values are those of aigc_status in aigc.h.
#pragma once

#include <stdexcept>
#include <string>

namespace aigc {

enum class Status : int {
  ok = 0,
  invalid_argument = 1,     // out-of-range parameter, bad UTF-8, wrong dtype, ...
  out_of_memory = 2,        // host or device allocation failed
  io_error = 3,             // missing file, read failure, cannot write output
  invalid_format = 4,       // corrupt, truncated or wrong-magic file
  unsupported = 5,          // unknown architecture / tensor type, op x dtype not supported
  shape_mismatch = 6,       // tensor shapes do not fit an op or a model config
  backend_unavailable = 7,  // backend not compiled in, or no device present
  buffer_too_small = 8,     // caller buffer too small; required size is reported
  context_full = 9,         // KV cache / context window exhausted
  cancelled = 10,           // stopped by a callback or aigc_context_cancel
  device_error = 11,        // an accelerator runtime call failed
  internal = 12,            // a bug: an invariant of the library was broken
};

const char *status_name(Status s);

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

[[noreturn]] inline void throw_error(Status status, const std::string &message) {
  throw Error(status, message);
}

}  // namespace aigc
