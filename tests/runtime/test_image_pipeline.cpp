// The image pipelines (src/runtime/{gan,vae,diffusion}_pipeline) on small fake models
// whose outputs are known in closed form:
//   - a "GAN" whose generator is a fixed linear map of the latent;
//   - an "autoencoder" that is an exact linear code (flat) or a 2x2 average (spatial);
//   - a denoiser that is the exact epsilon-predictor for data concentrated at one point c
//     (eps = (x - sqrt(abar_t) c) / sqrt(1 - abar_t)): every deterministic and ancestral
//     DDPM-family sampler must end exactly at c, whatever the noise.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "aigc/core/error.hpp"
#include "backend/registry.hpp"
#include "runtime/diffusion_pipeline.hpp"
#include "runtime/gan_pipeline.hpp"
#include "runtime/vae_pipeline.hpp"

using namespace aigc;
using namespace aigc::runtime;

namespace {

ExecContext cpu() { return {&get_backend("cpu"), 1}; }

std::vector<float> values(const Tensor &t) { return t.contiguous().to_f32_vector(); }

template <class Fn>
Status status_of(Fn &&fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.status();
  }
  return Status::ok;
}

// ---- fake GAN: image = A z, A[p][i] = (p + 1) * 0.1 * (i % 2 ? -1 : 1), + label * 0.01 -------
class FakeGenerator final : public models::Generator {
 public:
  explicit FakeGenerator(int64_t classes) { info_.num_classes = classes; info_.name = "fake-gan"; }
  const models::ImageModelInfo &info() const override { return info_; }
  Shape latent_shape() const override { return Shape({5}); }  // odd on purpose
  Shape image_shape() const override { return Shape({1, 2, 2}); }
  models::PixelRange pixel_range() const override { return models::PixelRange::minus_one_one(); }
  Tensor generate(const ExecContext &, const Tensor &z, const Tensor &labels) const override {
    const int64_t n = z.size(0);
    CHECK(labels.defined() == (info_.num_classes > 0));
    std::vector<float> zs = z.to_f32_vector(), out(size_t(n * 4));
    for (int64_t k = 0; k < n; ++k)
      for (int p = 0; p < 4; ++p) {
        double v = labels.defined() ? labels.data_as<int32_t>()[k] * 0.01 : 0.0;
        for (int i = 0; i < 5; ++i) v += (p + 1) * 0.1 * (i % 2 ? -1 : 1) * zs[size_t(k * 5 + i)];
        out[size_t(k * 4 + p)] = float(v);
      }
    return Tensor::from_vector(out, Shape({n, 1, 2, 2}));
  }
  static float expected(const float *z, int p, int label) {
    double v = label * 0.01;
    for (int i = 0; i < 5; ++i) v += (p + 1) * 0.1 * (i % 2 ? -1 : 1) * z[i];
    return float(v) * 0.5f + 0.5f;  // display
  }

 private:
  models::ImageModelInfo info_;
};

}  // namespace

TEST_CASE("gan pipeline: seeded latents follow the documented rule") {
  FakeGenerator g(0);
  const Tensor z = gan_latents(g, 3, 42);
  REQUIRE(z.shape() == Shape({3, 5}));
  for (int k = 0; k < 3; ++k) {
    sampling::Rng rng(42 + k);
    float want[5];
    sampling::fill_normal(rng, want, 5);
    for (int i = 0; i < 5; ++i) CHECK(z.data_as<float>()[k * 5 + i] == want[i]);
  }
  GanOptions o;
  o.count = 3;
  o.seed = 42;
  const std::vector<float> img = values(gan_generate(cpu(), g, o));
  for (int k = 0; k < 3; ++k)
    for (int p = 0; p < 4; ++p)
      CHECK(img[size_t(k * 4 + p)] == doctest::Approx(FakeGenerator::expected(z.data_as<float>() + k * 5, p, 0)).epsilon(1e-6));
  // Sample 2 of the batch is sample 0 of seed 44.
  o.count = 1;
  o.seed = 44;
  const std::vector<float> single = values(gan_generate(cpu(), g, o));
  for (int p = 0; p < 4; ++p) CHECK(single[size_t(p)] == img[size_t(8 + p)]);
  o.seed = 45;
  CHECK(values(gan_generate(cpu(), g, o)) != single);
  // Explicit latents of the wrong shape, labels on an unconditional model.
  o.latents = Tensor::zeros(Shape({1, 4}), DType::f32);
  CHECK(status_of([&] { gan_generate(cpu(), g, o); }) == Status::shape_mismatch);
  o.latents = Tensor();
  o.label = 0;
  CHECK(status_of([&] { gan_generate(cpu(), g, o); }) == Status::invalid_argument);
  o.count = 0;
  o.label = -1;
  CHECK(status_of([&] { gan_generate(cpu(), g, o); }) == Status::invalid_argument);
}

