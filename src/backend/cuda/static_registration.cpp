// Linked into aigc_cuda_static only: a program that takes the CUDA backend statically
// (the tests, benchmarks, or a user with -Wl,--whole-archive) gets it without a module.
#include "backend/factories.hpp"
#include "backend/registry.hpp"

namespace aigc {
namespace {

Backend *create_linked_cuda(std::string *why) { return create_cuda_backend(why).release(); }

const bool registered = [] {
  register_backend_factory("cuda", &create_linked_cuda);
  return true;
}();

}  // namespace
}  // namespace aigc
