// Params structs across the ABI: the caller's struct_size says which (appended) fields it
// knows; the library reads those and keeps its defaults for the rest.
#pragma once

#include <cstring>
#include <string>

#include "aigc/aigc.h"
#include "core/check.hpp"

namespace aigc::capi {

// Fills `defaults`, then struct_size (clamped: callers never see fields they don't know).
template <class T>
void init_params(T *params, uint32_t struct_size, const T &defaults, const char *what) {
  AIGC_CHECK(params != nullptr, Status::invalid_argument, "{}: params is NULL", what);
  AIGC_CHECK(struct_size >= sizeof(uint32_t) && struct_size <= sizeof(T), Status::invalid_argument,
             "{}: struct_size {} is not between 4 and {} (built against another aigc.h?)", what,
             struct_size, sizeof(T));
  std::memcpy(static_cast<void *>(params), &defaults, struct_size);
  params->struct_size = struct_size;
}

// The caller's params over the library's defaults (NULL: defaults).
template <class T>
T read_params(const T *params, const T &defaults, const char *what) {
  T out = defaults;
  if (params == nullptr) return out;
  AIGC_CHECK(params->struct_size >= sizeof(uint32_t) && params->struct_size <= sizeof(T),
             Status::invalid_argument,
             "{}: struct_size {} is not between 4 and {} (call the *_params_init function)", what,
             params->struct_size, sizeof(T));
  std::memcpy(static_cast<void *>(&out), params, params->struct_size);
  return out;
}

// Output structs: the caller sets struct_size; only the fields it knows are written.
template <class T>
void write_struct(T *out, const T &value, const char *what) {
  AIGC_CHECK(out != nullptr, Status::invalid_argument, "{}: output struct is NULL", what);
  const uint32_t size = out->struct_size;
  AIGC_CHECK(size >= sizeof(uint32_t) && size <= sizeof(T), Status::invalid_argument,
             "{}: struct_size {} is not between 4 and {} (set it to sizeof the struct)", what, size,
             sizeof(T));
  std::memcpy(static_cast<void *>(out), &value, size);
  out->struct_size = size;
}

// Caller-buffer convention: *needed = size with the NUL; BUFFER_TOO_SMALL when it does not fit.
inline void copy_out(const std::string &text, char *buffer, size_t buffer_size, size_t *needed,
                     const char *what) {
  if (needed) *needed = text.size() + 1;
  AIGC_CHECK(buffer_size >= text.size() + 1, Status::buffer_too_small,
             "{}: buffer of {} bytes is too small, {} needed", what, buffer_size, text.size() + 1);
  AIGC_CHECK(buffer != nullptr, Status::invalid_argument, "{}: buffer is NULL", what);
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
}

#define AIGC_CAPI_NOT_NULL(ptr, what) \
  AIGC_CHECK((ptr) != nullptr, ::aigc::Status::invalid_argument, "{}: {} is NULL", what, #ptr)

}  // namespace aigc::capi