TEST_CASE("gan pipeline: class labels") {
  FakeGenerator g(3);
  GanOptions o;
  o.count = 4;
  o.seed = 7;
  const Tensor z = gan_latents(g, 4, 7);
  const std::vector<float> each = values(gan_generate(cpu(), g, o));  // label -1: k % 3
  for (int k = 0; k < 4; ++k)
    CHECK(each[size_t(k * 4)] == doctest::Approx(FakeGenerator::expected(z.data_as<float>() + k * 5, 0, k % 3)).epsilon(1e-6));
  o.label = 2;
  const std::vector<float> two = values(gan_generate(cpu(), g, o));
  for (int k = 0; k < 4; ++k)
    CHECK(two[size_t(k * 4 + 3)] == doctest::Approx(FakeGenerator::expected(z.data_as<float>() + k * 5, 3, 2)).epsilon(1e-6));
  for (int64_t bad : {3, -2, 100}) {
    o.label = bad;
    CHECK(status_of([&] { gan_generate(cpu(), g, o); }) == Status::invalid_argument);
  }
}

TEST_CASE("gan pipeline: lerp and slerp interpolation") {
  const Tensor a = Tensor::from_vector(std::vector<float>{1, 0, 0}, Shape({1, 3}));
  const Tensor b = Tensor::from_vector(std::vector<float>{0, 2, 0}, Shape({1, 3}));
  const std::vector<float> lerp = values(interpolate_latents(a, b, 3, Interpolation::lerp));
  CHECK(lerp == std::vector<float>{1, 0, 0, 0.5f, 1, 0, 0, 2, 0});
  const std::vector<float> slerp = values(interpolate_latents(a, b, 3, Interpolation::slerp));
  // Orthogonal latents: the midpoint is (sin(pi/4) a + sin(pi/4) b) / sin(pi/2).
  const float h = float(std::sqrt(0.5));
  CHECK(slerp[0] == doctest::Approx(1));
  CHECK(slerp[3] == doctest::Approx(h));
  CHECK(slerp[4] == doctest::Approx(2 * h));
  CHECK(slerp[7] == doctest::Approx(2));
  // Parallel latents fall back to lerp instead of dividing by sin(0).
  const std::vector<float> par = values(interpolate_latents(a, a, 2, Interpolation::slerp));
  CHECK(par == std::vector<float>{1, 0, 0, 1, 0, 0});
  CHECK(status_of([&] { interpolate_latents(a, b, 1, Interpolation::lerp); }) == Status::invalid_argument);

  FakeGenerator g(0);
  const std::vector<float> frames = values(gan_interpolate(cpu(), g, 3, 9, 4, Interpolation::slerp, -1));
  GanOptions o;
  o.seed = 3;
  const std::vector<float> first = values(gan_generate(cpu(), g, o));
  o.seed = 9;
  const std::vector<float> last = values(gan_generate(cpu(), g, o));
  for (int p = 0; p < 4; ++p) {
    CHECK(frames[size_t(p)] == doctest::Approx(first[size_t(p)]).epsilon(1e-5));
    CHECK(frames[size_t(12 + p)] == doctest::Approx(last[size_t(p)]).epsilon(1e-5));
  }
  FakeGenerator cg(2);
  CHECK(status_of([&] { gan_interpolate(cpu(), cg, 3, 9, 4, Interpolation::lerp, -1); }) == Status::invalid_argument);
}

