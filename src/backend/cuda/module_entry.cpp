// The entry points of libaigc-cuda.so (backend/module_loader.hpp): the only symbols the
// module exports (cmake/aigc-backend-module.map). The core finds them with dlsym.
#include <cstring>
#include <exception>

#include "aigc/aigc.h"
#include "backend/factories.hpp"

#define AIGC_MODULE_EXPORT extern "C" __attribute__((visibility("default")))

AIGC_MODULE_EXPORT const char *aigc_backend_module_version() { return AIGC_VERSION_STRING; }

AIGC_MODULE_EXPORT aigc::Backend *aigc_backend_module_create(char *why, size_t why_size) {
  std::string reason;
  try {
    if (auto backend = aigc::create_cuda_backend(&reason)) return backend.release();
  } catch (const std::exception &e) {
    reason = e.what();
  }
  if (why && why_size) {
    std::strncpy(why, reason.c_str(), why_size - 1);
    why[why_size - 1] = '\0';
  }
  return nullptr;
}
