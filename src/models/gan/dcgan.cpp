#include "models/gan/dcgan.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {


int64_t positive_int(const nlohmann::json &j, const char *key) {
  const int64_t v = json_int(j, key, 0);
  AIGC_CHECK(v > 0 && v <= (int64_t(1) << 24), Status::invalid_format,
             "dcgan config: '{}' must be a positive integer, got {}", key, v);
  return v;
}

// [C, H, W] of positive integers (required).
Shape image_shape_of(const nlohmann::json &j) {
  auto it = j.find("image_shape");
  AIGC_CHECK(it != j.end() && it->is_array() && it->size() == 3, Status::invalid_format,
             "dcgan config: image_shape must be [C, H, W]");
  Shape s;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= (int64_t(1) << 16),
               Status::invalid_format, "dcgan config: image_shape holds {}, not a positive integer",
               v.dump());
    s.push_back(v.get<int64_t>());
  }
  return s;
}

}  // namespace

DcganConfig DcganConfig::from_json(const nlohmann::json &j) {
  DcganConfig c;
  c.latent_dim = positive_int(j, "latent_dim");
  c.batch_norm_eps = json_float(j, "batch_norm_eps", 1e-5f);
  AIGC_CHECK(c.batch_norm_eps > 0, Status::invalid_format, "dcgan config: batch_norm_eps must be positive");
  auto layers = j.find("layers");
  AIGC_CHECK(layers != j.end() && layers->is_array() && !layers->empty(), Status::invalid_format,
             "dcgan config: 'layers' must be a non-empty array");
  for (const auto &l : *layers) {
    AIGC_CHECK(l.is_object(), Status::invalid_format, "dcgan config: each layer must be an object");
    c.layers.push_back(
        {positive_int(l, "out_channels"), positive_int(l, "kernel"), positive_int(l, "stride")});
  }
  c.image_shape = image_shape_of(j);
  c.pixel_range = pixel_range_from_config(j, "minus_one_one");

  // The transposed convolutions (no padding) must end exactly at the image size.
  int64_t size = 1;
  for (const auto &l : c.layers) size = ops::conv_transpose_out_size(size, l.kernel, int(l.stride), 0, 1, 0);
  AIGC_CHECK(c.layers.back().out_channels == c.image_shape[0] && size == c.image_shape[1] &&
                 size == c.image_shape[2],
             Status::invalid_format, "dcgan config: layers produce [{}, {}, {}], image_shape is {}",
             c.layers.back().out_channels, size, size, c.image_shape.to_string());
  return c;
}

DcganGenerator::DcganGenerator(const DcganConfig &config, const nn::WeightSource &weights,
                               ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  const nn::Scope gen = nn::Scope(weights).sub("gen");
  int64_t in = config_.latent_dim;
  for (size_t i = 0; i < config_.layers.size(); ++i) {
    const auto &l = config_.layers[i];
    const nn::Scope s = gen.at(int64_t(i));
    Block b;
    b.conv = nn::ConvTranspose2d::load(s.at(0), in, l.out_channels, l.kernel,
                                       ops::ConvTranspose2dOptions::square(int(l.stride), 0));
    if (i + 1 < config_.layers.size())
      b.norm = nn::BatchNorm::load(s.at(1), l.out_channels, config_.batch_norm_eps);
    blocks_.push_back(std::move(b));
    in = l.out_channels;
  }
  info_.num_classes = 0;
}

Tensor DcganGenerator::generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const {
  AIGC_CHECK(!labels.defined(), Status::invalid_argument,
             "dcgan generate: the model is unconditional, labels must be empty");
  return generate_traced(ctx, z, nullptr);
}

Tensor DcganGenerator::generate_traced(const ExecContext &ctx, const Tensor &z,
                                       std::map<std::string, Tensor> *trace) const {
  AIGC_CHECK(
      z.rank() == 4 && z.size(0) > 0 && z.size(1) == config_.latent_dim && z.size(2) == 1 && z.size(3) == 1,
      Status::shape_mismatch, "dcgan generate: latent must be f32 [N, {}, 1, 1], got {}", config_.latent_dim,
      z.describe());
  z.check_dtype(DType::f32, "dcgan generate");
  Tensor x = z;  // [N, latent, 1, 1]
  for (size_t i = 0; i < blocks_.size(); ++i) {
    x = blocks_[i].conv(ctx, x);
    if (i + 1 == blocks_.size()) break;
    x = ops::relu(ctx, blocks_[i].norm(ctx, x));  // [N, C_i, H_i, W_i]
    if (trace) (*trace)["block" + std::to_string(i)] = x;
  }
  return ops::tanh(ctx, x);  // [N, C, H, W]
}

std::shared_ptr<const Generator> load_dcgan(const nn::WeightSource &weights, const nlohmann::json &config,
                                            ImageModelInfo info) {
  return std::make_shared<DcganGenerator>(DcganConfig::from_json(config), weights, std::move(info));
}

}  // namespace aigc::models
