// Registration hooks of the reference backend: one per op file in this folder.
// Reference kernels are plain loops over contiguous copies of their inputs; they are
// the truth the other backends are tested against, so they favour clarity over speed.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ref {

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

}  // namespace aigc::ref
