// aigc.h: image models, generation (GAN / VAE / diffusion / text-to-image), VAE
// encode/decode, GAN interpolation and scores, image sets and PNG output with provenance.
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include "capi/capi_error.hpp"
#include "capi/capi_params.hpp"
#include "io/png.hpp"
#include "runtime/diffusion_pipeline.hpp"
#include "runtime/gan_pipeline.hpp"
#include "runtime/image_buffer.hpp"
#include "runtime/vae_pipeline.hpp"

using namespace aigc;
using capi::guard;

struct aigc_image_model {
  std::shared_ptr<const runtime::ImageModel> model;
};

struct aigc_image_job {
  std::atomic<bool> cancel{false};
};

// What the images were made with, for PNG provenance.
struct ImagesProvenance {
  std::string model_name, model_sha256, sampler, prompt, negative_prompt;
  uint64_t seed = 0;
  bool seeded = true, diffusion = false, img2img = false;
  int64_t steps = 0, label = -1;
  double cfg = 1, strength = 1;
};

struct aigc_images {
  std::vector<io::ImageU8> images;
  io::ImageU8 grid;  // made on first request
  int32_t grid_columns = 0;
  ImagesProvenance provenance;
  std::once_flag grid_once;
};

namespace {

const aigc_image_model_params kModelDefaults = {sizeof(aigc_image_model_params), "cpu"};

int32_t default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return int32_t(hw == 0 ? 1 : std::min(hw, 64u));
}

aigc_image_params image_defaults() {
  aigc_image_params p{};
  p.struct_size = sizeof p;
  p.seed = 0;
  p.count = 1;
  p.class_label = -1;
  p.steps = -1;
  p.cfg_scale = -1.f;
  p.strength = 0.8f;
  p.n_threads = default_threads();
  return p;
}

const aigc_png_params kPngDefaults = {sizeof(aigc_png_params), 1, 6};

const runtime::ImageModel &model_of(const aigc_image_model *m, const char *what) {
  AIGC_CHECK(m != nullptr && m->model, Status::invalid_argument, "{}: model is NULL", what);
  return *m->model;
}

// ---- pixels <-> tensors (runtime/image_buffer) ------------------------------------------

// Display f32 [N, C, H, W] -> 8-bit images (clamped, rounded to nearest).
std::vector<io::ImageU8> to_u8(const Tensor &display) {
  return runtime::tensor_to_images(display, models::PixelRange::zero_one());
}

// Interleaved 8-bit pixels -> display f32 [1, want_channels, H, W] (gray <-> RGB converted,
// alpha dropped).
Tensor from_u8(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels, int64_t want_channels,
               const char *what) {
  AIGC_CHECK(pixels != nullptr, Status::invalid_argument, "{}: pixels are NULL", what);
  AIGC_CHECK(width > 0 && height > 0 && (channels == 1 || channels == 3 || channels == 4), Status::invalid_argument,
             "{}: {}x{} with {} channels (sizes must be positive, channels 1, 3 or 4)", what, width, height, channels);
  AIGC_CHECK(want_channels == 1 || want_channels == 3, Status::unsupported, "{}: the model has {} channels", what,
             want_channels);
  io::ImageU8 img = io::make_image_u8(width, height, channels);
  std::memcpy(img.pixels.data(), pixels, img.pixels.size());
  return runtime::image_to_tensor(img, models::PixelRange::zero_one(), int(want_channels));
}

// All images side by side, `columns` per row (0: ceil(sqrt(count))), no gaps.
io::ImageU8 make_grid(const std::vector<io::ImageU8> &images, int32_t columns) {
  AIGC_ASSERT(!images.empty());
  const int n = int(images.size());
  const int cols = columns > 0 ? std::min<int>(columns, n) : int(std::ceil(std::sqrt(double(n))));
  return runtime::make_grid(images, cols, 0);
}

// ---- params ----------------------------------------------------------------------------------

