#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {

void register_attention(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::ref
