// Built when AIGC_WITH_CUDA is off: the registry then reports why "cuda" is missing.
#include "backend/factories.hpp"

namespace aigc {

std::unique_ptr<Backend> create_cuda_backend(std::string *why) {
  if (why) *why = "CUDA backend not compiled (configure with AIGC_WITH_CUDA=ON and nvcc present)";
  return nullptr;
}

}  // namespace aigc