// A copy of n caller floats as a tensor of `shape` (n must equal its size).
Tensor copy_floats(const float *data, size_t n, const Shape &shape, const char *what) {
  AIGC_CHECK(data != nullptr, Status::invalid_argument, "{}: pointer is NULL", what);
  AIGC_CHECK(n == size_t(shape.numel()), Status::invalid_argument, "{}: {} floats, expected {} ({})", what, n,
             shape.numel(), shape.to_string());
  Tensor t = Tensor::empty(shape, DType::f32);
  std::memcpy(t.data_as<float>(), data, n * sizeof(float));
  return t;
}

struct Call {
  aigc_image_params p;
  ExecContext ctx;
  runtime::Progress progress;
};

std::vector<int64_t> per_image_labels(const aigc_image_params &p) {
  if (!p.class_labels) return {};
  return std::vector<int64_t>(p.class_labels, p.class_labels + p.count);
}

Call read_call(const runtime::ImageModel &m, const aigc_image_params *params, aigc_image_progress_callback cb,
               void *user_data, const char *what) {
  Call c{capi::read_params(params, image_defaults(), what), {}, {}};
  AIGC_CHECK(c.p.n_threads >= 1, Status::invalid_argument, "{}: n_threads must be >= 1, got {}", what, c.p.n_threads);
  AIGC_CHECK(c.p.count >= 1, Status::invalid_argument, "{}: count must be >= 1, got {}", what, c.p.count);
  c.ctx = m.exec(c.p.n_threads);
  if (c.p.job) c.progress.cancel = &c.p.job->cancel;
  if (cb) c.progress.on_step = [cb, user_data](int64_t step, int64_t total) {
    return cb(int32_t(step), int32_t(total), user_data) == 0;
  };
  return c;
}

// Clears the job's cancel request when the call returns (aigc_context_cancel's rule).
struct JobScope {
  aigc_image_job *job;
  ~JobScope() {
    if (job) job->cancel.store(false);
  }
};

void check_cancel(const Call &c) {
  AIGC_CHECK(!(c.progress.cancel && c.progress.cancel->load()), Status::cancelled, "image generation cancelled");
}

std::unique_ptr<aigc_images> make_images(const runtime::ImageModel &m, const Tensor &display, const Call &c) {
  auto out = std::make_unique<aigc_images>();
  out->images = to_u8(display);
  out->grid_columns = c.p.grid_columns;
  ImagesProvenance &pv = out->provenance;
  pv.model_name = m.bundle.info.name;
  pv.model_sha256 = m.bundle.weights_sha256;
  pv.seed = c.p.seed;
  pv.seeded = c.p.latents == nullptr;
  pv.label = c.p.class_label;
  return out;
}

