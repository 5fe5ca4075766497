// The diffusion sampling loop (see diffusion_pipeline.hpp). References: diffusers
// StableDiffusionPipeline / StableDiffusionImg2ImgPipeline /
// StableDiffusionInpaintPipelineLegacy (__call__), and the upstream samplers of the
// MNIST models (ddpm-cnn-mnist: Prince Alg. 18.2; dit-mnist-cond: util/diffusion.py).
#include "runtime/diffusion_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/check.hpp"
#include "runtime/text_to_image.hpp"
#include "runtime/vae_pipeline.hpp"

namespace aigc::runtime {
namespace {

constexpr int64_t kDefaultSize = 512;  // models of any size (SD 1.x's native resolution)
constexpr double kDefaultTextCfg = 7.5;  // diffusers' StableDiffusionPipeline default

bool is_latent(const models::ImageModelBundle &b) { return b.autoencoder != nullptr; }

// Elementwise helpers on contiguous host f32 tensors of one shape.
Tensor map2(const Tensor &a, const Tensor &b, const std::function<float(float, float)> &f) {
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  AIGC_ASSERT(ca.numel() == cb.numel());
  Tensor out = Tensor::empty(ca.shape(), DType::f32);
  const float *pa = ca.data_as<float>(), *pb = cb.data_as<float>();
  float *po = out.data_as<float>();
  for (int64_t i = 0, n = ca.numel(); i < n; ++i) po[i] = f(pa[i], pb[i]);
  return out;
}
Tensor scaled(const Tensor &a, float s) {
  return map2(a, a, [s](float x, float) { return x * s; });
}
Tensor filled(int64_t n, float value) { return Tensor::from_vector(std::vector<float>(size_t(n), value), Shape({n})); }

// Blends `known` into x where the (latent-space) mask m [h*w] is 0: x*m + known*(1-m).
Tensor blend(const Tensor &x, const Tensor &known, const std::vector<float> &m) {
  const Tensor cx = x.contiguous(), ck = known.contiguous();
  Tensor out = Tensor::empty(cx.shape(), DType::f32);
  const float *px = cx.data_as<float>(), *pk = ck.data_as<float>();
  float *po = out.data_as<float>();
  const int64_t plane = int64_t(m.size());
  for (int64_t i = 0, n = cx.numel(); i < n; ++i) {
    const float w = m[size_t(i % plane)];
    po[i] = px[i] * w + pk[i] * (1 - w);
  }
  return out;
}

// Image-space mask [H, W] -> per-latent-pixel weights [h * w] by f x f block averages.
std::vector<float> downsample_mask(const Tensor &mask, int64_t height, int64_t width, int64_t f) {
  check_f32_host(mask, "inpainting mask");
  AIGC_CHECK(mask.rank() == 2 && mask.size(0) == height && mask.size(1) == width, Status::shape_mismatch,
             "inpainting mask: expected [{}, {}] (the image size), got {}", height, width,
             mask.shape().to_string());
  const Tensor c = mask.contiguous();
  const float *p = c.data_as<float>();
  const int64_t h = height / f, w = width / f;
  std::vector<float> out(size_t(h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double sum = 0;
      for (int64_t dy = 0; dy < f; ++dy)
        for (int64_t dx = 0; dx < f; ++dx) sum += p[(y * f + dy) * width + x * f + dx];
      const double v = sum / double(f * f);
      AIGC_CHECK(v >= 0 && v <= 1, Status::invalid_argument, "inpainting mask values must be in [0, 1]");
      out[size_t(y * w + x)] = float(v);
    }
  return out;
}

// Where the explicit step noise comes from, or the per-sample generators.
class StepNoise {
 public:
  StepNoise(std::vector<sampling::Rng> &rngs, const Tensor &explicit_noise, const Shape &sample_shape)
      : rngs_(rngs), explicit_(explicit_noise), shape_(sample_shape) {}
  Tensor next() {
    if (!explicit_.defined()) return normal_batch(rngs_, shape_);
    AIGC_CHECK(used_ < explicit_.size(0), Status::invalid_argument,
               "step noise: {} tensors given, the sampler needs more", explicit_.size(0));
    return explicit_.select(0, used_++).contiguous();
  }

 private:
  std::vector<sampling::Rng> &rngs_;
  Tensor explicit_;
  Shape shape_;
  int64_t used_ = 0;
};

}  // namespace

// Pixel-space denoisers say their range (config.json "pixel_range"); latent models'
// pixels are the VAE's.
models::PixelRange diffusion_pixel_range(const models::ImageModelBundle &bundle) {
  if (bundle.autoencoder) return bundle.autoencoder->pixel_range();
  return bundle.denoiser->pixel_range();
}

int64_t image_size_factor(const models::ImageModelBundle &b) {
  AIGC_CHECK(b.denoiser != nullptr, Status::invalid_argument, "model '{}' is not a diffusion model", b.info.name);
  const int64_t f = b.denoiser->spatial_factor() * (is_latent(b) ? b.autoencoder->downscale_factor() : 1);
  return std::max<int64_t>(f, 1);
}

DiffusionResult diffusion_generate(const ExecContext &ctx, const models::ImageModelBundle &bundle,
                                   const DiffusionOptions &o) {
  AIGC_CHECK(bundle.denoiser != nullptr, Status::invalid_argument, "model '{}' is not a diffusion model",
             bundle.info.name);
  const models::Denoiser &net = *bundle.denoiser;
  const models::DiffusionTraining &training = net.training();
  const bool latent = is_latent(bundle);
  const bool text = net.context_dim() > 0;
  AIGC_CHECK(o.count >= 1, Status::invalid_argument, "image count must be >= 1, got {}", o.count);

  // Schedule.
  DiffusionResult result;
  // No default (e.g. a diffusers folder saved with PNDM, which we do not implement): DDIM
  // over the same config, the usual substitute.
  result.sampler = !o.sampler.empty() ? o.sampler : !training.default_sampler.empty() ? training.default_sampler : "ddim";
  result.steps = o.steps == -1 ? training.default_steps : o.steps;
  AIGC_CHECK(result.steps >= 1 && result.steps <= bundle.scheduler.num_train_timesteps,
             Status::invalid_argument, "steps must be between 1 and {}, got {}",
             bundle.scheduler.num_train_timesteps, o.steps);
  std::unique_ptr<sampling::Scheduler> scheduler = sampling::make_scheduler(result.sampler, bundle.scheduler);
  scheduler->set_timesteps(result.steps);
  const std::vector<double> timesteps = scheduler->timesteps();

  // Guidance.
  result.cfg_scale = o.cfg_scale < 0 ? (text ? kDefaultTextCfg : 1.0) : o.cfg_scale;
  AIGC_CHECK(std::isfinite(result.cfg_scale), Status::invalid_argument, "cfg scale must be finite");
  AIGC_CHECK(text || result.cfg_scale == 1.0, Status::invalid_argument,
             "cfg scale {}: model '{}' has no unconditional branch (no null class), so classifier-free "
             "guidance is unavailable; use 1",
             result.cfg_scale, bundle.info.name);
  AIGC_CHECK(text || (o.prompt.empty() && o.negative_prompt.empty()), Status::invalid_argument,
             "model '{}' takes no text prompt", bundle.info.name);
  const bool guided = text && result.cfg_scale != 1.0;

  // Sizes: image [C, H, W] and the sampled tensor [c, h, w].
  const Shape fixed = net.sample_shape();
  AIGC_ASSERT(fixed.rank() == 3);
  const int64_t factor = image_size_factor(bundle);
  const int64_t space = latent ? bundle.autoencoder->downscale_factor() : 1;
  int64_t height = o.height, width = o.width;
  if (fixed[1] > 0) {
    AIGC_CHECK((width == 0 || width == fixed[2] * space) && (height == 0 || height == fixed[1] * space),
               Status::invalid_argument, "model '{}' makes {}x{} images only, got {}x{}", bundle.info.name,
               fixed[2] * space, fixed[1] * space, width, height);
    width = fixed[2] * space;
    height = fixed[1] * space;
  } else {
    if (width == 0) width = kDefaultSize;
    if (height == 0) height = kDefaultSize;
    AIGC_CHECK(width > 0 && height > 0 && width % factor == 0 && height % factor == 0,
               Status::invalid_argument, "image size {}x{}: width and height must be positive multiples of {}",
               width, height, factor);
  }
  const Shape sample_shape({fixed[0], height / space, width / space});
  Shape batch_shape = sample_shape;
  batch_shape.insert(0, o.count);

  // Conditioning.
  const Tensor labels = make_labels(net.info().num_classes, o.count, o.label, o.labels);
  PromptEmbeddings prompts;
  if (text) prompts = encode_prompts(ctx, bundle, o.prompt, o.negative_prompt, o.count, guided);
  auto denoise = [&](const Tensor &x, double t) -> Tensor {
    models::DenoiserCondition c;
    c.labels = labels;
    if (!guided) {
      c.context = prompts.cond;
      return net.predict(ctx, x, filled(o.count, float(t)), c);
    }
    c.context = concat_batch(prompts.uncond, prompts.cond);
    const Tensor out = net.predict(ctx, concat_batch(x, x), filled(2 * o.count, float(t)), c).contiguous();
    const Tensor u = out.slice(0, 0, o.count), v = out.slice(0, o.count, 2 * o.count);
    const float s = float(result.cfg_scale);
    return map2(u, v, [s](float un, float co) { return un + s * (co - un); });
  };

  // Initial noise.
  std::vector<sampling::Rng> rngs = sample_rngs(o.seed, o.count);
  Tensor noise0;
  if (o.initial_noise.defined()) {
    check_f32_host(o.initial_noise, "initial noise");
    AIGC_CHECK(o.initial_noise.shape() == batch_shape, Status::shape_mismatch, "initial noise: expected {}, got {}",
               batch_shape.to_string(), o.initial_noise.shape().to_string());
    noise0 = o.initial_noise.contiguous();
  } else {
    noise0 = normal_batch(rngs, sample_shape);
  }
  if (o.step_noise.defined()) {
    check_f32_host(o.step_noise, "step noise");
    Shape want = batch_shape;
    want.insert(0, o.step_noise.rank() > 0 ? o.step_noise.size(0) : 0);
    AIGC_CHECK(o.step_noise.shape() == want, Status::shape_mismatch, "step noise: expected [S, {}], got {}",
               batch_shape.to_string().substr(1, batch_shape.to_string().size() - 2),
               o.step_noise.shape().to_string());
  }
  StepNoise step_noise(rngs, o.step_noise, sample_shape);

  // Start: pure noise, or the init image noised to the strength's first timestep.
  size_t start = 0;
  Tensor x, x0;
  std::vector<float> mask;
  AIGC_CHECK(!o.mask.defined() || o.init_image.defined(), Status::invalid_argument,
             "inpainting needs an init image");
  if (o.init_image.defined()) {
    AIGC_CHECK(o.strength > 0 && o.strength <= 1, Status::invalid_argument,
               "strength must be in (0, 1], got {}", o.strength);
    check_f32_host(o.init_image, "init image");
    const Tensor &img = o.init_image;
    AIGC_CHECK(img.rank() == 4 && (img.size(0) == 1 || img.size(0) == o.count) &&
                   img.size(2) == height && img.size(3) == width,
               Status::shape_mismatch, "init image: expected [1 or {}, C, {}, {}], got {}", o.count, height,
               width, img.shape().to_string());
    Tensor batch = img.size(0) == 1 ? repeat_batch(img.contiguous(), o.count) : img.contiguous();
    if (latent) {
      x0 = scaled(vae_encode(ctx, *bundle.autoencoder, batch, EncodeMode::mean),
                  bundle.autoencoder->scaling_factor());
    } else {
      AIGC_CHECK(img.size(1) == sample_shape[0], Status::shape_mismatch, "init image: expected {} channels, got {}",
                 sample_shape[0], img.size(1));
      x0 = from_display(batch, diffusion_pixel_range(bundle));
    }
    AIGC_CHECK(x0.shape() == batch_shape, Status::shape_mismatch, "encoded init image {} does not match {}",
               x0.shape().to_string(), batch_shape.to_string());
    if (o.mask.defined()) mask = downsample_mask(o.mask, height, width, space);
    start = scheduler->start_index_for_strength(o.strength);
    AIGC_ASSERT(start < timesteps.size());
    x = scheduler->add_noise(x0, noise0, timesteps[start]);
  } else {
    x = scaled(noise0, float(scheduler->init_noise_sigma()));
  }

  // The loop.
  const int64_t total = int64_t(timesteps.size() - start);
  for (size_t i = start; i < timesteps.size(); ++i) {
    const int64_t done = int64_t(i - start);
    AIGC_CHECK(!(o.progress.cancel && o.progress.cancel->load()), Status::cancelled,
               "image generation cancelled at step {} of {}", done, total);
    const Tensor prediction = denoise(scheduler->scale_model_input(x, i), timesteps[i]);
    const Tensor noise = scheduler->needs_noise(i) ? step_noise.next() : Tensor();
    x = scheduler->step(prediction, i, x, noise);
    if (training.clamp_sample) x = map2(x, x, [](float v, float) { return std::clamp(v, -1.f, 1.f); });
    if (!mask.empty()) {
      // Legacy inpainting: the known region re-noised to the timestep just taken.
      const bool last = i + 1 == timesteps.size();
      x = blend(x, last ? x0 : scheduler->add_noise(x0, noise0, timesteps[i]), mask);
    }
    o.progress.check(done + 1, total);
  }
  result.latents = x;

  // Output pixels.
  if (latent) {
    const Tensor z = scaled(x, 1.f / bundle.autoencoder->scaling_factor());
    result.images = vae_decode(ctx, *bundle.autoencoder, z);
  } else {
    result.images = to_display(x, diffusion_pixel_range(bundle));
  }
  return result;
}

}  // namespace aigc::runtime
