// Finding backends by name. Names: "ref" (plain loops, the test oracle), "cpu"
// (oneDNN + AVX2), "cuda" (the module libaigc-cuda.so, loaded on first use when it is
// present and a device is there; or linked in statically with aigc_cuda_static).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.hpp"

namespace aigc {

// The backend called `name`; throws backend_unavailable with the reason when it is
// not compiled in, its module cannot be loaded, or it has no device.
Backend &get_backend(std::string_view name);

// True when get_backend(name) would succeed; otherwise `why` (if given) says why not.
bool backend_available(std::string_view name, std::string *why = nullptr);

// Every backend name this build knows, available or not.
std::vector<std::string> backend_names();

// Creates a backend, or returns nullptr with `why` set.
using BackendFactory = Backend *(*)(std::string *why);

// Makes `name` ("cuda") come from a factory linked into the program instead of a module.
// Called by the static CUDA archive's initializer; must run before the first lookup.
void register_backend_factory(std::string_view name, BackendFactory factory);

}  // namespace aigc
