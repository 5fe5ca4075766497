// Tiny random diffusers AutoencoderKL (tests/reference/make_vae_goldens.py) loaded from its
// save_pretrained folder: posterior mean/logvar and decodes against diffusers, plus config
// and input errors.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "nn/weight_source.hpp"
#include "ops/harness.hpp"

using namespace aigc;

namespace {

const std::string kDir = std::string(AIGC_TEST_DATA_DIR) + "/vae/";

nlohmann::json read_config() {
  std::ifstream in(kDir + "tiny-autoencoder-kl/config.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::unique_ptr<nn::WeightSource> read_weights() {
  return nn::make_safetensors_weights(
      io::SafetensorsSet::open(kDir + "tiny-autoencoder-kl/diffusion_pytorch_model.safetensors"),
      "tiny-autoencoder-kl");
}

// max |actual - expected| / max(1, max |expected|): 1e-4 absolute for O(1) values, relative
// beyond (decoded values reach ~2).
double scaled_err(const Tensor &actual, const Tensor &expected) {
  REQUIRE(actual.shape() == expected.shape());
  const auto a = actual.to_f32_vector(), e = expected.to_f32_vector();
  double err = 0, scale = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, double(std::abs(a[i] - e[i])));
    scale = std::max(scale, double(std::abs(e[i])));
  }
  return err / scale;
}

// f32 weights and compute on both sides; the goldens are one f32 run of diffusers, so only
// summation order differs (about 1e-6 measured).
constexpr double kTol = 1e-4;

Status status_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.status();
  }
  return Status::ok;
}

}  // namespace

TEST_CASE("tiny AutoencoderKL: posterior and decode match diffusers") {
  const auto weights = read_weights();
  const auto vae = models::load_autoencoder_kl(*weights, read_config(), {"autoencoder_kl", "tiny", {}, 0});
  const auto g = io::SafetensorsFile::open(kDir + "tiny-autoencoder-kl-golden.safetensors");
  ExecContext ctx = test::context("cpu", 2);

  CHECK(vae->has_encoder());
  CHECK(vae->latent_channels() == 4);
  CHECK(vae->downscale_factor() == 2);
  CHECK(vae->scaling_factor() == doctest::Approx(0.18215f));
  CHECK(vae->pixel_range().scale == 0.5f);

  const models::LatentDistribution post = vae->encode(ctx, g->tensor("image"));
  REQUIRE(post.logvar.defined());
  const double mean_err = scaled_err(post.mean, g->tensor("posterior_mean"));
  const double logvar_err = scaled_err(post.logvar, g->tensor("posterior_logvar"));
  MESSAGE("posterior mean err ", mean_err, ", logvar err ", logvar_err);
  CHECK(mean_err < kTol);
  CHECK(logvar_err < kTol);

  const Tensor decoded = vae->decode(ctx, g->tensor("latent"), Tensor());
  const double dec_err = scaled_err(decoded, g->tensor("decoded"));
  MESSAGE("decoded err ", dec_err);
  CHECK(dec_err < kTol);

  const double dec_mean_err = scaled_err(vae->decode(ctx, post.mean, Tensor()), g->tensor("decoded_mean"));
  MESSAGE("decode(posterior mean) err ", dec_mean_err);
  CHECK(dec_mean_err < kTol);
}

TEST_CASE("tiny AutoencoderKL: bad input and bad config are errors") {
  const auto weights = read_weights();
  const auto config = read_config();
  const auto vae = models::load_autoencoder_kl(*weights, config, {});
  ExecContext ctx = test::context("cpu", 2);

  // Sizes not a multiple of 2, wrong channel counts, labels.
  CHECK(status_of([&] {
          vae->encode(ctx, Tensor::zeros(Shape({1, 3, 23, 32}), DType::f32));
        }) == Status::invalid_argument);
  CHECK(status_of([&] {
          vae->encode(ctx, Tensor::zeros(Shape({1, 4, 24, 32}), DType::f32));
        }) == Status::shape_mismatch);
  CHECK(status_of([&] {
          vae->decode(ctx, Tensor::zeros(Shape({1, 3, 12, 16}), DType::f32), Tensor());
        }) == Status::shape_mismatch);
  CHECK(status_of([&] {
          vae->decode(ctx, Tensor::zeros(Shape({1, 4, 12, 16}), DType::f32),
                      Tensor::zeros(Shape({1}), DType::i32));
        }) == Status::invalid_argument);

  // Config disagreeing with the weights, or describing something else.
  auto with = [&](const char *key, const nlohmann::json &value) {
    nlohmann::json c = config;
    c[key] = value;
    return c;
  };
  CHECK(status_of([&] { models::load_autoencoder_kl(*weights, with("latent_channels", 8), {}); }) ==
        Status::shape_mismatch);
  CHECK(status_of([&] {
          models::load_autoencoder_kl(*weights, with("block_out_channels", {16, 64}), {});
        }) == Status::shape_mismatch);
  CHECK(status_of([&] { models::load_autoencoder_kl(*weights, with("norm_num_groups", 5), {}); }) ==
        Status::invalid_format);
  CHECK(status_of([&] { models::load_autoencoder_kl(*weights, with("layers_per_block", 2), {}); }) ==
        Status::invalid_format);  // missing resnets.1 tensors
  CHECK(status_of([&] { models::load_autoencoder_kl(*weights, with("act_fn", "gelu"), {}); }) ==
        Status::unsupported);
  CHECK(status_of([&] {
          models::load_autoencoder_kl(
              *weights, with("down_block_types", {"DownEncoderBlock2D", "AttnDownEncoderBlock2D"}), {});
        }) == Status::unsupported);
  CHECK(status_of([&] {
          models::load_autoencoder_kl(*weights, with("mid_block_add_attention", false), {});
        }) == Status::ok);  // the attention tensors are then simply unused
}

TEST_CASE("tiny AutoencoderKL: one model shared by four threads gives the same numbers") {
  const auto weights = read_weights();
  const auto vae = models::load_autoencoder_kl(*weights, read_config(), {});
  const auto g = io::SafetensorsFile::open(kDir + "tiny-autoencoder-kl-golden.safetensors");
  const Tensor image = g->tensor("image"), latent = g->tensor("latent");
  ExecContext ctx = test::context("cpu", 1);
  const auto mean = vae->encode(ctx, image).mean.to_f32_vector();
  const auto decoded = vae->decode(ctx, latent, Tensor()).to_f32_vector();
  std::vector<int> same(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      ExecContext c = test::context("cpu", 1);
      bool ok = true;
      for (int i = 0; i < 3; ++i) {
        ok = ok && vae->encode(c, image).mean.to_f32_vector() == mean;
        ok = ok && vae->decode(c, latent, Tensor()).to_f32_vector() == decoded;
      }
      same[size_t(t)] = ok ? 1 : 0;
    });
  for (auto &th : threads) th.join();
  for (int t = 0; t < 4; ++t) CHECK(same[size_t(t)] == 1);
}
