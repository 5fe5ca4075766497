// One sampling loop for every denoiser (DDPM CNN, DiT, SD UNet), after diffusers'
// pipelines: scheduler from the model's SchedulerConfig with sampler / steps overrides,
// class labels, classifier-free guidance, img2img (strength), masked inpainting (the
// "blend" of diffusers' legacy StableDiffusionInpaintPipelineLegacy), the clamp quirk of
// DiffusionTraining, progress and cancellation.
//
// Randomness (seeding rule of image_pipeline.hpp): sample k's generator Rng(seed + k)
// first gives its initial noise [C, h, w] (one fill_normal call), then one noise tensor
// for each step whose scheduler step consumes noise, in step order. The initial noise is
// scaled by the scheduler's init_noise_sigma (txt2img) or passed to add_noise (img2img,
// and reused for re-noising the known region when inpainting).
#pragma once

#include "runtime/image_pipeline.hpp"

namespace aigc::runtime {

struct DiffusionOptions {
  int64_t count = 1;
  uint64_t seed = 0;
  std::string sampler;  // "" -> the model's default (DiffusionTraining::default_sampler)
  int64_t steps = -1;   // -1 -> the model's default; otherwise >= 1
  int64_t label = -1;   // class-conditional models: see make_labels
  std::vector<int64_t> labels;  // optional, one per sample (overrides label)
  // Classifier-free guidance: pred = uncond + cfg * (cond - uncond). Text models: the
  // unconditional branch is the negative prompt ("" when none). Other models have no
  // unconditional branch: any value but 1 is invalid_argument. < 0: the model's default
  // (7.5 for text models, 1 otherwise).
  double cfg_scale = -1;
  std::string prompt, negative_prompt;  // text models
  // Output image size; 0: the model's fixed size (or 512 for models of any size). Must be
  // a multiple of image_size_factor().
  int64_t width = 0, height = 0;
  // img2img: display pixels [1 or count, C, H, W] of the output size. Encoded by the VAE
  // (latent models, posterior mean * scaling_factor) or converted to the model's range,
  // then noised to the first of the last ceil(steps * strength) timesteps.
  Tensor init_image;
  double strength = 0.8;  // (0, 1]; used with init_image
  // Inpainting (needs init_image): f32 [H, W], 1 = generate, 0 = keep the init image
  // (soft values blend). Averaged over each f x f block for latent models.
  Tensor mask;
  Tensor initial_noise;  // optional explicit [count, C, h, w]; replaces the seeded draw
  Tensor step_noise;     // optional explicit [S, count, C, h, w]: the noise of the steps that need it
  Progress progress;
};

struct DiffusionResult {
  Tensor images;   // display pixels f32 [count, C, H, W]
  Tensor latents;  // the final sample before decoding (model space)
  std::string sampler;
  int64_t steps = 0;     // inference steps of the schedule
  double cfg_scale = 1;  // the value used
};

// The factor output width and height must be multiples of (1 for fixed-size models).
int64_t image_size_factor(const models::ImageModelBundle &bundle);

// Runs the whole pipeline on a diffusion or text_to_image bundle.
DiffusionResult diffusion_generate(const ExecContext &ctx, const models::ImageModelBundle &bundle,
                                   const DiffusionOptions &options);

// The pixel range of a diffusion model's samples (pixel-space models).
models::PixelRange diffusion_pixel_range(const models::ImageModelBundle &bundle);

}  // namespace aigc::runtime
