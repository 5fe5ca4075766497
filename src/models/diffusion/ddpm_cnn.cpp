#include "models/diffusion/ddpm_cnn.hpp"

#include <cmath>

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/binary.hpp"
#include "ops/layer_norm.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {

constexpr float kLayerNormEps = 1e-5f;  // torch.nn.LayerNorm default

// Integer list `key` of config.json (fallback when absent).
std::vector<int64_t> json_int_list(const nlohmann::json &j, const char *key,
                                   std::vector<int64_t> fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AIGC_CHECK(it->is_array(), Status::invalid_format, "config.json: '{}' is not a list", key);
  std::vector<int64_t> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json one = {{"v", (*it)[i]}};
    out.push_back(json_int(one, "v", 0));
  }
  return out;
}


// A host copy of a (possibly device) tensor.
Tensor to_host(const ExecContext &ctx, const Tensor &t) {
  return t.device().is_cpu() ? t : ctx.backend->download(t);
}

}  // namespace

DdpmCnnConfig DdpmCnnConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "ddpm_cnn: config.json is not an object");
  DdpmCnnConfig c;
  const auto shape = json_int_list(j, "image_shape", {1, 28, 28});
  AIGC_CHECK(shape.size() == 3, Status::invalid_format,
             "ddpm_cnn: config.json image_shape must be [C, H, W], got {} values", shape.size());
  c.image_shape = Shape({shape[0], shape[1], shape[2]});
  c.channels = json_int_list(j, "channels", c.channels);
  c.kernel_size = json_int(j, "kernel_size", c.kernel_size);
  c.last_kernel_size = json_int(j, "last_kernel_size", c.last_kernel_size);
  c.num_train_timesteps = json_int(j, "num_train_timesteps", c.num_train_timesteps);
  c.beta_start = json_float(j, "beta_start", float(c.beta_start));
  c.beta_end = json_float(j, "beta_end", float(c.beta_end));
  c.pixel_range = pixel_range_from_config(j, "minus_half_half");
  c.validate();
  return c;
}

void DdpmCnnConfig::validate() const {
  for (int i = 0; i < 3; ++i)
    AIGC_CHECK(image_shape[i] >= 1 && image_shape[i] <= 4096, Status::invalid_format,
               "ddpm_cnn: image_shape {} is out of range", image_shape.to_string());
  AIGC_CHECK(!channels.empty() && channels.size() <= 64, Status::invalid_format,
             "ddpm_cnn: channels must list 1..64 block widths");
  for (int64_t ch : channels)
    AIGC_CHECK(ch >= 1 && ch <= 65536, Status::invalid_format,
               "ddpm_cnn: channel count {} is out of range", ch);
  for (int64_t k : {kernel_size, last_kernel_size})
    AIGC_CHECK(k >= 1 && k <= 63 && k % 2 == 1, Status::invalid_format,
               "ddpm_cnn: kernel size {} must be odd and in 1..63 (same padding)", k);
  AIGC_CHECK(num_train_timesteps >= 1 && num_train_timesteps <= 100000, Status::invalid_format,
             "ddpm_cnn: num_train_timesteps {} is out of range", num_train_timesteps);
  AIGC_CHECK(beta_start > 0 && beta_start < beta_end && beta_end < 1, Status::invalid_format,
             "ddpm_cnn: need 0 < beta_start ({}) < beta_end ({}) < 1", beta_start, beta_end);
}

