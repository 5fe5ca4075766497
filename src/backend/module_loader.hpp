// Backend modules: libaigc-<name>.so files that the shared library loads at run time, so
// that libaigc.so itself needs no GPU runtime (the ggml backend-registry pattern).
// A module exports two C functions (module_entry.cpp in its folder):
//   const char *aigc_backend_module_version(void)      the AIGC_VERSION_STRING it was built for
//   aigc::Backend *aigc_backend_module_create(char *why, size_t why_size)
// and resolves the core's C++ symbols against libaigc.so (version node AIGC_PRIVATE_*,
// cmake/aigc.map): a module only works with the libaigc.so of its own build.
#pragma once

#include <string>
#include <string_view>

#include "backend/backend.hpp"

namespace aigc {

// Looks for libaigc-<name>.so in each entry of AIGC_BACKEND_PATH (folders or files,
// ':'-separated), then in the folder of libaigc.so; loads it and creates its backend.
// nullptr with `why` naming every place looked and the loader's own message otherwise.
// Inside a program linked with the static library there is no libaigc.so to resolve a
// module against, so this refuses (the backend must be linked in: aigc_cuda_static).
Backend *load_backend_module(std::string_view name, std::string *why);

// "libaigc-cuda.so"
std::string backend_module_file_name(std::string_view name);

}  // namespace aigc