// ---- fake autoencoders ---------------------------------------------------------------------

namespace {

// Flat: latent = 2 * pixels (4 values, pixel range [0, 1]), logvar = log(0.25); decode inverts.
class FlatAe final : public models::Autoencoder {
 public:
  FlatAe() { info_.name = "flat-ae"; }
  const models::ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return true; }
  int64_t latent_channels() const override { return 4; }
  int64_t downscale_factor() const override { return 0; }
  Shape image_shape() const override { return Shape({1, 2, 2}); }
  models::PixelRange pixel_range() const override { return models::PixelRange::zero_one(); }
  models::LatentDistribution encode(const ExecContext &, const Tensor &images) const override {
    std::vector<float> v = images.to_f32_vector();
    for (float &x : v) x *= 2;
    const int64_t n = images.size(0);
    return {Tensor::from_vector(v, Shape({n, 4})),
            Tensor::from_vector(std::vector<float>(v.size(), std::log(0.25f)), Shape({n, 4}))};
  }
  Tensor decode(const ExecContext &, const Tensor &z, const Tensor &) const override {
    std::vector<float> v = z.to_f32_vector();
    for (float &x : v) x *= 0.5f;
    return Tensor::from_vector(v, Shape({z.size(0), 1, 2, 2}));
  }

 private:
  models::ImageModelInfo info_;
};

// Spatial, factor 2, one latent channel: encode = 2x2 average (pixel range [-1, 1]),
// decode = nearest upsampling; scaling factor 0.5.
class SpatialAe final : public models::Autoencoder {
 public:
  SpatialAe() { info_.name = "spatial-ae"; }
  const models::ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return true; }
  int64_t latent_channels() const override { return 1; }
  int64_t downscale_factor() const override { return 2; }
  Shape image_shape() const override { return Shape({1, 0, 0}); }
  models::PixelRange pixel_range() const override { return models::PixelRange::minus_one_one(); }
  float scaling_factor() const override { return 0.5f; }
  models::LatentDistribution encode(const ExecContext &, const Tensor &images) const override {
    const int64_t n = images.size(0), h = images.size(2) / 2, w = images.size(3) / 2;
    const std::vector<float> v = images.to_f32_vector();
    std::vector<float> out(size_t(n * h * w));
    for (int64_t k = 0; k < n; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const float *p = v.data() + k * 4 * h * w;
          out[size_t((k * h + y) * w + x)] = 0.25f * (p[(2 * y) * 2 * w + 2 * x] + p[(2 * y) * 2 * w + 2 * x + 1] +
                                                      p[(2 * y + 1) * 2 * w + 2 * x] + p[(2 * y + 1) * 2 * w + 2 * x + 1]);
        }
    return {Tensor::from_vector(out, Shape({n, 1, h, w})), Tensor()};
  }
  Tensor decode(const ExecContext &, const Tensor &z, const Tensor &) const override {
    const int64_t n = z.size(0), h = z.size(2), w = z.size(3);
    const std::vector<float> v = z.to_f32_vector();
    std::vector<float> out(size_t(n * 4 * h * w));
    for (int64_t k = 0; k < n; ++k)
      for (int64_t y = 0; y < 2 * h; ++y)
        for (int64_t x = 0; x < 2 * w; ++x)
          out[size_t((k * 2 * h + y) * 2 * w + x)] = v[size_t((k * h + y / 2) * w + x / 2)];
    return Tensor::from_vector(out, Shape({n, 1, 2 * h, 2 * w}));
  }

 private:
  models::ImageModelInfo info_;
};

}  // namespace

