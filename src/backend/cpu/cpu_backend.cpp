#include "backend/cpu/cpu_backend.hpp"

#include <omp.h>

#include "backend/cpu/cpu_kernels.hpp"
#include "backend/factories.hpp"
#include "core/check.hpp"

namespace aigc {
namespace cpu {

CpuBackend::CpuBackend() : engine_(dnnl::engine::kind::cpu, 0) {
  for (auto reg : {register_copy, register_cast, register_concat, register_matmul,
                   register_conv2d, register_conv_transpose2d, register_avg_pool2d,
                   register_upsample, register_group_norm, register_layer_norm,
                   register_rms_norm, register_softmax, register_unary, register_binary,
                   register_embedding, register_rope, register_attention, register_argmax,
                   register_topk})
    reg(kernels_);
}

OmpThreads::OmpThreads(int n) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(n > 0 ? n : 1);
}

OmpThreads::~OmpThreads() { omp_set_num_threads(previous_); }

dnnl::memory::data_type to_dnnl(DType t) {
  switch (t) {
    case DType::f32: return dnnl::memory::data_type::f32;
    case DType::f16: return dnnl::memory::data_type::f16;
    case DType::bf16: return dnnl::memory::data_type::bf16;
    case DType::i32: return dnnl::memory::data_type::s32;
    case DType::i8: return dnnl::memory::data_type::s8;
    case DType::u8: return dnnl::memory::data_type::u8;
    default: fail(Status::unsupported, "oneDNN has no data type for {}", dtype_name(t));
  }
}

}  // namespace cpu

std::unique_ptr<Backend> create_cpu_backend() { return std::make_unique<cpu::CpuBackend>(); }

}  // namespace aigc
