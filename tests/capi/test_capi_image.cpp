// The image C ABI (aigc.h "Image generation") on the real converted models against the
// goldens of ../shared/models/goldens (computed by the upstream PyTorch code): explicit
// latents and stored sampler noise make the goldens reachable through the API. Plus seeded
// determinism, bad input, cancellation from another thread, PNG provenance.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "aigc/aigc.h"
#include "io/png.hpp"
#include "io/safetensors.hpp"
#include "model_paths.hpp"

namespace fs = std::filesystem;

namespace {

struct ModelHandle {
  aigc_image_model *m = nullptr;
  explicit ModelHandle(const std::string &name) {
    const std::string dir = aigc::test::converted_model_dir(name);
    REQUIRE_MESSAGE(aigc_image_model_load(dir.c_str(), nullptr, &m) == AIGC_STATUS_OK,
                    "load " << dir << ": " << aigc_last_error());
  }
  ~ModelHandle() { aigc_image_model_free(m); }
};

struct Images {
  aigc_images *p = nullptr;
  ~Images() { aigc_images_free(p); }
  // The out-parameter for a call; frees what an earlier call left here (a failed call
  // stores NULL, so reusing &p directly would leak the previous images).
  aigc_images **out() {
    aigc_images_free(p);
    p = nullptr;
    return &p;
  }
  std::vector<uint8_t> pixels(int32_t index, int32_t *w = nullptr, int32_t *h = nullptr, int32_t *c = nullptr) const {
    int32_t width = 0, height = 0, channels = 0;
    const uint8_t *px = nullptr;
    REQUIRE(aigc_images_get(p, index, &width, &height, &channels, &px) == AIGC_STATUS_OK);
    if (w) *w = width;
    if (h) *h = height;
    if (c) *c = channels;
    return std::vector<uint8_t>(px, px + size_t(width) * height * channels);
  }
};

aigc_image_params params() {
  aigc_image_params p;
  REQUIRE(aigc_image_params_init(&p, sizeof p) == AIGC_STATUS_OK);
  p.n_threads = 2;
  return p;
}

std::vector<float> golden(const std::string &model, const std::string &tensor) {
  return aigc::io::SafetensorsFile::open(aigc::test::golden_path(model))->tensor(tensor).to_f32_vector();
}

// Model-space floats -> the 8-bit pixels the library should produce (display = x*scale+shift).
uint8_t to_u8(float x, float scale, float shift) {
  const float v = std::min(std::max(x * scale + shift, 0.f), 1.f);
  return uint8_t(std::lround(v * 255.f));
}

// Largest |a - b| over 8-bit images (golden in model space).
int max_u8_diff(const std::vector<uint8_t> &got, const float *want, size_t n, float scale, float shift) {
  REQUIRE(got.size() == n);
  int worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(int(got[i]) - int(to_u8(want[i], scale, shift))));
  return worst;
}