TEST_CASE("vae pipeline: prior, encode (mean and seeded sample), decode, round trip") {
  FlatAe ae;
  const Tensor z = vae_prior_latents(ae, 2, 5);
  REQUIRE(z.shape() == Shape({2, 4}));
  sampling::Rng r(6);
  float want[4];
  sampling::fill_normal(r, want, 4);
  for (int i = 0; i < 4; ++i) CHECK(z.data_as<float>()[4 + i] == want[i]);

  const Tensor img = Tensor::from_vector(std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}, Shape({1, 1, 2, 2}));
  CHECK(values(vae_encode(cpu(), ae, img)) == std::vector<float>{0.2f, 0.4f, 0.6f, 0.8f});
  // Sample: mean + exp(logvar / 2) * eps = mean + 0.5 eps, eps from Rng(seed).
  const std::vector<float> s = values(vae_encode(cpu(), ae, img, EncodeMode::sample, 11));
  sampling::Rng r11(11);
  sampling::fill_normal(r11, want, 4);
  for (int i = 0; i < 4; ++i) CHECK(s[size_t(i)] == doctest::Approx(0.2f * (i + 1) + 0.5f * want[i]).epsilon(1e-6));
  const std::vector<float> rt = values(vae_round_trip(cpu(), ae, img));
  for (int i = 0; i < 4; ++i) CHECK(rt[size_t(i)] == doctest::Approx(0.1f * (i + 1)));
  CHECK(status_of([&] { vae_decode(cpu(), ae, Tensor::zeros(Shape({1, 5}), DType::f32)); }) == Status::shape_mismatch);
  CHECK(status_of([&] { vae_decode(cpu(), ae, z, 3); }) == Status::invalid_argument);

  SpatialAe sp;
  CHECK(vae_prior_latents(sp, 1, 0, 8, 6).shape() == Shape({1, 1, 3, 4}));
  CHECK(status_of([&] { vae_prior_latents(sp, 1, 0, 7, 6); }) == Status::invalid_argument);
  CHECK(status_of([&] { vae_prior_latents(sp, 1, 0, 0, 0); }) == Status::invalid_argument);
}

// ---- fake denoisers --------------------------------------------------------------------------

namespace {

// Exact epsilon for data at the point c (per class: c = 0.3 - 0.2 * label).
class PointDenoiser final : public models::Denoiser {
 public:
  PointDenoiser(int64_t classes, Shape shape, bool clamp, float c, int64_t factor = 1) : shape_(shape), c_(c), factor_(factor) {
    info_.name = "point";
    info_.architecture = "fake";
    info_.num_classes = classes;
    training_.clamp_sample = clamp;
    training_.default_sampler = "ddim";
    training_.default_steps = 20;
    training_.alphas_cumprod = sampling::make_alphas_cumprod(config());
  }
  static sampling::SchedulerConfig config() {
    sampling::SchedulerConfig c;
    c.spacing = sampling::TimestepSpacing::trailing;
    return c;
  }
  const models::ImageModelInfo &info() const override { return info_; }
  const models::DiffusionTraining &training() const override { return training_; }
  Shape sample_shape() const override { return shape_; }
  int64_t spatial_factor() const override { return factor_; }
  float target(int32_t label) const { return info_.num_classes ? 0.3f - 0.2f * float(label) : c_; }
  Tensor predict(const ExecContext &, const Tensor &x, const Tensor &t, const models::DenoiserCondition &c) const override {
    ++calls;
    CHECK(c.labels.defined() == (info_.num_classes > 0));
    const int64_t n = x.size(0), per = x.numel() / n;
    std::vector<float> v = x.to_f32_vector();
    const std::vector<float> ts = t.to_f32_vector();
    for (int64_t k = 0; k < n; ++k) {
      const double abar = training_.alphas_cumprod[size_t(std::lround(ts[size_t(k)]))];
      const float target_k = target(c.labels.defined() ? c.labels.data_as<int32_t>()[k] : 0);
      for (int64_t i = 0; i < per; ++i) {
        float &e = v[size_t(k * per + i)];
        e = float((e - std::sqrt(abar) * target_k) / std::sqrt(1 - abar));
      }
    }
    return Tensor::from_vector(v, x.shape());
  }
  mutable std::atomic<int> calls{0};

