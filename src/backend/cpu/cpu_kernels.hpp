// Registration hooks of the CPU backend (oneDNN where it has the primitive, our own
// AVX2/FMA kernels elsewhere): one per op file in this folder. Kernels run under
// OmpThreads(ctx.n_threads) and keep built oneDNN primitives in CpuBackend's cache.
#pragma once

#include "backend/backend.hpp"

namespace aigc::cpu {

void register_copy(KernelTable &t);
void register_cast(KernelTable &t);
void register_concat(KernelTable &t);
void register_matmul(KernelTable &t);
void register_conv2d(KernelTable &t);
void register_conv_transpose2d(KernelTable &t);
void register_avg_pool2d(KernelTable &t);
void register_upsample(KernelTable &t);
void register_group_norm(KernelTable &t);
void register_layer_norm(KernelTable &t);
void register_rms_norm(KernelTable &t);
void register_softmax(KernelTable &t);
void register_unary(KernelTable &t);
void register_binary(KernelTable &t);
void register_embedding(KernelTable &t);
void register_rope(KernelTable &t);
void register_attention(KernelTable &t);
void register_argmax(KernelTable &t);
void register_topk(KernelTable &t);

}  // namespace aigc::cpu