float max_abs_diff(const std::vector<float> &a, const std::vector<float> &b) {
  REQUIRE(a.size() == b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

std::string last_error() { return aigc_last_error(); }

}  // namespace

TEST_CASE("capi image: dcgan matches its golden from explicit latents; seeds are reproducible") {
  ModelHandle model("dcgan-mnist");
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  REQUIRE(aigc_image_model_get_info(model.m, &info) == AIGC_STATUS_OK);
  CHECK(info.kind == AIGC_IMAGE_MODEL_KIND_GAN);
  CHECK(info.width == 28);
  CHECK(info.height == 28);
  CHECK(info.channels == 1);
  CHECK(info.latent_size == 64);
  CHECK(info.num_classes == 0);

  const std::vector<float> z = golden("dcgan-mnist", "z"), want = golden("dcgan-mnist", "images");
  aigc_image_params p = params();
  p.count = 16;
  p.latents = z.data();
  p.n_latents = z.size();
  Images out;
  REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, out.out()) == AIGC_STATUS_OK);
  REQUIRE(aigc_images_count(out.p) == 16);
  for (int k = 0; k < 16; ++k)  // [-1, 1] -> 8 bits: within one level of the golden
    CHECK(max_u8_diff(out.pixels(k), want.data() + k * 784, 784, 0.5f, 0.5f) <= 1);

  // Seeds: same seed same pixels, another seed other pixels, image k == seed + k alone.
  aigc_image_params s = params();
  s.count = 3;
  s.seed = 1234;
  Images a, b, c, d;
  REQUIRE(aigc_image_generate(model.m, &s, nullptr, nullptr, a.out()) == AIGC_STATUS_OK);
  REQUIRE(aigc_image_generate(model.m, &s, nullptr, nullptr, b.out()) == AIGC_STATUS_OK);
  CHECK(a.pixels(0) == b.pixels(0));
  CHECK(a.pixels(2) == b.pixels(2));
  CHECK(a.pixels(0) != a.pixels(1));
  s.count = 1;
  s.seed = 1236;
  REQUIRE(aigc_image_generate(model.m, &s, nullptr, nullptr, c.out()) == AIGC_STATUS_OK);
  CHECK(c.pixels(0) == a.pixels(2));
  s.seed = 1235;
  REQUIRE(aigc_image_generate(model.m, &s, nullptr, nullptr, d.out()) == AIGC_STATUS_OK);
  CHECK(d.pixels(0) == a.pixels(1));
  CHECK(d.pixels(0) != c.pixels(0));

  // The grid: 3 images, ceil(sqrt(3)) = 2 columns -> 56 x 56, image 1 at the top right.
  int32_t w = 0, h = 0, ch = 0;
  const std::vector<uint8_t> grid = a.pixels(-1, &w, &h, &ch);
  CHECK(w == 56);
  CHECK(h == 56);
  CHECK(ch == 1);
  const std::vector<uint8_t> one = a.pixels(1);
  bool same = true;
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) same = same && grid[size_t(y * 56 + 28 + x)] == one[size_t(y * 28 + x)];
  CHECK(same);

  // Interpolation: the end frames are the seeds' images.
  Images walk;
  REQUIRE(aigc_gan_interpolate(model.m, 1234, 1236, 5, AIGC_INTERPOLATION_SLERP, -1, nullptr, walk.out()) == AIGC_STATUS_OK);
  REQUIRE(aigc_images_count(walk.p) == 5);
  CHECK(walk.pixels(0) == a.pixels(0));
  CHECK(walk.pixels(4) == c.pixels(0));
  CHECK(walk.pixels(2) != a.pixels(0));
  CHECK(aigc_gan_interpolate(model.m, 1, 2, 1, AIGC_INTERPOLATION_LERP, -1, nullptr, walk.out()) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(walk.p == nullptr);
}

TEST_CASE("capi image: mlp-gan discriminator logits and cwgan-gp class labels match their goldens") {
  {
    ModelHandle model("mlp-gan-mnist");
    aigc_image_model_info info{};
    info.struct_size = sizeof info;
    REQUIRE(aigc_image_model_get_info(model.m, &info) == AIGC_STATUS_OK);
    CHECK(info.has_discriminator == 1);
    std::vector<float> images = golden("mlp-gan-mnist", "images");
    for (float &v : images) v = v * 0.5f + 0.5f;  // the API takes 0..1 pixels
    std::vector<float> logits(16);
    REQUIRE(aigc_gan_score(model.m, images.data(), images.size(), 16, logits.data()) == AIGC_STATUS_OK);
    CHECK(max_abs_diff(logits, golden("mlp-gan-mnist", "d_fake_logit")) < 1e-4f);
    CHECK(aigc_gan_score(model.m, images.data(), images.size() - 1, 16, logits.data()) == AIGC_STATUS_INVALID_ARGUMENT);
  }
  ModelHandle model("cwgan-gp-mnist");
  const std::vector<float> z = golden("cwgan-gp-mnist", "z"), want = golden("cwgan-gp-mnist", "images");
  aigc_image_params p = params();
  p.count = 10;  // labels 0..9 = the default class_label -1 (image k gets class k % 10)
  p.latents = z.data();
  p.n_latents = z.size();
  Images out;
  REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, out.out()) == AIGC_STATUS_OK);
  for (int k = 0; k < 10; ++k) CHECK(max_u8_diff(out.pixels(k), want.data() + k * 784, 784, 0.5f, 0.5f) <= 1);
  // Explicit per-image labels equal to the golden's.
  std::vector<int32_t> labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  p.class_labels = labels.data();
  Images again;
  REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, again.out()) == AIGC_STATUS_OK);
  CHECK(again.pixels(7) == out.pixels(7));
  labels[3] = 10;
  CHECK(aigc_image_generate(model.m, &p, nullptr, nullptr, again.out()) == AIGC_STATUS_INVALID_ARGUMENT);
  p.class_labels = nullptr;
  p.latents = nullptr;
  p.n_latents = 0;
  p.class_label = 10;  // out of range
  CHECK(aigc_image_generate(model.m, &p, nullptr, nullptr, again.out()) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(last_error().find("out of range") != std::string::npos);
  CHECK(again.p == nullptr);
  size_t needed = 0;
  CHECK(aigc_image_model_meta(model.m, "class:10", nullptr, 0, &needed) == AIGC_STATUS_INVALID_ARGUMENT);
  char name[64];
  REQUIRE(aigc_image_model_meta(model.m, "name", name, sizeof name, &needed) == AIGC_STATUS_OK);
  CHECK(std::string(name) == "cwgan-gp-mnist");
}

