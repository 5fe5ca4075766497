#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_concat(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
