// Header-only C++ wrapper over the C ABI (aigc.h): RAII and exceptions for C++ programs
// that link the shared library. It adds no exported symbols, so it cannot break the ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "aigc/aigc.h"

namespace aigc {

// A failed C call: its status and aigc_last_error() at the time of the failure.
class StatusError : public std::runtime_error {
 public:
  StatusError(aigc_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  aigc_status status() const noexcept { return status_; }

 private:
  aigc_status status_;
};

// Throws StatusError unless `status` is AIGC_STATUS_OK.
inline void check(aigc_status status) {
  if (status != AIGC_STATUS_OK) {
    const char *msg = aigc_last_error();
    throw StatusError(status, msg && *msg ? msg : aigc_status_string(status));
  }
}

inline std::string version() { return aigc_version(); }

inline bool backend_available(const std::string &name) {
  return aigc_backend_check(name.c_str()) == AIGC_STATUS_OK;
}

// Build description (version, backends and why any is unavailable).
inline std::string system_info() {
  size_t needed = 0;
  const aigc_status first = aigc_system_info(nullptr, 0, &needed);
  if (first != AIGC_STATUS_BUFFER_TOO_SMALL) check(first);
  std::string text(needed, '\0');
  check(aigc_system_info(&text[0], text.size(), &needed));
  text.resize(needed - 1);  // drop the terminating NUL
  return text;
}

}  // namespace aigc