DdpmCnn::DdpmCnn(const nn::WeightSource &weights, const DdpmCnnConfig &config, ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  config_.validate();
  const DdpmCnnConfig &c = config_;
  const int64_t H = c.image_shape[1], W = c.image_shape[2];
  const nn::Scope gt = nn::Scope(weights).sub("gt");

  // gt.blocks.{0..B-1}.net.{0: Conv2d, 1: LayerNorm((C, H, W))}, gt.blocks.B: final Conv2d.
  int64_t in = c.image_shape[0];
  const int pad = int(c.kernel_size / 2);
  for (size_t b = 0; b < c.channels.size(); ++b) {
    const nn::Scope s = gt.sub("blocks").at(int64_t(b)).sub("net");
    const int64_t out = c.channels[b];
    Block blk;
    blk.conv = nn::Conv2d::load(s.at(0), in, out, c.kernel_size, ops::Conv2dOptions::square(1, pad));
    blk.norm_weight = nn::widen_to_f32(s.at(1).get("weight", Shape({out, H, W})));
    blk.norm_bias = nn::widen_to_f32(s.at(1).get("bias", Shape({out, H, W})));
    blocks_.push_back(std::move(blk));
    in = out;
  }
  out_conv_ = nn::Conv2d::load(gt.sub("blocks").at(int64_t(c.channels.size())), in, c.image_shape[0],
                               c.last_kernel_size,
                               ops::Conv2dOptions::square(1, int(c.last_kernel_size / 2)));

  // Time MLP gt.time_embed.{0,2,4,6} (GELU at the odd indices); input = 2 x frequencies.
  const Tensor freq = weights.get("gt.frequencies");
  AIGC_CHECK(freq.rank() == 1 && freq.size(0) >= 1 && freq.size(0) <= 4096, Status::shape_mismatch,
             "ddpm_cnn: gt.frequencies must be a vector, got {}", freq.describe());
  frequencies_ = freq.to_f32_vector();
  config_.time_features = freq.size(0);
  const Tensor first = weights.get("gt.time_embed.0.weight");
  AIGC_CHECK(first.rank() == 2, Status::shape_mismatch, "ddpm_cnn: gt.time_embed.0.weight is {}",
             first.describe());
  config_.time_hidden = first.size(0);
  const nn::Scope te = gt.sub("time_embed");
  const int64_t th = config_.time_hidden;
  time_mlp_.push_back(nn::Linear::load(te.at(0), th, 2 * config_.time_features, nn::Bias::required));
  time_mlp_.push_back(nn::Linear::load(te.at(2), th, th, nn::Bias::required));
  time_mlp_.push_back(nn::Linear::load(te.at(4), th, th, nn::Bias::required));
  time_mlp_.push_back(nn::Linear::load(te.at(6), c.channels[0], th, nn::Bias::required));

  // Schedule buffers indexed by upstream step i = 0..n_T; timestep t = i - 1 (header).
  const int64_t T = c.num_train_timesteps;
  const std::vector<float> beta = weights.get("beta_t", Shape({T + 1})).to_f32_vector();
  const std::vector<float> abar = weights.get("alpha_t", Shape({T + 1})).to_f32_vector();
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-5 * std::abs(b) + 1e-9; };
  AIGC_CHECK(near(beta[0], c.beta_start) && near(beta[size_t(T)], c.beta_end), Status::invalid_format,
             "ddpm_cnn: stored beta_t runs {}..{}, config says beta_start {} beta_end {}", beta[0],
             beta[size_t(T)], c.beta_start, c.beta_end);
  training_.num_train_timesteps = T;
  training_.prediction = PredictionType::epsilon;
  training_.clamp_sample = false;
  training_.variance_type = "fixed_large";  // upstream adds sqrt(beta_t) * noise
  training_.default_sampler = "ddpm";
  training_.default_steps = int(T);
  for (int64_t t = 0; t < T; ++t) {
    training_.betas.push_back(beta[size_t(t + 1)]);
    training_.alphas_cumprod.push_back(abar[size_t(t + 1)]);
  }

  info_.architecture = "ddpm_cnn";
  info_.num_classes = 0;
}

