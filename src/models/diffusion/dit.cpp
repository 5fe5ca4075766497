#include "models/diffusion/dit.hpp"

#include <cmath>

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/attention.hpp"
#include "ops/binary.hpp"
#include "ops/copy.hpp"
#include "ops/embedding.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {

constexpr float kLayerNormEps = 1e-5f;  // torch.nn.LayerNorm default


Tensor to_host(const ExecContext &ctx, const Tensor &t) {
  return t.device().is_cpu() ? t : ctx.backend->download(t);
}

// A Linear whose output gets +1: LN(x) * (1 + gamma(cond)) becomes LN(x) * gamma'(cond).
nn::Linear plus_one(nn::Linear l) {
  std::vector<float> b = l.bias.to_f32_vector();
  for (float &v : b) v += 1.f;
  l.bias = Tensor::from_vector(b, l.bias.shape());
  return l;
}

// upstream util/diffusion.py: betas = torch.linspace(beta_start, beta_end, T) in float32
// (ATen's two-sided formula), alphas_cumprod = torch.cumprod(1 - betas) (accumulated in
// double on CPU, stored as float32).
void upstream_schedule(const DitConfig &c, DiffusionTraining &tr) {
  const int64_t T = c.num_train_timesteps;
  const float start = float(c.beta_start), end = float(c.beta_end);
  const float step = T > 1 ? (end - start) / float(T - 1) : 0.f;
  double acc = 1.0;
  for (int64_t i = 0; i < T; ++i) {
    const float beta = i < T / 2 ? start + step * float(i) : end - step * float(T - i - 1);
    acc *= double(1.f - beta);
    tr.betas.push_back(beta);
    tr.alphas_cumprod.push_back(float(acc));
  }
}

}  // namespace

DitConfig DitConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "dit: config.json is not an object");
  DitConfig c;
  c.image_size = json_int(j, "image_size", c.image_size);
  c.patch_size = json_int(j, "patch_size", c.patch_size);
  c.in_channels = json_int(j, "in_channels", c.in_channels);
  c.hidden_size = json_int(j, "hidden_size", c.hidden_size);
  c.num_classes = json_int(j, "num_classes", c.num_classes);
  c.depth = json_int(j, "depth", c.depth);
  c.num_heads = json_int(j, "num_heads", c.num_heads);
  c.head_dim = json_int(j, "head_dim", c.hidden_size);
  c.mlp_hidden = json_int(j, "mlp_hidden_size", 4 * c.hidden_size);
  const std::string scale = json_string(j, "attention_scale", "sequence_length");
  AIGC_CHECK(scale == "sequence_length" || scale == "head_dim", Status::invalid_format,
             "dit: attention_scale '{}' is not sequence_length or head_dim", scale);
  c.attention_by_sequence_length = scale == "sequence_length";
  c.num_train_timesteps = json_int(j, "num_train_timesteps", c.num_train_timesteps);
  c.beta_start = json_float(j, "beta_start", float(c.beta_start));
  c.beta_end = json_float(j, "beta_end", float(c.beta_end));
  c.clamp_sample = json_bool(j, "clamp_sample", c.clamp_sample);
  c.pixel_range = pixel_range_from_config(j, "minus_one_one");
  c.validate();
  return c;
}

void DitConfig::validate() const {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  AIGC_CHECK(in(image_size, 1, 4096) && in(patch_size, 1, image_size) && image_size % patch_size == 0,
             Status::invalid_format, "dit: image_size {} must be a positive multiple of patch_size {}",
             image_size, patch_size);
  AIGC_CHECK(in(in_channels, 1, 64) && in(hidden_size, 2, 65536) && hidden_size % 2 == 0 &&
                 in(num_heads, 1, 1024) && in(head_dim, 1, 65536) && in(mlp_hidden, 1, 1 << 20) &&
                 in(depth, 0, 1024) && in(num_classes, 1, 1 << 20),
             Status::invalid_format,
             "dit: bad sizes (in_channels {}, hidden_size {} (even), num_heads {}, head_dim {}, "
             "depth {}, num_classes {})",
             in_channels, hidden_size, num_heads, head_dim, depth, num_classes);
  AIGC_CHECK(in(num_train_timesteps, 1, 100000), Status::invalid_format,
             "dit: num_train_timesteps {} is out of range", num_train_timesteps);
  AIGC_CHECK(beta_start > 0 && beta_start <= beta_end && beta_end < 1, Status::invalid_format,
             "dit: need 0 < beta_start ({}) <= beta_end ({}) < 1", beta_start, beta_end);
}

