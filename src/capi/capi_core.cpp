// Version, errors, logging and build information.
#include <cstring>
#include <string>

#include "backend/registry.hpp"
#include "capi/capi_error.hpp"
#include "core/check.hpp"
#include "core/log.hpp"

namespace aigc::capi {
namespace {
thread_local std::string g_last_error;
}

void set_last_error(const std::string &message) { g_last_error = message; }
void clear_last_error() { g_last_error.clear(); }

}  // namespace aigc::capi

using namespace aigc;

extern "C" {

AIGC_API const char *aigc_version(void) { return AIGC_VERSION_STRING; }

AIGC_API uint32_t aigc_abi_version(void) { return AIGC_ABI_VERSION; }

AIGC_API const char *aigc_last_error(void) { return capi::g_last_error.c_str(); }

AIGC_API const char *aigc_status_string(aigc_status status) {
  if (status < AIGC_STATUS_OK || status > AIGC_STATUS_INTERNAL) return "unknown status";
  return status_name(static_cast<Status>(status));
}

AIGC_API void aigc_log_set(aigc_log_callback callback, void *user_data, int32_t min_level) {
  if (min_level < AIGC_LOG_LEVEL_DEBUG) min_level = AIGC_LOG_LEVEL_DEBUG;
  if (min_level > AIGC_LOG_LEVEL_ERROR) min_level = AIGC_LOG_LEVEL_ERROR;
  set_log_sink(callback, user_data,
               callback ? static_cast<LogLevel>(min_level) : LogLevel::warn);
}

AIGC_API aigc_status aigc_backend_check(const char *name) {
  return capi::guard([&] {
    AIGC_CHECK(name != nullptr, Status::invalid_argument, "aigc_backend_check: name is NULL");
    get_backend(name);
  });
}

AIGC_API aigc_status aigc_system_info(char *buffer, size_t buffer_size, size_t *needed) {
  return capi::guard([&] {
    std::string info = std::string("aigc ") + AIGC_VERSION_STRING + "; backends:";
    for (const std::string &b : backend_names()) {
      std::string why;
      info += " " + b + (backend_available(b, &why) ? "" : " (unavailable: " + why + ")");
    }
    const size_t size = info.size() + 1;
    if (needed) *needed = size;
    AIGC_CHECK(buffer != nullptr || buffer_size == 0, Status::invalid_argument,
               "aigc_system_info: buffer is NULL but buffer_size is {}", buffer_size);
    AIGC_CHECK(buffer_size >= size, Status::buffer_too_small,
               "aigc_system_info: needs {} bytes, buffer has {}", size, buffer_size);
    std::memcpy(buffer, info.c_str(), size);
  });
}

}  // extern "C"
