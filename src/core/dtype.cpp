#include "aigc/core/dtype.hpp"
#include "aigc/core/error.hpp"

namespace aigc {

bool dtype_from_name(std::string_view name, DType *out) {
  for (int i = 0; i < kDTypeCount; ++i) {
    if (name == kDTypeTraits[i].name) {
      *out = static_cast<DType>(i);
      return true;
    }
  }
  return false;
}

const char *status_name(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid argument";
    case Status::out_of_memory: return "out of memory";
    case Status::io_error: return "I/O error";
    case Status::invalid_format: return "invalid or corrupt file";
    case Status::unsupported: return "unsupported";
    case Status::shape_mismatch: return "shape mismatch";
    case Status::backend_unavailable: return "backend unavailable";
    case Status::buffer_too_small: return "buffer too small";
    case Status::context_full: return "context full";
    case Status::cancelled: return "cancelled";
    case Status::device_error: return "device error";
    case Status::internal: return "internal error";
  }
  return "unknown status";
}

}  // namespace aigc