Dit::Dit(const nn::WeightSource &weights, const DitConfig &config, ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  config_.validate();
  const DitConfig &c = config_;
  const int64_t D = c.hidden_size, P = c.patch_dim(), HD = c.num_heads * c.head_dim;
  const nn::Scope root(weights);

  // Conditioning: time_emb.{0: sinusoid buffer, 1: Linear, 3: Linear}, label_emb.
  half_freq_ = weights.get("time_emb.0.half_emb", Shape({D / 2})).to_f32_vector();
  time1_ = nn::Linear::load(root.sub("time_emb").at(1), D, D, nn::Bias::required);
  time2_ = nn::Linear::load(root.sub("time_emb").at(3), D, D, nn::Bias::required);
  label_table_ = nn::widen_to_f32(weights.get("label_emb.weight", Shape({c.num_classes, D})));

  // Patchify: conv [P, C, p, p] stride p, Linear P -> D, position embedding [1, L, D].
  patch_conv_ = nn::Conv2d::load(root.sub("conv"), c.in_channels, P, c.patch_size,
                                 ops::Conv2dOptions::square(int(c.patch_size), 0));
  patch_linear_ = nn::Linear::load(root.sub("patch_emb"), D, P, nn::Bias::required);
  pos_emb_ = nn::widen_to_f32(weights.get("patch_pos_emb", Shape({1, c.tokens(), D})));

  for (int64_t i = 0; i < c.depth; ++i) {
    const nn::Scope s = root.sub("dits").at(i);
    auto lin = [&](const char *name, int64_t out, int64_t in) {
      return nn::Linear::load(s.sub(name), out, in, nn::Bias::required);
    };
    Block b;
    b.scale1 = plus_one(lin("gamma1", D, D));
    b.shift1 = lin("beta1", D, D);
    b.gate1 = lin("alpha1", D, D);
    b.scale2 = plus_one(lin("gamma2", D, D));
    b.shift2 = lin("beta2", D, D);
    b.gate2 = lin("alpha2", D, D);
    b.ln1 = nn::LayerNorm::load(s.sub("ln1"), D, kLayerNormEps);
    b.ln2 = nn::LayerNorm::load(s.sub("ln2"), D, kLayerNormEps);
    b.wq = lin("wq", HD, D);
    b.wk = lin("wk", HD, D);
    b.wv = lin("wv", HD, D);
    b.out = lin("lv", D, HD);
    b.ff1 = nn::Linear::load(s.sub("ff").at(0), c.mlp_hidden, D, nn::Bias::required);
    b.ff2 = nn::Linear::load(s.sub("ff").at(2), D, c.mlp_hidden, nn::Bias::required);
    blocks_.push_back(std::move(b));
  }
  // A checkpoint with more blocks than `depth` is a config error, not something to ignore.
  AIGC_CHECK(!weights.find("dits." + std::to_string(c.depth) + ".ln1.weight").has_value(),
             Status::shape_mismatch, "dit: {} holds more than depth = {} blocks", weights.describe(),
             c.depth);
  final_ln_ = nn::LayerNorm::load(root.sub("ln"), D, kLayerNormEps);
  final_linear_ = nn::Linear::load(root.sub("linear"), P, D, nn::Bias::required);

  training_.num_train_timesteps = c.num_train_timesteps;
  training_.prediction = PredictionType::epsilon;
  training_.clamp_sample = c.clamp_sample;  // upstream clamps x to [-1, 1] after every step
  training_.variance_type = "fixed_small";  // upstream uses the posterior variance
  training_.default_sampler = "ddpm";
  training_.default_steps = int(c.num_train_timesteps);
  upstream_schedule(c, training_);

  info_.architecture = "dit";
  info_.num_classes = c.num_classes;
  AIGC_CHECK(info_.class_names.empty() || int64_t(info_.class_names.size()) == c.num_classes,
             Status::invalid_format, "dit: {} class names for {} classes", info_.class_names.size(),
             c.num_classes);
  if (info_.class_names.empty())
    for (int64_t k = 0; k < c.num_classes; ++k) info_.class_names.push_back(std::to_string(k));
}