runtime::DiffusionOptions diffusion_options(const runtime::ImageModel &m, const Call &c) {
  const aigc_image_params &p = c.p;
  const models::ImageModelBundle &b = m.bundle;
  runtime::DiffusionOptions o;
  o.count = p.count;
  o.seed = p.seed;
  o.sampler = p.sampler ? p.sampler : "";
  AIGC_CHECK(p.steps == -1 || p.steps >= 1, Status::invalid_argument,
             "steps must be >= 1 (or -1 for the model's default), got {}", p.steps);
  o.steps = p.steps;
  o.label = p.class_label;
  o.labels = per_image_labels(p);
  o.cfg_scale = p.cfg_scale;
  o.prompt = p.prompt ? p.prompt : "";
  o.negative_prompt = p.negative_prompt ? p.negative_prompt : "";
  o.width = p.width;
  o.height = p.height;
  o.strength = p.strength;
  const Shape fixed = b.denoiser->sample_shape();
  const bool latent = b.autoencoder != nullptr;
  const int64_t image_channels = latent ? (b.autoencoder->image_shape().rank() == 3 ? b.autoencoder->image_shape()[0] : 3)
                                        : fixed[0];
  if (p.init_image) {
    o.init_image = from_u8(p.init_image, p.init_width, p.init_height, p.init_channels, image_channels, "init image");
    if (o.width == 0) o.width = p.init_width;
    if (o.height == 0) o.height = p.init_height;
    if (p.mask) {
      Tensor mask = Tensor::empty(Shape({p.init_height, p.init_width}), DType::f32);
      float *mp = mask.data_as<float>();
      for (int64_t i = 0, n = int64_t(p.init_width) * p.init_height; i < n; ++i) mp[i] = p.mask[i] / 255.f;
      o.mask = mask;
    }
  } else {
    AIGC_CHECK(p.mask == nullptr, Status::invalid_argument, "inpainting: a mask needs an init image");
  }
  // The sampled tensor's shape, for explicit noise.
  int64_t width = o.width, height = o.height;
  const int64_t space = latent ? b.autoencoder->downscale_factor() : 1;
  if (fixed[1] > 0) {
    height = fixed[1] * space;
    width = fixed[2] * space;
  } else {
    if (width == 0) width = 512;
    if (height == 0) height = 512;
  }
  const Shape sample({p.count, fixed[0], height / std::max<int64_t>(space, 1), width / std::max<int64_t>(space, 1)});
  if (p.latents || p.n_latents) o.initial_noise = copy_floats(p.latents, p.n_latents, sample, "latents");
  if (p.step_noise || p.n_step_noise) {
    Shape steps_shape = sample;
    steps_shape.insert(0, -1);
    const int64_t per = sample.numel();
    AIGC_CHECK(p.step_noise != nullptr && p.n_step_noise > 0 && p.n_step_noise % size_t(per) == 0,
               Status::invalid_argument, "step_noise: {} floats is not a positive multiple of count x one image ({})",
               p.n_step_noise, per);
    steps_shape[0] = int64_t(p.n_step_noise) / per;
    o.step_noise = copy_floats(p.step_noise, p.n_step_noise, steps_shape, "step_noise");
  }
  o.progress = c.progress;
  return o;
}

}  // namespace

extern "C" {

aigc_status aigc_image_model_params_init(aigc_image_model_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, kModelDefaults, "aigc_image_model_params_init"); });
}

aigc_status aigc_image_model_load(const char *path, const aigc_image_model_params *params, aigc_image_model **model) {
  if (model) *model = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(model, "aigc_image_model_load");
    AIGC_CAPI_NOT_NULL(path, "aigc_image_model_load");
    const aigc_image_model_params p = capi::read_params(params, kModelDefaults, "aigc_image_model_load");
    auto handle = std::make_unique<aigc_image_model>();
    handle->model = runtime::ImageModel::load(path, p.backend ? p.backend : "cpu");
    *model = handle.release();
  });
}

void aigc_image_model_free(aigc_image_model *model) { delete model; }

aigc_status aigc_image_model_get_info(const aigc_image_model *model, aigc_image_model_info *info) {
  return guard([&] {
    const models::ImageModelBundle &b = model_of(model, "aigc_image_model_get_info").bundle;
    AIGC_CAPI_NOT_NULL(info, "aigc_image_model_get_info");
    aigc_image_model_info out{};
    out.struct_size = sizeof out;
    out.kind = int32_t(b.kind);
    out.num_classes = int32_t(b.info.num_classes);
    out.size_factor = 1;
    auto set_image = [&](const Shape &s) {
      if (s.rank() != 3) return;
      out.channels = int32_t(s[0]);
      out.height = int32_t(s[1]);
      out.width = int32_t(s[2]);
    };
    switch (b.kind) {
      case models::ImageModelKind::gan:
        set_image(b.generator->image_shape());
        out.latent_size = b.generator->latent_shape().numel();
        out.latent_channels = int32_t(out.latent_size);
        out.has_discriminator = b.discriminator != nullptr;
        break;
      case models::ImageModelKind::vae: {
        const models::Autoencoder &ae = *b.autoencoder;
        set_image(ae.image_shape());
        out.latent_channels = int32_t(ae.latent_channels());
        out.latent_factor = int32_t(ae.downscale_factor());
        out.latent_size = ae.downscale_factor() == 0 ? ae.latent_channels() : 0;
        out.size_factor = std::max<int32_t>(1, out.latent_factor);
        out.has_encoder = ae.has_encoder();
        break;
      }
      case models::ImageModelKind::diffusion:
      case models::ImageModelKind::text_to_image: {
        const models::Denoiser &d = *b.denoiser;
        const Shape s = d.sample_shape();
        const int64_t space = b.autoencoder ? b.autoencoder->downscale_factor() : 1;
        out.channels = b.autoencoder ? int32_t(b.autoencoder->image_shape()[0]) : int32_t(s[0]);
        out.width = int32_t(s[2] * space);
        out.height = int32_t(s[1] * space);
        out.latent_channels = int32_t(s[0]);
        out.latent_factor = b.autoencoder ? int32_t(space) : 0;
        out.latent_size = s[1] > 0 ? s.numel() : 0;
        out.size_factor = int32_t(runtime::image_size_factor(b));
        out.default_steps = int32_t(d.training().default_steps);
        out.takes_prompt = d.context_dim() > 0;
        out.has_encoder = b.autoencoder && b.autoencoder->has_encoder();
        break;
      }
    }
    capi::write_struct(info, out, "aigc_image_model_get_info");
  });
}

