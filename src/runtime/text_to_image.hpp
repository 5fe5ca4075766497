// Prompt conditioning for text-to-image models (Stable Diffusion 1.x): tokenize with the
// CLIP tokenizer (padded / truncated to 77 tokens; truncation is logged as a warning),
// run the text encoder, and return the hidden states the UNet cross-attends to.
#pragma once

#include <string>

#include "runtime/image_pipeline.hpp"

namespace aigc::runtime {

struct PromptEmbeddings {
  Tensor cond;    // f32 [count, T, D]
  Tensor uncond;  // f32 [count, T, D]; undefined unless asked for
};

PromptEmbeddings encode_prompts(const ExecContext &ctx, const models::ImageModelBundle &bundle,
                                const std::string &prompt, const std::string &negative_prompt,
                                int64_t count, bool with_uncond);

}  // namespace aigc::runtime
