// Creation functions, one per backend folder. Only registry.cpp calls these.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.hpp"

namespace aigc {

std::unique_ptr<Backend> create_ref_backend();
std::unique_ptr<Backend> create_cpu_backend();
// In the CUDA objects only (libaigc-cuda.so, aigc_cuda_static): nullptr with `why` set
// when no device can be used.
std::unique_ptr<Backend> create_cuda_backend(std::string *why);

}  // namespace aigc