Tensor Dit::block_forward(const ExecContext &ctx, const Block &b, const Tensor &x,
                          const Tensor &cond) const {
  // x: [N, L, D], cond: [N, D]; the adaLN vectors broadcast over tokens as [N, 1, D].
  const int64_t N = x.size(0), L = x.size(1), D = x.size(2);
  const int64_t H = config_.num_heads, HD = config_.head_dim;
  auto per_sample = [&](const nn::Linear &l) { return l(ctx, cond).reshape(Shape({N, 1, D})); };

  Tensor y = ops::add(ctx, ops::mul(ctx, b.ln1(ctx, x), per_sample(b.scale1)), per_sample(b.shift1));
  // q, k, v: [N, L, H * HD] -> views [N, H, L, HD]
  auto heads = [&](const nn::Linear &l) {
    return l(ctx, y).reshape(Shape({N, L, H, HD})).permute({0, 2, 1, 3});
  };
  ops::AttentionOptions opts;
  opts.scale = float(1.0 / std::sqrt(double(config_.attention_by_sequence_length ? L : HD)));
  Tensor a = ops::attention(ctx, heads(b.wq), heads(b.wk), heads(b.wv), opts);  // [N, H, L, HD]
  a = ops::contiguous(ctx, a.permute({0, 2, 1, 3})).reshape(Shape({N, L, H * HD}));
  Tensor h = ops::add(ctx, x, ops::mul(ctx, b.out(ctx, a), per_sample(b.gate1)));

  Tensor z = ops::add(ctx, ops::mul(ctx, b.ln2(ctx, h), per_sample(b.scale2)), per_sample(b.shift2));
  z = b.ff2(ctx, ops::relu(ctx, b.ff1(ctx, z)));
  return ops::add(ctx, h, ops::mul(ctx, z, per_sample(b.gate2)));
}