aigc_status aigc_image_model_meta(const aigc_image_model *model, const char *key, char *buffer, size_t buffer_size,
                                  size_t *needed) {
  return guard([&] {
    const models::ImageModelBundle &b = model_of(model, "aigc_image_model_meta").bundle;
    AIGC_CAPI_NOT_NULL(key, "aigc_image_model_meta");
    const std::string k = key;
    std::string value;
    if (k == "name") {
      value = b.info.name;
    } else if (k == "architecture") {
      value = b.info.architecture;
    } else if (k == "weights_sha256") {
      value = b.weights_sha256;
    } else if (k == "default_sampler" && b.denoiser) {
      value = b.denoiser->training().default_sampler;
    } else if (k.rfind("class:", 0) == 0) {
      char *end = nullptr;
      const long index = std::strtol(k.c_str() + 6, &end, 10);
      AIGC_CHECK(end != k.c_str() + 6 && *end == '\0' && index >= 0 && index < b.info.num_classes,
                 Status::invalid_argument, "aigc_image_model_meta: '{}': the model has {} classes", k,
                 b.info.num_classes);
      value = size_t(index) < b.info.class_names.size() ? b.info.class_names[size_t(index)] : std::to_string(index);
    } else {
      fail(Status::invalid_argument,
           "aigc_image_model_meta: unknown key '{}' (name, architecture, weights_sha256, default_sampler, class:N)", k);
    }
    capi::copy_out(value, buffer, buffer_size, needed, "aigc_image_model_meta");
  });
}

aigc_status aigc_image_job_new(aigc_image_job **job) {
  if (job) *job = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(job, "aigc_image_job_new");
    *job = new aigc_image_job();
  });
}

void aigc_image_job_cancel(aigc_image_job *job) {
  if (job) job->cancel.store(true);
}

void aigc_image_job_free(aigc_image_job *job) { delete job; }

aigc_status aigc_image_params_init(aigc_image_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, image_defaults(), "aigc_image_params_init"); });
}

