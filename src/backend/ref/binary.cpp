#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {

void register_binary(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::ref
