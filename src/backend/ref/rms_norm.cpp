#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {

void register_rms_norm(KernelTable &) {}  // kernels not written yet

}  // namespace aigc::ref