TEST_CASE("capi image: VAE encode and decode match the vae-mnist and taef2 goldens") {
  {
    ModelHandle model("vae-mnist");
    const std::vector<float> z = golden("vae-mnist", "z"), decoded = golden("vae-mnist", "decoded");
    size_t needed = 0;
    CHECK(aigc_vae_decode(model.m, z.data(), z.size(), 8, 0, 0, -1, nullptr, 0, &needed) == AIGC_STATUS_BUFFER_TOO_SMALL);
    REQUIRE(needed == 8 * 784);
    std::vector<float> out(needed);
    REQUIRE(aigc_vae_decode(model.m, z.data(), z.size(), 8, 0, 0, -1, out.data(), out.size(), &needed) == AIGC_STATUS_OK);
    CHECK(max_abs_diff(out, decoded) < 1e-4f);

    const std::vector<float> x = golden("vae-mnist", "x"), mu = golden("vae-mnist", "mu");
    std::vector<float> latents(8 * 20);
    REQUIRE(aigc_vae_encode(model.m, x.data(), 8, 1, 28, 28, 0, 0, latents.data(), latents.size(), &needed) == AIGC_STATUS_OK);
    CHECK(needed == 160);
    CHECK(max_abs_diff(latents, mu) < 1e-4f);
    // Seeded posterior samples: reproducible, and not the mean.
    std::vector<float> s1(160), s2(160);
    REQUIRE(aigc_vae_encode(model.m, x.data(), 8, 1, 28, 28, 1, 5, s1.data(), s1.size(), nullptr) == AIGC_STATUS_OK);
    REQUIRE(aigc_vae_encode(model.m, x.data(), 8, 1, 28, 28, 1, 5, s2.data(), s2.size(), nullptr) == AIGC_STATUS_OK);
    CHECK(s1 == s2);
    CHECK(max_abs_diff(s1, mu) > 1e-3f);
    CHECK(aigc_vae_encode(model.m, x.data(), 8, 1, 28, 28, 2, 5, s2.data(), s2.size(), nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
    CHECK(aigc_vae_decode(model.m, z.data(), z.size() - 1, 8, 0, 0, -1, out.data(), out.size(), nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
    // Prior samples through aigc_image_generate.
    aigc_image_params p = params();
    p.count = 2;
    p.seed = 9;
    Images a, b;
    REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, a.out()) == AIGC_STATUS_OK);
    p.count = 1;
    p.seed = 10;
    REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, b.out()) == AIGC_STATUS_OK);
    CHECK(a.pixels(1) == b.pixels(0));
  }
  ModelHandle model("taef2");
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  REQUIRE(aigc_image_model_get_info(model.m, &info) == AIGC_STATUS_OK);
  CHECK(info.kind == AIGC_IMAGE_MODEL_KIND_VAE);
  CHECK(info.latent_channels == 32);
  CHECK(info.latent_factor == 8);
  const std::vector<float> z = golden("taef2", "rand_latent"), want = golden("taef2", "rand_decoded");
  std::vector<float> out(3 * 64 * 96);
  REQUIRE(aigc_vae_decode(model.m, z.data(), z.size(), 1, 8, 12, -1, out.data(), out.size(), nullptr) == AIGC_STATUS_OK);
  CHECK(max_abs_diff(out, want) < 2e-3f);  // f16 weights computed in f32, like the golden
  // Sizes not a multiple of the factor.
  aigc_image_params p = params();
  p.width = 60;
  p.height = 64;
  Images bad;
  CHECK(aigc_image_generate(model.m, &p, nullptr, nullptr, bad.out()) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(last_error().find("multiples of 8") != std::string::npos);
}

namespace {

struct Trajectory {
  const char *model, *init;
  float scale, shift;  // model space -> display
  std::vector<int32_t> labels;
};

// 1000 DDPM steps on a batch of 2 from the golden's start noise and stored step noise,
// through aigc_image_generate (sampler "ddpm"); the final images within one 8-bit level.
void check_trajectory(const Trajectory &k) {
  if (aigc::test::skip_slow_tests()) {
    MESSAGE("AIGC_SKIP_SLOW_TESTS is set: the 1000-step trajectory runs in the Release tests");
    return;
  }
  ModelHandle model(k.model);
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  REQUIRE(aigc_image_model_get_info(model.m, &info) == AIGC_STATUS_OK);
  CHECK(info.kind == AIGC_IMAGE_MODEL_KIND_DIFFUSION);
  CHECK(info.default_steps == 1000);
  const std::vector<float> init = golden(k.model, k.init), noise = golden(k.model, "traj_noise"),
                           final_ = golden(k.model, "traj_final");
  aigc_image_params p = params();
  p.count = 2;
  p.steps = 1000;
  p.sampler = "ddpm";
  p.latents = init.data();
  p.n_latents = init.size();
  p.step_noise = noise.data();
  p.n_step_noise = noise.size();
  if (!k.labels.empty()) p.class_labels = k.labels.data();
  auto progress = [](int32_t step, int32_t total, void *user) -> int32_t {
    auto *s = static_cast<int32_t *>(user);
    s[0] = step;
    s[1] = total;
    return 0;
  };
  int32_t state[2] = {0, 0};
  Images out;
  REQUIRE_MESSAGE(aigc_image_generate(model.m, &p, progress, state, out.out()) == AIGC_STATUS_OK, last_error());
  CHECK(state[0] == 1000);
  CHECK(state[1] == 1000);
  for (int s = 0; s < 2; ++s) CHECK(max_u8_diff(out.pixels(s), final_.data() + s * 784, 784, k.scale, k.shift) <= 1);
}

}  // namespace

TEST_CASE("capi image: dit-mnist-cond trajectory matches its golden with the stored noise") {
  check_trajectory({"dit-mnist-cond", "traj_x_init", 0.5f, 0.5f, {3, 8}});
}

TEST_CASE("capi image: ddpm-cnn-mnist trajectory matches its golden with the stored noise") {
  check_trajectory({"ddpm-cnn-mnist", "traj_z_init", 1.f, 0.5f, {}});
}

TEST_CASE("capi image: diffusion bad input") {
  ModelHandle model("dit-mnist-cond");
  auto status = [&](auto change) {
    aigc_image_params p = params();
    p.steps = 2;
    change(p);
    Images out;
    const aigc_status st = aigc_image_generate(model.m, &p, nullptr, nullptr, out.out());
    CHECK((st == AIGC_STATUS_OK) == (out.p != nullptr));
    return st;
  };
  CHECK(status([](aigc_image_params &) {}) == AIGC_STATUS_OK);
  CHECK(status([](aigc_image_params &p) { p.sampler = "plms"; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(last_error().find("plms") != std::string::npos);
  CHECK(status([](aigc_image_params &p) { p.steps = 0; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.class_label = 10; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.cfg_scale = 3.f; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(last_error().find("guidance") != std::string::npos);
  CHECK(status([](aigc_image_params &p) { p.width = 32; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.count = 0; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.n_threads = 0; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.prompt = "a seven"; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.n_latents = 3; }) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(status([](aigc_image_params &p) { p.struct_size = 2; }) == AIGC_STATUS_INVALID_ARGUMENT);
  static const uint8_t mask[28 * 28] = {};
  CHECK(status([](aigc_image_params &p) { p.mask = mask; }) == AIGC_STATUS_INVALID_ARGUMENT);

  // NULL pointers.
  aigc_images *out = nullptr;
  CHECK(aigc_image_generate(nullptr, nullptr, nullptr, nullptr, &out) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_image_generate(model.m, nullptr, nullptr, nullptr, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_image_model_get_info(model.m, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_images_get(nullptr, 0, nullptr, nullptr, nullptr, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_images_count(nullptr) == 0);
  CHECK(aigc_gan_score(model.m, nullptr, 0, 1, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);  // not a GAN
  aigc_images_free(nullptr);
  aigc_image_model_free(nullptr);
  aigc_image_job_free(nullptr);
  aigc_image_job_cancel(nullptr);

  // img2img + inpainting run on the real model (shape plumbing; pixels kept where mask = 0
  // are checked in tests/runtime/test_image_pipeline.cpp).
  std::vector<uint8_t> init(28 * 28, 0), m(28 * 28, 0);
  for (int i = 0; i < 28 * 28; ++i) m[size_t(i)] = (i % 28) >= 14 ? 255 : 0;
  CHECK(status([&](aigc_image_params &p) {
          p.init_image = init.data();
          p.init_width = 28;
          p.init_height = 28;
          p.init_channels = 1;
          p.mask = m.data();
          p.strength = 0.5f;
          p.steps = 10;
        }) == AIGC_STATUS_OK);
  CHECK(status([&](aigc_image_params &p) {
          p.init_image = init.data();
          p.init_width = 28;
          p.init_height = 28;
          p.init_channels = 1;
          p.strength = 1.5f;
        }) == AIGC_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("capi image: corrupt and missing model files") {
  aigc_image_model *m = reinterpret_cast<aigc_image_model *>(1);
  CHECK(aigc_image_model_load("/nonexistent/model-dir", nullptr, &m) != AIGC_STATUS_OK);
  CHECK(m == nullptr);
  CHECK(last_error().find("/nonexistent/model-dir") != std::string::npos);
  CHECK(aigc_image_model_load(nullptr, nullptr, &m) == AIGC_STATUS_INVALID_ARGUMENT);

  const fs::path dir = fs::temp_directory_path() / "aigc_capi_image_corrupt";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fs::path(aigc::test::converted_model_dir("dcgan-mnist")) / "config.json", dir / "config.json");
  {
    std::ifstream in(fs::path(aigc::test::converted_model_dir("dcgan-mnist")) / "model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes.resize(bytes.size() / 2);  // truncated
    std::ofstream(dir / "model.safetensors", std::ios::binary) << bytes;
  }
  CHECK(aigc_image_model_load(dir.c_str(), nullptr, &m) == AIGC_STATUS_INVALID_FORMAT);
  CHECK(m == nullptr);
  CHECK(!last_error().empty());
  std::ofstream(dir / "config.json") << "{ not json";
  CHECK(aigc_image_model_load(dir.c_str(), nullptr, &m) == AIGC_STATUS_INVALID_FORMAT);
  fs::remove_all(dir);
}

TEST_CASE("capi image: cancelling a 1000-step DDPM run from another thread") {
  ModelHandle model("ddpm-cnn-mnist");
  aigc_image_job *job = nullptr;
  REQUIRE(aigc_image_job_new(&job) == AIGC_STATUS_OK);
  aigc_image_params p = params();
  p.steps = 1000;
  p.job = job;
  std::atomic<int32_t> steps{0};
  auto progress = [](int32_t step, int32_t, void *user) -> int32_t {
    static_cast<std::atomic<int32_t> *>(user)->store(step);
    return 0;
  };
  std::thread canceller([&] {
    while (steps.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    aigc_image_job_cancel(job);
  });
  const auto t0 = std::chrono::steady_clock::now();
  Images out;
  const aigc_status st = aigc_image_generate(model.m, &p, progress, &steps, out.out());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  canceller.join();
  CHECK(st == AIGC_STATUS_CANCELLED);
  CHECK(out.p == nullptr);
  CHECK(steps.load() < 100);  // stopped within a step or two of the request
  CHECK(seconds < 10.0);
  // The request was cleared when the call returned: the job works again.
  p.steps = 2;
  Images again;
  CHECK(aigc_image_generate(model.m, &p, nullptr, nullptr, again.out()) == AIGC_STATUS_OK);
  // A callback's non-zero return cancels too.
  p.steps = 50;
  auto stop = [](int32_t step, int32_t, void *) -> int32_t { return step >= 2; };
  CHECK(aigc_image_generate(model.m, &p, stop, nullptr, again.out()) == AIGC_STATUS_CANCELLED);
  // Cancelled before the call: returns at once.
  aigc_image_job_cancel(job);
  CHECK(aigc_image_generate(model.m, &p, nullptr, nullptr, again.out()) == AIGC_STATUS_CANCELLED);
  aigc_image_job_free(job);
}

TEST_CASE("capi image: PNG files carry provenance; a failed write leaves nothing") {
  ModelHandle model("dit-mnist-cond");
  aigc_image_params p = params();
  p.count = 2;
  p.seed = 77;
  p.steps = 4;
  p.sampler = "ddim";
  p.class_label = 7;
  Images out;
  REQUIRE(aigc_image_generate(model.m, &p, nullptr, nullptr, out.out()) == AIGC_STATUS_OK);
  const fs::path dir = fs::temp_directory_path() / "aigc_capi_image_png";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "one.png").string();
  REQUIRE(aigc_images_write_png(out.p, 1, path.c_str(), nullptr) == AIGC_STATUS_OK);
  const aigc::io::PngImage png = aigc::io::read_png(path);
  CHECK(png.image.pixels == out.pixels(1));
  std::map<std::string, std::string> text;
  for (const auto &t : png.text) text[t.key] = t.value;
  CHECK(text["AI-generated"] == "yes");
  CHECK(text["Source"] == "dit-mnist-cond");
  const std::string params_text = text["parameters"];
  CAPTURE(params_text);
  CHECK(params_text.find("Seed: 78") != std::string::npos);  // image 1 = seed + 1
  CHECK(params_text.find("Steps: 4") != std::string::npos);
  CHECK(params_text.find("ddim") != std::string::npos);
  char sha[65];
  REQUIRE(aigc_image_model_meta(model.m, "weights_sha256", sha, sizeof sha, nullptr) == AIGC_STATUS_OK);
  CHECK(text["Comment"].find(sha) != std::string::npos);
  CHECK(text["Software"].find(AIGC_VERSION_STRING) != std::string::npos);
  CHECK(text.count("XML:com.adobe.xmp") == 1);

  // The grid, without provenance.
  aigc_png_params pp;
  REQUIRE(aigc_png_params_init(&pp, sizeof pp) == AIGC_STATUS_OK);
  pp.provenance = 0;
  const std::string grid_path = (dir / "grid.png").string();
  REQUIRE(aigc_images_write_png(out.p, -1, grid_path.c_str(), &pp) == AIGC_STATUS_OK);
  const aigc::io::PngImage grid = aigc::io::read_png(grid_path);
  CHECK(grid.image.width == 56);
  CHECK(grid.image.height == 28);
  CHECK(grid.text.empty());

  // Failures: a missing directory, a directory in the way, a bad index: no file appears.
  const std::string missing = (dir / "no-such-dir" / "x.png").string();
  CHECK(aigc_images_write_png(out.p, 0, missing.c_str(), nullptr) == AIGC_STATUS_IO_ERROR);
  CHECK(last_error().find("no-such-dir") != std::string::npos);
  fs::create_directories(dir / "taken.png");
  CHECK(aigc_images_write_png(out.p, 0, (dir / "taken.png").c_str(), nullptr) == AIGC_STATUS_IO_ERROR);
  CHECK(aigc_images_write_png(out.p, 2, (dir / "bad.png").c_str(), nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_images_write_png(out.p, 0, nullptr, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"grid.png", "one.png", "taken.png"});
  fs::remove_all(dir);
}

#include "aigc/aigc.hpp"

TEST_CASE("capi image: the C++ wrapper (aigc.hpp)") {
  aigc::ImageModel model = aigc::ImageModel::load(aigc::test::converted_model_dir("vae-mnist"));
  CHECK(model.info().kind == AIGC_IMAGE_MODEL_KIND_VAE);
  CHECK(model.meta("architecture") == "mlp_vae");
  aigc_image_params p = aigc::image_params();
  p.count = 2;
  p.seed = 3;
  const aigc::Images images = model.generate(p);
  REQUIRE(images.size() == 2);
  CHECK(images.get(0).width == 28);
  CHECK(images.get(-1).width == 56);
  const std::vector<float> z = golden("vae-mnist", "z");
  CHECK(max_abs_diff(model.vae_decode(z, 8), golden("vae-mnist", "decoded")) < 1e-4f);
  CHECK(model.vae_encode(golden("vae-mnist", "x"), 8, 1, 28, 28).size() == 160);
  try {
    model.interpolate(1, 2, 3);  // not a GAN
    FAIL("expected StatusError");
  } catch (const aigc::StatusError &e) {
    CHECK(e.status() == AIGC_STATUS_INVALID_ARGUMENT);
  }
  aigc::ImageJob job;
  job.cancel();
  p.job = job.get();
  CHECK_THROWS_AS(model.generate(p), aigc::StatusError);
}

TEST_CASE("capi image: text-to-image on the tiny SD pipeline matches diffusers") {
  // tests/data/sd/tiny-sd + tiny-sd-golden.safetensors (tests/reference/make_sd_tiny_goldens.py):
  // StableDiffusionPipeline with DDIM, 4 steps, guidance 7.5, 16x16, stored initial latents.
  const std::string dir = std::string(AIGC_TEST_DATA_DIR) + "/sd/tiny-sd";
  const auto gold = aigc::io::SafetensorsFile::open(std::string(AIGC_TEST_DATA_DIR) + "/sd/tiny-sd-golden.safetensors");
  aigc_image_model *m = nullptr;
  REQUIRE_MESSAGE(aigc_image_model_load(dir.c_str(), nullptr, &m) == AIGC_STATUS_OK, last_error());
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  REQUIRE(aigc_image_model_get_info(m, &info) == AIGC_STATUS_OK);
  CHECK(info.kind == AIGC_IMAGE_MODEL_KIND_TEXT_TO_IMAGE);
  CHECK(info.takes_prompt == 1);
  const std::map<std::string, std::string> &meta = gold->metadata();
  const std::vector<float> init = gold->tensor("initial_latents").to_f32_vector();
  const std::vector<float> want = gold->tensor("image").to_f32_vector();  // [1, 16, 16, 3] in [0, 1]
  aigc_image_params p = params();
  p.prompt = meta.at("prompt").c_str();
  p.negative_prompt = meta.at("negative_prompt").c_str();
  p.sampler = "ddim";
  p.steps = std::stoi(meta.at("num_inference_steps"));
  p.cfg_scale = std::stof(meta.at("guidance_scale"));
  p.width = 16;
  p.height = 16;
  p.latents = init.data();
  p.n_latents = init.size();
  Images out;
  const aigc_status st = aigc_image_generate(m, &p, nullptr, nullptr, out.out());
  REQUIRE_MESSAGE(st == AIGC_STATUS_OK, last_error());
  int32_t w = 0, h = 0, c = 0;
  const std::vector<uint8_t> got = out.pixels(0, &w, &h, &c);
  CHECK(w == 16);
  CHECK(h == 16);
  CHECK(c == 3);
  CHECK(max_u8_diff(got, want.data(), want.size(), 1.f, 0.f) <= 1);
  // Sizes must be multiples of the model's factor.
  p.width = 16 + info.size_factor / 2;
  Images bad;
  CHECK(aigc_image_generate(m, &p, nullptr, nullptr, bad.out()) == AIGC_STATUS_INVALID_ARGUMENT);
  aigc_image_model_free(m);
}
