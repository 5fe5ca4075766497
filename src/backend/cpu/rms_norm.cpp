#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_rms_norm(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
