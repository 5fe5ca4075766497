// Finding backends by name. Names: "ref" (plain loops, the test oracle), "cpu"
// (oneDNN + AVX2), "cuda" (when compiled and a device is present).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.hpp"

namespace aigc {

// The backend called `name`; throws backend_unavailable with the reason when it is
// not compiled in or has no device.
Backend &get_backend(std::string_view name);

// True when get_backend(name) would succeed; otherwise `why` (if given) says why not.
bool backend_available(std::string_view name, std::string *why = nullptr);

// Every backend name this build knows, available or not.
std::vector<std::string> backend_names();

}  // namespace aigc
