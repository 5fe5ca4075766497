#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_conv_transpose2d(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