 private:
  models::ImageModelInfo info_;
  models::DiffusionTraining training_;
  Shape shape_;
  float c_;
  int64_t factor_;
};

models::ImageModelBundle point_bundle(std::shared_ptr<models::Denoiser> d, std::shared_ptr<models::Autoencoder> ae = nullptr) {
  models::ImageModelBundle b;
  b.info = d->info();
  b.kind = models::ImageModelKind::diffusion;
  b.denoiser = d;
  b.autoencoder = ae;
  b.scheduler = PointDenoiser::config();
  return b;
}

}  // namespace

TEST_CASE("diffusion pipeline: every DDPM-family sampler lands on the data point") {
  auto d = std::make_shared<PointDenoiser>(0, Shape({1, 3, 2}), false, 0.25f);
  const auto b = point_bundle(d);
  for (const char *sampler : {"ddim", "ddpm"}) {
    DiffusionOptions o;
    o.sampler = sampler;
    o.steps = 25;
    o.count = 2;
    o.seed = 3;
    const DiffusionResult r = diffusion_generate(cpu(), b, o);
    CAPTURE(sampler);
    CHECK(r.images.shape() == Shape({2, 1, 3, 2}));
    CHECK(r.steps == 25);
    for (float v : values(r.latents)) CHECK(v == doctest::Approx(0.25f).epsilon(1e-3));
    for (float v : values(r.images)) CHECK(v == doctest::Approx(0.625f).epsilon(1e-3));  // [-1,1] -> display
  }
  DiffusionOptions o;  // defaults: the model's sampler and steps
  const DiffusionResult r = diffusion_generate(cpu(), b, o);
  CHECK(r.sampler == "ddim");
  CHECK(r.steps == 20);
  CHECK(r.cfg_scale == 1.0);
}

TEST_CASE("diffusion pipeline: seeding rule, determinism, explicit noise") {
  // DDPM with a denoiser that always predicts zero noise: the drawn noise shows in the result.
  auto d = std::make_shared<PointDenoiser>(0, Shape({1, 2, 2}), false, 0.f);
  auto b = point_bundle(d);
  b.scheduler.variance_type = "fixed_large";
  DiffusionOptions o;
  o.sampler = "ddpm";
  o.steps = 3;
  o.count = 3;
  o.seed = 100;
  // The documented draw order, replayed as explicit noise, gives identical latents.
  std::vector<sampling::Rng> rngs = sample_rngs(100, 3);
  const Tensor noise0 = normal_batch(rngs, Shape({1, 2, 2}));
  std::vector<float> steps_noise;
  for (int s = 0; s < 3; ++s) {  // trailing spacing 999, 666, 333: every step adds noise
    const std::vector<float> n = values(normal_batch(rngs, Shape({1, 2, 2})));
    steps_noise.insert(steps_noise.end(), n.begin(), n.end());
  }
  class Zero final : public models::Denoiser {
   public:
    explicit Zero(const models::Denoiser &p) : p_(p) {}
    const models::ImageModelInfo &info() const override { return p_.info(); }
    const models::DiffusionTraining &training() const override { return p_.training(); }
    Shape sample_shape() const override { return p_.sample_shape(); }
    Tensor predict(const ExecContext &, const Tensor &x, const Tensor &, const models::DenoiserCondition &) const override {
      return Tensor::zeros(x.shape(), DType::f32);
    }
    const models::Denoiser &p_;
  };
  auto zb = b;
  zb.denoiser = std::make_shared<Zero>(*d);
  const std::vector<float> seeded = values(diffusion_generate(cpu(), zb, o).latents);
  DiffusionOptions e = o;
  e.seed = 999;  // ignored for explicit noise
  e.initial_noise = noise0;
  e.step_noise = Tensor::from_vector(steps_noise, Shape({3, 3, 1, 2, 2}));
  CHECK(values(diffusion_generate(cpu(), zb, e).latents) == seeded);
  CHECK(values(diffusion_generate(cpu(), zb, o).latents) == seeded);  // same seed, same result
  // Sample 1 of seed 100 is sample 0 of seed 101.
  DiffusionOptions one = o;
  one.count = 1;
  one.seed = 101;
  const std::vector<float> s101 = values(diffusion_generate(cpu(), zb, one).latents);
  CHECK(std::vector<float>(seeded.begin() + 4, seeded.begin() + 8) == s101);
  one.seed = 102;
  CHECK(values(diffusion_generate(cpu(), zb, one).latents) != s101);
  // Too little explicit step noise.
  e.step_noise = Tensor::from_vector(std::vector<float>(12, 0.f), Shape({1, 3, 1, 2, 2}));
  CHECK(status_of([&] { diffusion_generate(cpu(), zb, e); }) == Status::invalid_argument);
  e.initial_noise = Tensor::zeros(Shape({3, 1, 2, 3}), DType::f32);
  CHECK(status_of([&] { diffusion_generate(cpu(), zb, e); }) == Status::shape_mismatch);
}

