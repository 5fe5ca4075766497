// Creation functions, one per backend folder. Only registry.cpp calls these.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.hpp"

namespace aigc {

std::unique_ptr<Backend> create_ref_backend();
std::unique_ptr<Backend> create_cpu_backend();
// nullptr with `why` set when CUDA is not compiled in or no device can be used.
std::unique_ptr<Backend> create_cuda_backend(std::string *why);

}  // namespace aigc