Tensor DdpmCnn::time_embedding(const ExecContext &ctx, const Tensor &tau) const {
  // tau: f32 [N] -> phases [N, 2F] = [sin(tau f), cos(tau f) - 1] (float32, as upstream).
  const std::vector<float> t = to_host(ctx, tau).to_f32_vector();
  const int64_t N = int64_t(t.size()), F = int64_t(frequencies_.size());
  std::vector<float> phases(size_t(N * 2 * F));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < F; ++k) {
      const float a = t[size_t(n)] * frequencies_[size_t(k)];
      phases[size_t(n * 2 * F + k)] = std::sin(a);
      phases[size_t(n * 2 * F + F + k)] = std::cos(a) - 1.f;
    }
  Tensor h = ctx.backend->upload(Tensor::from_vector(phases, Shape({N, 2 * F})));
  for (size_t i = 0; i < time_mlp_.size(); ++i) {
    h = time_mlp_[i](ctx, h);
    if (i + 1 < time_mlp_.size()) h = ops::gelu(ctx, h);
  }
  return h;  // [N, channels[0]]
}

Tensor DdpmCnn::forward(const ExecContext &ctx, const Tensor &x, const Tensor &tau) const {
  const Shape &s = config_.image_shape;
  AIGC_CHECK(x.defined() && x.rank() == 4 && x.size(0) >= 1 && x.size(1) == s[0] &&
                 x.size(2) == s[1] && x.size(3) == s[2],
             Status::shape_mismatch, "ddpm_cnn: x must be [N, {}, {}, {}], got {}", s[0], s[1], s[2],
             x.defined() ? x.describe() : std::string("nothing"));
  x.check_dtype(DType::f32, "ddpm_cnn");
  const int64_t N = x.size(0);
  AIGC_CHECK(tau.defined() && tau.rank() == 1 && tau.size(0) == N, Status::shape_mismatch,
             "ddpm_cnn: need one time per sample ([{}]), got {}", N,
             tau.defined() ? tau.describe() : std::string("nothing"));

  // x: [N, C, H, W] -> blocks: [N, channels[b], H, W]
  Tensor h = x;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    const Block &blk = blocks_[b];
    h = blk.conv(ctx, h);
    h = ops::layer_norm(ctx, h, blk.norm_weight.shape(), blk.norm_weight, blk.norm_bias, kLayerNormEps);
    h = ops::gelu(ctx, h);
    if (b == 0) {
      const Tensor emb = time_embedding(ctx, tau);  // [N, C0] broadcast over H, W
      h = ops::add(ctx, h, emb.reshape(Shape({N, emb.size(1), 1, 1})));
    }
  }
  return out_conv_(ctx, h);  // [N, C, H, W]
}

Tensor DdpmCnn::predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                        const DenoiserCondition &) const {
  AIGC_CHECK(x.defined() && x.rank() == 4, Status::shape_mismatch, "ddpm_cnn: x must be [N, C, H, W], got {}",
             x.defined() ? x.describe() : std::string("nothing"));
  const int64_t N = x.size(0);
  AIGC_CHECK(timesteps.defined() && timesteps.numel() == N && timesteps.rank() == 1, Status::shape_mismatch,
             "ddpm_cnn: need {} timesteps (one per sample), got {}", N,
             timesteps.defined() ? timesteps.describe() : std::string("nothing"));
  AIGC_CHECK(timesteps.dtype() == DType::f32 || timesteps.dtype() == DType::i32, Status::invalid_argument,
             "ddpm_cnn: timesteps must be f32 or i32, got {}", timesteps.describe());
  const std::vector<float> t = to_host(ctx, timesteps).to_f32_vector();
  const double T = double(config_.num_train_timesteps);
  std::vector<float> tau(t.size());
  for (size_t n = 0; n < t.size(); ++n) {
    AIGC_CHECK(std::isfinite(t[n]) && t[n] >= 0.f && t[n] <= T - 1, Status::invalid_argument,
               "ddpm_cnn: timestep {} is outside [0, {}]", t[n], T - 1);
    tau[n] = float((double(t[n]) + 1.0) / T);  // diffusers t -> upstream step i = t + 1 -> i / n_T
  }
  return forward(ctx, x, Tensor::from_vector(tau, Shape({N})));
}

std::shared_ptr<const Denoiser> load_ddpm_cnn(const nn::WeightSource &weights,
                                              const nlohmann::json &config, ImageModelInfo info) {
  return std::make_shared<const DdpmCnn>(weights, DdpmCnnConfig::from_json(config), std::move(info));
}

}  // namespace aigc::models