aigc_status aigc_image_generate(const aigc_image_model *model, const aigc_image_params *params,
                                aigc_image_progress_callback callback, void *user_data, aigc_images **images) {
  if (images) *images = nullptr;
  JobScope scope{params && params->struct_size >= offsetof(aigc_image_params, job) + sizeof(void *) ? params->job
                                                                                                      : nullptr};
  return guard([&] {
    const char *what = "aigc_image_generate";
    AIGC_CAPI_NOT_NULL(images, what);
    const runtime::ImageModel &m = model_of(model, what);
    const Call c = read_call(m, params, callback, user_data, what);
    const models::ImageModelBundle &b = m.bundle;
    check_cancel(c);
    const bool diffusion = b.kind == models::ImageModelKind::diffusion || b.kind == models::ImageModelKind::text_to_image;
    AIGC_CHECK(diffusion || (c.p.init_image == nullptr && c.p.step_noise == nullptr && !c.p.prompt && !c.p.sampler),
               Status::invalid_argument,
               "{}: init images, prompts, samplers and step noise are for diffusion models; '{}' is not one", what,
               b.info.name);
    std::unique_ptr<aigc_images> out;
    if (b.kind == models::ImageModelKind::gan) {
      runtime::GanOptions o;
      o.count = c.p.count;
      o.seed = c.p.seed;
      o.label = c.p.class_label;
      o.labels = per_image_labels(c.p);
      Shape shape = b.generator->latent_shape();
      shape.insert(0, c.p.count);
      if (c.p.latents || c.p.n_latents) o.latents = copy_floats(c.p.latents, c.p.n_latents, shape, "latents");
      out = make_images(m, runtime::gan_generate(c.ctx, *b.generator, o), c);
    } else if (b.kind == models::ImageModelKind::vae) {
      const models::Autoencoder &ae = *b.autoencoder;
      Tensor z;
      if (c.p.latents || c.p.n_latents) {
        Shape shape = runtime::vae_latent_shape(ae, c.p.width, c.p.height);
        shape.insert(0, c.p.count);
        z = copy_floats(c.p.latents, c.p.n_latents, shape, "latents");
      } else {
        z = runtime::vae_prior_latents(ae, c.p.count, c.p.seed, c.p.width, c.p.height);
      }
      out = make_images(m, runtime::vae_decode(c.ctx, ae, z, c.p.class_label, per_image_labels(c.p)), c);
    } else {
      const runtime::DiffusionOptions o = diffusion_options(m, c);
      const runtime::DiffusionResult r = runtime::diffusion_generate(c.ctx, b, o);
      out = make_images(m, r.images, c);
      ImagesProvenance &pv = out->provenance;
      pv.diffusion = true;
      pv.sampler = r.sampler;
      pv.steps = r.steps;
      pv.cfg = r.cfg_scale;
      pv.prompt = o.prompt;
      pv.negative_prompt = o.negative_prompt;
      pv.img2img = o.init_image.defined();
      pv.strength = o.strength;
    }
    *images = out.release();
  });
}

aigc_status aigc_gan_interpolate(const aigc_image_model *model, uint64_t seed_a, uint64_t seed_b, int32_t frames,
                                 int32_t method, int32_t class_label, const aigc_image_params *params,
                                 aigc_images **images) {
  if (images) *images = nullptr;
  return guard([&] {
    const char *what = "aigc_gan_interpolate";
    AIGC_CAPI_NOT_NULL(images, what);
    const runtime::ImageModel &m = model_of(model, what);
    AIGC_CHECK(m.bundle.generator != nullptr, Status::invalid_argument, "{}: '{}' is not a GAN", what,
               m.bundle.info.name);
    AIGC_CHECK(method == AIGC_INTERPOLATION_LERP || method == AIGC_INTERPOLATION_SLERP, Status::invalid_argument,
               "{}: method must be AIGC_INTERPOLATION_LERP or _SLERP, got {}", what, method);
    const Call c = read_call(m, params, nullptr, nullptr, what);
    const Tensor display = runtime::gan_interpolate(
        c.ctx, *m.bundle.generator, seed_a, seed_b, frames,
        method == AIGC_INTERPOLATION_SLERP ? runtime::Interpolation::slerp : runtime::Interpolation::lerp, class_label);
    auto out = make_images(m, display, c);
    out->provenance.seeded = false;  // frames mix two seeds
    out->provenance.label = class_label;
    *images = out.release();
  });
}

