#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {

void register_conv_transpose2d(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::ref