Tensor Dit::forward(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                    const Tensor &labels, DitTrace *trace) const {
  const DitConfig &c = config_;
  const int64_t S = c.image_size, C = c.in_channels, D = c.hidden_size, g = c.grid(), p = c.patch_size;
  AIGC_CHECK(x.defined() && x.rank() == 4 && x.size(0) >= 1 && x.size(1) == C && x.size(2) == S &&
                 x.size(3) == S,
             Status::shape_mismatch, "dit: x must be [N, {}, {}, {}], got {}", C, S, S,
             x.defined() ? x.describe() : std::string("nothing"));
  x.check_dtype(DType::f32, "dit");
  const int64_t N = x.size(0);
  AIGC_CHECK(timesteps.defined() && timesteps.rank() == 1 && timesteps.size(0) == N,
             Status::shape_mismatch, "dit: need {} timesteps (one per sample), got {}", N,
             timesteps.defined() ? timesteps.describe() : std::string("nothing"));
  AIGC_CHECK(timesteps.dtype() == DType::f32 || timesteps.dtype() == DType::i32, Status::invalid_argument,
             "dit: timesteps must be f32 or i32, got {}", timesteps.describe());
  AIGC_CHECK(labels.defined(), Status::invalid_argument, "dit: class labels are required ({} classes)",
             c.num_classes);
  AIGC_CHECK(labels.rank() == 1 && labels.size(0) == N, Status::shape_mismatch,
             "dit: need {} labels (one per sample), got {}", N, labels.describe());
  AIGC_CHECK(labels.dtype() == DType::i32 || labels.dtype() == DType::f32, Status::invalid_argument,
             "dit: labels must be i32 (or integral f32), got {}", labels.describe());

  // Host-side conditioning inputs: labels -> i32 ids, t -> sinusoid [N, D].
  const std::vector<float> yv = to_host(ctx, labels).to_f32_vector();
  std::vector<int32_t> ids(yv.size());
  for (size_t n = 0; n < yv.size(); ++n) {
    AIGC_CHECK(yv[n] >= 0.f && yv[n] < float(c.num_classes) && yv[n] == std::floor(yv[n]),
               Status::invalid_argument, "dit: label {} is not a class index in 0..{}", yv[n],
               c.num_classes - 1);
    ids[n] = int32_t(yv[n]);
  }
  const std::vector<float> tv = to_host(ctx, timesteps).to_f32_vector();
  const int64_t half = D / 2;
  std::vector<float> sinusoid(size_t(N * D));
  for (int64_t n = 0; n < N; ++n) {
    const float t = tv[size_t(n)];
    AIGC_CHECK(std::isfinite(t) && t >= 0.f && t <= float(c.num_train_timesteps - 1),
               Status::invalid_argument, "dit: timestep {} is outside [0, {}]", t,
               c.num_train_timesteps - 1);
    for (int64_t k = 0; k < half; ++k) {
      const float a = half_freq_[size_t(k)] * t;  // TimeEmbedding: cat(sin, cos), float32
      sinusoid[size_t(n * D + k)] = std::sin(a);
      sinusoid[size_t(n * D + half + k)] = std::cos(a);
    }
  }
  const Tensor time_sin = ctx.backend->upload(Tensor::from_vector(sinusoid, Shape({N, D})));
  const Tensor time_emb = time2_(ctx, ops::relu(ctx, time1_(ctx, time_sin)));
  const Tensor label_emb =
      ops::embedding(ctx, label_table_, ctx.backend->upload(Tensor::from_vector(ids, Shape({N}))));
  const Tensor cond = ops::add(ctx, label_emb, time_emb);  // [N, D]

  // Patchify: [N, C, S, S] -> conv [N, P, g, g] -> tokens [N, g*g, P] (row-major grid).
  const Tensor conv = patch_conv_(ctx, x);
  const Tensor tokens =
      ops::contiguous(ctx, conv.permute({0, 2, 3, 1})).reshape(Shape({N, g * g, c.patch_dim()}));
  const Tensor patch_linear = patch_linear_(ctx, tokens);
  Tensor h = ops::add(ctx, patch_linear, pos_emb_);  // [N, L, D]
  if (trace) {
    *trace = DitTrace{};
    trace->time_sinusoid = time_sin;
    trace->time_emb = time_emb;
    trace->label_emb = label_emb;
    trace->cond = cond;
    trace->patch_conv = conv;
    trace->patch_linear = patch_linear;
    trace->patch_embed = h;
  }
  for (const Block &b : blocks_) {
    h = block_forward(ctx, b, h, cond);
    if (trace) trace->blocks.push_back(h);
  }
  const Tensor ln = final_ln_(ctx, h);
  const Tensor patches = final_linear_(ctx, ln);  // [N, L, C p p]
  // Unpatchify: [N, g, g, C, p, p] -> [N, C, g, p, g, p] -> [N, C, S, S]
  const Tensor grid6 = patches.reshape(Shape({N, g, g, C, p, p})).permute({0, 3, 1, 4, 2, 5});
  const Tensor eps = ops::contiguous(ctx, grid6).reshape(Shape({N, C, S, S}));
  if (trace) {
    trace->final_ln = ln;
    trace->final_linear = patches;
    trace->eps = eps;
  }
  return eps;
}

Tensor Dit::predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                    const DenoiserCondition &condition) const {
  return forward(ctx, x, timesteps, condition.labels);
}

std::shared_ptr<const Denoiser> load_dit(const nn::WeightSource &weights, const nlohmann::json &config,
                                         ImageModelInfo info) {
  const DitConfig c = DitConfig::from_json(config);
  // Optional "class_names" (the converter writes "0".."9"); digits by default.
  auto it = config.find("class_names");
  if (it != config.end() && !it->is_null()) {
    AIGC_CHECK(it->is_array(), Status::invalid_format, "dit: config.json 'class_names' is not a list");
    info.class_names.clear();
    for (const auto &name : *it) {
      AIGC_CHECK(name.is_string(), Status::invalid_format,
                 "dit: config.json 'class_names' holds a non-string");
      info.class_names.push_back(name.get<std::string>());
    }
  }
  return std::make_shared<const Dit>(weights, c, std::move(info));
}

}  // namespace aigc::models
