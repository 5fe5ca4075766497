#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {

void register_softmax(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::cpu