TEST_CASE("diffusion pipeline: class labels, guidance and bad arguments") {
  auto d = std::make_shared<PointDenoiser>(3, Shape({1, 2, 2}), false, 0.f);
  const auto b = point_bundle(d);
  DiffusionOptions o;
  o.count = 4;
  o.steps = 10;
  const std::vector<float> r = values(diffusion_generate(cpu(), b, o).latents);
  for (int k = 0; k < 4; ++k) CHECK(r[size_t(4 * k)] == doctest::Approx(d->target(k % 3)).epsilon(1e-3));
  o.label = 2;
  for (float v : values(diffusion_generate(cpu(), b, o).latents)) CHECK(v == doctest::Approx(d->target(2)).epsilon(1e-3));

  auto bad = [&](auto change) {
    DiffusionOptions x = o;
    change(x);
    return status_of([&] { diffusion_generate(cpu(), b, x); });
  };
  CHECK(bad([](DiffusionOptions &x) { x.label = 3; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.cfg_scale = 2; }) == Status::invalid_argument);  // no null class
  CHECK(bad([](DiffusionOptions &x) { x.cfg_scale = 1; }) == Status::ok);
  CHECK(bad([](DiffusionOptions &x) { x.steps = 0; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.steps = 1001; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.sampler = "plms"; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.prompt = "a cat"; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.width = 4; }) == Status::invalid_argument);  // fixed 2x2
  CHECK(bad([](DiffusionOptions &x) { x.count = 0; }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) { x.mask = Tensor::zeros(Shape({2, 2}), DType::f32); }) == Status::invalid_argument);
  CHECK(bad([](DiffusionOptions &x) {
          x.init_image = Tensor::zeros(Shape({1, 1, 2, 2}), DType::f32);
          x.strength = 0;
        }) == Status::invalid_argument);
}

TEST_CASE("diffusion pipeline: clamp_sample keeps every state in [-1, 1]") {
  auto d = std::make_shared<PointDenoiser>(0, Shape({1, 2, 2}), true, 3.f);
  DiffusionOptions o;
  o.steps = 10;
  for (float v : values(diffusion_generate(cpu(), point_bundle(d), o).latents)) CHECK(v <= 1.f);
  auto free = std::make_shared<PointDenoiser>(0, Shape({1, 2, 2}), false, 3.f);
  for (float v : values(diffusion_generate(cpu(), point_bundle(free), o).latents)) CHECK(v == doctest::Approx(3.f).epsilon(1e-3));
}

