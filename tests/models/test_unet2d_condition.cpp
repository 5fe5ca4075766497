// The diffusers building blocks (ResnetBlock2D, the VAE's spatial self-attention) and the
// Stable Diffusion 1.x UNet2DConditionModel against diffusers goldens
// (tests/reference/make_unet_goldens.py: tiny random models, every parameter re-randomized).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "models/sd/ldm_names.hpp"
#include "models/sd/unet2d_condition.hpp"
#include "nn/resnet_block.hpp"
#include "nn/spatial_attention.hpp"
#include "nn/timestep_embedding.hpp"
#include "nn/weight_source.hpp"
#include "ops/harness.hpp"

using namespace aigc;

namespace {

const std::string kDir = std::string(AIGC_TEST_DATA_DIR) + "/sd/";

// max |actual - expected| / max |expected|
double max_rel_err(const Tensor &actual, const Tensor &expected) {
  REQUIRE(actual.shape() == expected.shape());
  const auto a = actual.to_f32_vector(), b = expected.to_f32_vector();
  double err = 0, scale = 1e-12;
  size_t non_finite = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    non_finite += std::isfinite(a[i]) ? 0 : 1;
    err = std::max(err, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(b[i])));
  }
  CHECK(non_finite == 0);
  return non_finite ? 1e30 : err / scale;
}

std::unique_ptr<nn::WeightSource> file_weights(const std::string &path) {
  return nn::make_safetensors_weights(io::SafetensorsSet::open(path), path);
}

}  // namespace

// Tolerance: max |ours - diffusers| <= 1e-5 * max |diffusers output|. Both sides compute in
// f32; the differences are summation-order rounding (measured ~2e-7 here, ~9e-7 for the
// whole UNet on ref and cpu), so 1e-5 leaves a 10x margin for oneDNN's blocked kernels.
TEST_CASE("ResnetBlock2D and SpatialSelfAttention match diffusers") {
  const std::string path = kDir + "blocks-golden.safetensors";
  const auto golden = io::SafetensorsFile::open(path);
  const auto weights = file_weights(path);
  const nn::Scope root(*weights);
  for (const char *backend : {"ref", "cpu"}) {
    CAPTURE(backend);
    ExecContext ctx = test::context(backend, 2);
    const auto res = nn::ResnetBlock2D::load(root.sub("resnet"), 8, 16, 12, 4, 1e-6f);
    CHECK(max_rel_err(res(ctx, golden->tensor("resnet_in"), golden->tensor("resnet_temb")),
                      golden->tensor("resnet_out")) < 1e-5);
    const auto res2 = nn::ResnetBlock2D::load(root.sub("resnet_notemb"), 8, 8, 0, 4, 1e-6f);
    CHECK(max_rel_err(res2(ctx, golden->tensor("resnet_in"), Tensor()), golden->tensor("resnet_notemb_out")) <
          1e-5);
    const auto attn = nn::SpatialSelfAttention::load(root.sub("attn"), 16, 4, 1e-6f, 2);
    CHECK(max_rel_err(attn(ctx, golden->tensor("attn_in")), golden->tensor("attn_out")) < 1e-5);
  }
}

TEST_CASE("ResnetBlock2D / SpatialSelfAttention: bad input is a clear error") {
  const std::string path = kDir + "blocks-golden.safetensors";
  const auto golden = io::SafetensorsFile::open(path);
  const auto weights = file_weights(path);
  const nn::Scope root(*weights);
  ExecContext ctx = test::context("cpu", 1);
  // Wrong channel count for the stored weights.
  CHECK(test::error_status("resnet.conv1.weight", [&] { nn::ResnetBlock2D::load(root.sub("resnet"), 8, 32, 12, 4, 1e-6f); }) ==
        Status::shape_mismatch);
  const auto res = nn::ResnetBlock2D::load(root.sub("resnet"), 8, 16, 12, 4, 1e-6f);
  CHECK(test::error_status("ResnetBlock2D", [&] { res(ctx, golden->tensor("resnet_in"), Tensor()); }) ==
        Status::shape_mismatch);
  CHECK(test::error_status("ResnetBlock2D", [&] { res(ctx, golden->tensor("attn_in"), golden->tensor("resnet_temb")); }) ==
        Status::shape_mismatch);
  CHECK(test::error_status("SpatialSelfAttention", [&] { nn::SpatialSelfAttention::load(root.sub("attn"), 16, 4, 1e-6f, 3); }) ==
        Status::invalid_argument);
  const auto attn = nn::SpatialSelfAttention::load(root.sub("attn"), 16, 4, 1e-6f, 2);
  CHECK(test::error_status("SpatialSelfAttention", [&] { attn(ctx, golden->tensor("resnet_in")); }) ==
        Status::shape_mismatch);
}