aigc_status aigc_gan_score(const aigc_image_model *model, const float *pixels, size_t n_pixels, int32_t count,
                           float *logits) {
  return guard([&] {
    const char *what = "aigc_gan_score";
    const runtime::ImageModel &m = model_of(model, what);
    AIGC_CHECK(m.bundle.discriminator != nullptr, Status::invalid_argument, "{}: '{}' has no discriminator", what,
               m.bundle.info.name);
    AIGC_CAPI_NOT_NULL(pixels, what);
    AIGC_CAPI_NOT_NULL(logits, what);
    AIGC_CHECK(count >= 1, Status::invalid_argument, "{}: count must be >= 1, got {}", what, count);
    Shape shape = m.bundle.discriminator->image_shape();
    shape.insert(0, count);
    AIGC_CHECK(n_pixels == size_t(shape.numel()), Status::invalid_argument, "{}: {} floats, expected {} ({})", what,
               n_pixels, shape.numel(), shape.to_string());
    const Tensor x = copy_floats(pixels, n_pixels, shape, what);
    const std::vector<float> l =
        runtime::gan_score(m.exec(default_threads()), *m.bundle.discriminator, x, m.bundle.generator->pixel_range())
            .to_f32_vector();
    AIGC_ASSERT(l.size() == size_t(count));
    std::copy(l.begin(), l.end(), logits);
  });
}

aigc_status aigc_vae_encode(const aigc_image_model *model, const float *pixels, int32_t count, int32_t channels,
                            int32_t height, int32_t width, int32_t mode, uint64_t seed, float *latents,
                            size_t latent_capacity, size_t *needed) {
  return guard([&] {
    const char *what = "aigc_vae_encode";
    const runtime::ImageModel &m = model_of(model, what);
    AIGC_CHECK(m.bundle.autoencoder != nullptr, Status::invalid_argument, "{}: '{}' has no autoencoder", what,
               m.bundle.info.name);
    AIGC_CAPI_NOT_NULL(pixels, what);
    AIGC_CHECK(count >= 1 && channels >= 1 && height >= 1 && width >= 1, Status::invalid_argument,
               "{}: count, channels, height and width must be >= 1", what);
    AIGC_CHECK(mode == 0 || mode == 1, Status::invalid_argument, "{}: mode must be 0 (mean) or 1 (sample), got {}",
               what, mode);
    const models::Autoencoder &ae = *m.bundle.autoencoder;
    const Shape latent = runtime::vae_latent_shape(ae, width, height);
    const size_t need = size_t(latent.numel()) * size_t(count);
    if (needed) *needed = need;
    AIGC_CHECK(latent_capacity >= need, Status::buffer_too_small, "{}: room for {} floats, {} needed", what,
               latent_capacity, need);
    AIGC_CAPI_NOT_NULL(latents, what);
    const Shape shape({count, channels, height, width});
    const Tensor x = copy_floats(pixels, size_t(shape.numel()), shape, what);
    const std::vector<float> z =
        runtime::vae_encode(m.exec(default_threads()), ae, x,
                            mode == 1 ? runtime::EncodeMode::sample : runtime::EncodeMode::mean, seed)
            .to_f32_vector();
    AIGC_CHECK(z.size() == need, Status::shape_mismatch, "{}: the encoder made {} floats, expected {}", what, z.size(),
               need);
    std::copy(z.begin(), z.end(), latents);
  });
}

aigc_status aigc_vae_decode(const aigc_image_model *model, const float *latents, size_t n_latents, int32_t count,
                            int32_t latent_height, int32_t latent_width, int32_t class_label, float *pixels,
                            size_t pixel_capacity, size_t *needed) {
  return guard([&] {
    const char *what = "aigc_vae_decode";
    const runtime::ImageModel &m = model_of(model, what);
    AIGC_CHECK(m.bundle.autoencoder != nullptr, Status::invalid_argument, "{}: '{}' has no autoencoder", what,
               m.bundle.info.name);
    AIGC_CAPI_NOT_NULL(latents, what);
    AIGC_CHECK(count >= 1, Status::invalid_argument, "{}: count must be >= 1, got {}", what, count);
    const models::Autoencoder &ae = *m.bundle.autoencoder;
    const int64_t f = ae.downscale_factor();
    const Shape shape = f == 0 ? Shape({count, ae.latent_channels()})
                               : Shape({count, ae.latent_channels(), latent_height, latent_width});
    AIGC_CHECK(f == 0 || (latent_height >= 1 && latent_width >= 1), Status::invalid_argument,
               "{}: latent_height and latent_width must be >= 1 for this model", what);
    const Tensor z = copy_floats(latents, n_latents, shape, what);
    // The output size, known before decoding (a sizing call with NULL does no work).
    const Shape image = ae.image_shape();
    const size_t need = size_t(count) * size_t(image[0]) *
                        (f == 0 ? size_t(image[1] * image[2]) : size_t(latent_height * f) * size_t(latent_width * f));
    if (needed) *needed = need;
    AIGC_CHECK(pixel_capacity >= need, Status::buffer_too_small, "{}: room for {} floats, {} needed", what,
               pixel_capacity, need);
    AIGC_CAPI_NOT_NULL(pixels, what);
    const std::vector<float> img = runtime::vae_decode(m.exec(default_threads()), ae, z, class_label).to_f32_vector();
    AIGC_CHECK(img.size() == need, Status::internal, "{}: the decoder made {} floats, expected {}", what, img.size(), need);
    std::copy(img.begin(), img.end(), pixels);
  });
}