TEST_CASE("diffusion pipeline: img2img strength and inpainting in latent space") {
  // Latent model: 8x8 images, latents [1, 4, 4] (factor 2), denoiser factor 2 -> sizes % 4.
  auto d = std::make_shared<PointDenoiser>(0, Shape({1, 0, 0}), false, 0.2f, 2);
  auto b = point_bundle(d, std::make_shared<SpatialAe>());
  DiffusionOptions o;
  o.width = 8;
  o.height = 8;
  o.steps = 10;
  int64_t calls = 0, total = -1;
  o.progress.on_step = [&](int64_t step, int64_t t) {
    ++calls;
    CHECK(step == calls);
    total = t;
    return true;
  };
  // txt2img: latent -> c = 0.2 -> decoded / scaling (0.5) = 0.4 -> display 0.7.
  const DiffusionResult r = diffusion_generate(cpu(), b, o);
  CHECK(r.images.shape() == Shape({1, 1, 8, 8}));
  for (float v : values(r.images)) CHECK(v == doctest::Approx(0.7f).epsilon(1e-3));
  CHECK(calls == 10);
  CHECK(total == 10);

  // img2img at strength 0.3 runs the last 3 of 10 steps.
  std::vector<float> init(64);
  for (int i = 0; i < 64; ++i) init[size_t(i)] = float(i % 8) / 8.f;
  o.init_image = Tensor::from_vector(init, Shape({1, 1, 8, 8}));
  o.strength = 0.3;
  calls = 0;
  diffusion_generate(cpu(), b, o);
  CHECK(calls == 3);
  CHECK(total == 3);

  // Inpainting: left half kept (mask 0), right half generated (mask 1).
  std::vector<float> mask(64);
  for (int i = 0; i < 64; ++i) mask[size_t(i)] = i % 8 >= 4 ? 1.f : 0.f;
  o.mask = Tensor::from_vector(mask, Shape({8, 8}));
  o.strength = 1.0;
  calls = 0;
  const std::vector<float> out = values(diffusion_generate(cpu(), b, o).images);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      CAPTURE(x);
      // Kept: the init image through the (2x2-averaging) autoencoder.
      const float kept = ((x / 2) * 2 + 0.5f) / 8.f;
      CHECK(out[size_t(y * 8 + x)] == doctest::Approx(x >= 4 ? 0.7f : kept).epsilon(1e-3));
    }
  // Mask of the wrong size, sizes not a multiple of 4, bad init image size.
  o.mask = Tensor::zeros(Shape({4, 4}), DType::f32);
  CHECK(status_of([&] { diffusion_generate(cpu(), b, o); }) == Status::shape_mismatch);
  o.mask = Tensor();
  o.width = 6;
  CHECK(status_of([&] { diffusion_generate(cpu(), b, o); }) == Status::invalid_argument);
  o.width = 12;
  CHECK(status_of([&] { diffusion_generate(cpu(), b, o); }) == Status::shape_mismatch);
}

TEST_CASE("diffusion pipeline: cancellation by callback and from another thread") {
  auto d = std::make_shared<PointDenoiser>(0, Shape({1, 2, 2}), false, 0.f);
  const auto b = point_bundle(d);
  DiffusionOptions o;
  o.sampler = "ddpm";
  o.steps = 1000;
  o.progress.on_step = [](int64_t step, int64_t) { return step < 5; };
  d->calls = 0;
  CHECK(status_of([&] { diffusion_generate(cpu(), b, o); }) == Status::cancelled);
  CHECK(d->calls == 5);

  std::atomic<bool> cancel{false};
  o.progress.on_step = [&](int64_t step, int64_t) {
    if (step == 1) std::thread([&] { cancel.store(true); }).join();
    return true;
  };
  o.progress.cancel = &cancel;
  d->calls = 0;
  CHECK(status_of([&] { diffusion_generate(cpu(), b, o); }) == Status::cancelled);
  CHECK(d->calls <= 2);
}