namespace {

nlohmann::json read_json(const std::string &path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

std::shared_ptr<const models::Denoiser> load_tiny_unet(const nn::WeightSource &weights) {
  models::DiffusionTraining training;
  training.prediction = models::PredictionType::v_prediction;  // passed through untouched
  return models::load_unet2d_condition(weights, read_json(kDir + "tiny-unet/config.json"), {{}, "tiny-unet", {}, 0},
                                       training);
}

models::DenoiserCondition text_condition(const Tensor &context) {
  models::DenoiserCondition c;
  c.context = context;
  return c;
}

}  // namespace

// The whole UNet, f32 against diffusers in f32: max |error| <= 1e-5 * max |output| (see above).
TEST_CASE("UNet2DConditionModel (tiny, random) matches diffusers") {
  const auto golden = io::SafetensorsFile::open(kDir + "tiny-unet-golden.safetensors");
  const auto weights = file_weights(kDir + "tiny-unet/diffusion_pytorch_model.safetensors");
  const auto unet = load_tiny_unet(*weights);
  CHECK(unet->spatial_factor() == 2);
  CHECK(unet->context_dim() == 32);
  CHECK(unet->sample_shape() == Shape({4, 0, 0}));
  CHECK(unet->training().prediction == models::PredictionType::v_prediction);
  CHECK(unet->info().architecture == "unet2d_condition");
  for (const char *backend : {"cpu", "ref"}) {
    CAPTURE(backend);
    ExecContext ctx = test::context(backend, 2);
    const Tensor out = unet->predict(ctx, golden->tensor("sample"), golden->tensor("timesteps"),
                                     text_condition(golden->tensor("encoder_hidden_states")));
    CHECK(max_rel_err(out, golden->tensor("output")) < 1e-5);
  }
  // The time embedding alone (sinusoid in f32 as torch computes it, then the MLP).
  ExecContext ctx = test::context("cpu", 1);
  const Tensor sinusoid = nn::timestep_sinusoid(ctx, golden->tensor("timesteps"), 16, true, 0.f);
  CHECK(max_rel_err(sinusoid, golden->tensor("intermediate.time_proj")) < 1e-6);
}

TEST_CASE("UNet2DConditionModel (SD 2.x layout: linear projections, 2 layers) matches diffusers") {
  const auto golden = io::SafetensorsFile::open(kDir + "tiny-unet-linear-golden.safetensors");
  const auto weights = file_weights(kDir + "tiny-unet-linear/diffusion_pytorch_model.safetensors");
  const auto unet =
      models::load_unet2d_condition(*weights, read_json(kDir + "tiny-unet-linear/config.json"), {}, {});
  CHECK(unet->context_dim() == 16);
  ExecContext ctx = test::context("cpu", 2);
  const Tensor out = unet->predict(ctx, golden->tensor("sample"), golden->tensor("timesteps"),
                                   text_condition(golden->tensor("encoder_hidden_states")));
  CHECK(max_rel_err(out, golden->tensor("output")) < 1e-5);
}

TEST_CASE("UNet2DConditionModel: a single-file (LDM-named) checkpoint gives the same output") {
  const auto golden = io::SafetensorsFile::open(kDir + "tiny-unet-golden.safetensors");
  const std::string path = kDir + "tiny-unet-ldm.safetensors";
  std::shared_ptr<const nn::WeightSource> single = file_weights(path);
  const auto weights = models::make_ldm_component_weights(single, models::LdmComponent::unet,
                                                          read_json(kDir + "tiny-unet/config.json"));
  const auto unet = load_tiny_unet(*weights);
  ExecContext ctx = test::context("cpu", 2);
  const Tensor out = unet->predict(ctx, golden->tensor("sample"), golden->tensor("timesteps"),
                                   text_condition(golden->tensor("encoder_hidden_states")));
  CHECK(max_rel_err(out, golden->tensor("output")) < 1e-5);
}

TEST_CASE("UNet2DConditionModel: bad input and bad configs are clear errors") {
  const auto golden = io::SafetensorsFile::open(kDir + "tiny-unet-golden.safetensors");
  const auto weights = file_weights(kDir + "tiny-unet/diffusion_pytorch_model.safetensors");
  const auto unet = load_tiny_unet(*weights);
  ExecContext ctx = test::context("cpu", 1);
  const Tensor sample = golden->tensor("sample"), t = golden->tensor("timesteps");
  const Tensor context = golden->tensor("encoder_hidden_states");
  // Context with the wrong feature size, missing context, wrong batch.
  CHECK(test::error_status("context", [&] {
          unet->predict(ctx, sample, t, text_condition(Tensor::zeros(Shape({2, 7, 16}), DType::f32)));
        }) == Status::shape_mismatch);
  CHECK(test::error_status("context", [&] { unet->predict(ctx, sample, t, {}); }) == Status::shape_mismatch);
  CHECK(test::error_status("context", [&] {
          unet->predict(ctx, sample, t, text_condition(context.slice(0, 0, 1)));
        }) == Status::shape_mismatch);
  // H not a multiple of the factor 2.
  CHECK(test::error_status("multiple of 2", [&] {
          unet->predict(ctx, sample.slice(2, 0, 15), t, text_condition(context));
        }) == Status::invalid_argument);
  // Wrong channels, wrong timestep count.
  CHECK(test::error_status("sample", [&] {
          unet->predict(ctx, sample.slice(1, 0, 3), t, text_condition(context));
        }) == Status::shape_mismatch);
  CHECK(test::error_status("timesteps", [&] {
          unet->predict(ctx, sample, Tensor::zeros(Shape({3}), DType::f32), text_condition(context));
        }) == Status::shape_mismatch);
  // A single timestep broadcasts over the batch (diffusers does the same).
  const Tensor one = unet->predict(ctx, sample, t.slice(0, 0, 1), text_condition(context));
  CHECK(one.shape() == sample.shape());

  // Configs: unsupported features and values that do not fit the weights.
  const nlohmann::json base = read_json(kDir + "tiny-unet/config.json");
  auto load_with = [&](const char *key, const nlohmann::json &value) {
    nlohmann::json c = base;
    c[key] = value;
    models::load_unet2d_condition(*weights, c, {}, {});
  };
  CHECK(test::error_status("class_embed_type", [&] { load_with("class_embed_type", "timestep"); }) ==
        Status::unsupported);
  CHECK(test::error_status("SimpleCrossAttnDownBlock2D", [&] {
          load_with("down_block_types", {"SimpleCrossAttnDownBlock2D", "DownBlock2D"});
        }) == Status::unsupported);
  CHECK(test::error_status("attn2.to_k.weight", [&] { load_with("cross_attention_dim", 64); }) ==
        Status::shape_mismatch);
  CHECK(test::error_status("block_out_channels", [&] { load_with("block_out_channels", {16}); }) ==
        Status::invalid_format);
  CHECK(test::error_status("attention heads", [&] { load_with("attention_head_dim", 3); }) ==
        Status::invalid_format);
  CHECK(test::error_status("layers_per_block", [&] { load_with("layers_per_block", "two"); }) ==
        Status::invalid_format);
}