size_t aigc_images_count(const aigc_images *images) { return images ? images->images.size() : 0; }

namespace {
const io::ImageU8 &image_at(const aigc_images *images, int32_t index, const char *what) {
  AIGC_CHECK(images != nullptr, Status::invalid_argument, "{}: images is NULL", what);
  if (index == -1) {
    auto *mut = const_cast<aigc_images *>(images);
    std::call_once(mut->grid_once, [&] { mut->grid = make_grid(mut->images, mut->grid_columns); });
    return images->grid;
  }
  AIGC_CHECK(index >= 0 && size_t(index) < images->images.size(), Status::invalid_argument,
             "{}: index {} is out of range ({} images; -1 for the grid)", what, index, images->images.size());
  return images->images[size_t(index)];
}
}  // namespace

aigc_status aigc_images_get(const aigc_images *images, int32_t index, int32_t *width, int32_t *height,
                            int32_t *channels, const uint8_t **pixels) {
  return guard([&] {
    const io::ImageU8 &img = image_at(images, index, "aigc_images_get");
    if (width) *width = img.width;
    if (height) *height = img.height;
    if (channels) *channels = img.channels;
    if (pixels) *pixels = img.pixels.data();
  });
}

void aigc_images_free(aigc_images *images) { delete images; }

aigc_status aigc_png_params_init(aigc_png_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, kPngDefaults, "aigc_png_params_init"); });
}

aigc_status aigc_images_write_png(const aigc_images *images, int32_t index, const char *path,
                                  const aigc_png_params *params) {
  return guard([&] {
    const char *what = "aigc_images_write_png";
    AIGC_CAPI_NOT_NULL(path, what);
    const aigc_png_params p = capi::read_params(params, kPngDefaults, what);
    AIGC_CHECK(p.compression_level >= 0 && p.compression_level <= 9, Status::invalid_argument,
               "{}: compression_level must be 0..9, got {}", what, p.compression_level);
    const io::ImageU8 &img = image_at(images, index, what);
    std::vector<io::PngText> text;
    if (p.provenance) {
      const ImagesProvenance &pv = images->provenance;
      io::ImageProvenance prov;
      prov.model_name = pv.model_name;
      prov.model_sha256 = pv.model_sha256;
      // Image k was made with seed + k (the seeding rule); a grid records the first seed.
      if (pv.seeded) prov.seed = pv.seed + uint64_t(index < 0 ? 0 : index);
      if (pv.diffusion) {
        prov.sampler = pv.sampler;
        prov.steps = int(pv.steps);
        prov.guidance = pv.cfg;
        prov.prompt = pv.prompt;
        prov.negative_prompt = pv.negative_prompt;
        if (pv.img2img) prov.strength = pv.strength;
      }
      if (pv.label >= 0) prov.extra.emplace_back("Class", std::to_string(pv.label));
      if (index < 0) prov.extra.emplace_back("Grid", std::to_string(images->images.size()) + " images");
      text = io::provenance_text(prov);
    }
    io::PngWriteOptions wo;
    wo.compression_level = p.compression_level;
    io::write_png(path, img, text, wo);
  });
}

}  // extern "C"
