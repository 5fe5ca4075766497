// Prompt conditioning for Stable Diffusion 1.x (see text_to_image.hpp), after diffusers'
// StableDiffusionPipeline.encode_prompt: tokenizer(padding="max_length", truncation=True),
// text_encoder(ids)[0]; the negative prompt ("" when none) gives the unconditional branch.
#include "runtime/text_to_image.hpp"

#include "core/check.hpp"
#include "core/log.hpp"
#include "models/sd/sd_pipeline.hpp"

namespace aigc::runtime {
namespace {

// f32 [1, T, D] hidden states of one prompt.
Tensor encode_one(const ExecContext &ctx, const models::sd::StableDiffusionModel &sd, const std::string &text,
                  const char *which) {
  const tokenizer::ClipTokenization tok = sd.tokenizer->tokenize_prompt(text, int32_t(sd.text_encoder->max_length()));
  if (tok.truncated())
    log_warn("{} is longer than {} tokens: the last {} tokens are ignored", which, sd.text_encoder->max_length(),
             tok.dropped);
  const Tensor ids = Tensor::from_vector(tok.ids, Shape({1, int64_t(tok.ids.size())}));
  return sd.text_encoder->encode(ctx, ids).contiguous();
}

}  // namespace

PromptEmbeddings encode_prompts(const ExecContext &ctx, const models::ImageModelBundle &bundle,
                                const std::string &prompt, const std::string &negative_prompt,
                                int64_t count, bool with_uncond) {
  AIGC_CHECK(bundle.stable_diffusion != nullptr, Status::unsupported,
             "model '{}' needs a text encoder and has none", bundle.info.name);
  const models::sd::StableDiffusionModel &sd = *bundle.stable_diffusion;
  AIGC_CHECK(sd.tokenizer && sd.text_encoder, Status::unsupported, "model '{}' has no tokenizer / text encoder",
             bundle.info.name);
  PromptEmbeddings out;
  out.cond = repeat_batch(encode_one(ctx, sd, prompt, "the prompt"), count);
  if (with_uncond) out.uncond = repeat_batch(encode_one(ctx, sd, negative_prompt, "the negative prompt"), count);
  return out;
}

}  // namespace aigc::runtime
