#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_layer_norm(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
