#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_argmax(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
