#include "models/sd/unet2d_condition.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/sd/unet_blocks.hpp"
#include "nn/conv_layers.hpp"
#include "nn/timestep_embedding.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {

constexpr int64_t kMaxDim = int64_t(1) << 20;

// A config value that is an int (same for every block) or a list with one int per block.
std::vector<int64_t> per_block_ints(const nlohmann::json &j, const char *key, size_t blocks, int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::vector<int64_t>(blocks, fallback);
  if (!it->is_array()) {
    const int64_t v = json_int(j, key, fallback);
    AIGC_CHECK(v > 0 && v <= kMaxDim, Status::invalid_format, "unet config: '{}' = {} is out of range", key, v);
    return std::vector<int64_t>(blocks, v);
  }
  AIGC_CHECK(it->size() == blocks, Status::invalid_format, "unet config: '{}' has {} entries for {} blocks", key,
             it->size(), blocks);
  std::vector<int64_t> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number_integer(), Status::unsupported, "unet config: '{}' holds {}, not an integer", key,
               v.dump());
    const int64_t x = v.get<int64_t>();
    AIGC_CHECK(x > 0 && x <= kMaxDim, Status::invalid_format, "unet config: '{}' holds {}, out of range", key, x);
    out.push_back(x);
  }
  return out;
}

std::vector<bool> per_block_bools(const nlohmann::json &j, const char *key, size_t blocks) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::vector<bool>(blocks, false);
  if (!it->is_array()) return std::vector<bool>(blocks, json_bool(j, key, false));
  AIGC_CHECK(it->size() == blocks, Status::invalid_format, "unet config: '{}' has {} entries for {} blocks", key,
             it->size(), blocks);
  std::vector<bool> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_boolean(), Status::invalid_format, "unet config: '{}' holds {}, not true/false", key, v.dump());
    out.push_back(v.get<bool>());
  }
  return out;
}

std::vector<std::string> string_list(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  AIGC_CHECK(it != j.end() && it->is_array() && !it->empty(), Status::invalid_format,
             "unet config: '{}' must be a non-empty list of block types", key);
  std::vector<std::string> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_string(), Status::invalid_format, "unet config: '{}' holds {}, not a string", key, v.dump());
    out.push_back(v.get<std::string>());
  }
  return out;
}

// A config key that must be absent, null or equal to `expected` (features we do not implement).
void require_value(const nlohmann::json &j, const char *key, const nlohmann::json &expected) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null() || *it == expected) return;
  fail(Status::unsupported, "unet config: '{}' = {} is not supported (only {})", key, it->dump(), expected.dump());
}

void require_null(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  AIGC_CHECK(it == j.end() || it->is_null(), Status::unsupported, "unet config: '{}' = {} is not supported", key,
             it == j.end() ? std::string() : it->dump());
}

}  // namespace

UNet2DConditionConfig UNet2DConditionConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "unet config: not a JSON object");
  UNet2DConditionConfig c;
  c.in_channels = json_int(j, "in_channels", 4);
  c.out_channels = json_int(j, "out_channels", 4);
  AIGC_CHECK(c.in_channels > 0 && c.in_channels <= kMaxDim && c.out_channels > 0 && c.out_channels <= kMaxDim,
             Status::invalid_format, "unet config: in/out channels {} / {} out of range", c.in_channels,
             c.out_channels);
  c.down_block_types = string_list(j, "down_block_types");
  c.up_block_types = string_list(j, "up_block_types");
  const size_t n = c.down_block_types.size();
  AIGC_CHECK(c.up_block_types.size() == n, Status::invalid_format,
             "unet config: {} down blocks but {} up blocks", n, c.up_block_types.size());
  AIGC_CHECK(n <= 16, Status::invalid_format, "unet config: {} blocks is too many", n);
  for (const auto &t : c.down_block_types)
    AIGC_CHECK(t == "CrossAttnDownBlock2D" || t == "DownBlock2D", Status::unsupported,
               "unet config: down block type '{}' is not supported (CrossAttnDownBlock2D, DownBlock2D)", t);
  for (const auto &t : c.up_block_types)
    AIGC_CHECK(t == "CrossAttnUpBlock2D" || t == "UpBlock2D", Status::unsupported,
               "unet config: up block type '{}' is not supported (CrossAttnUpBlock2D, UpBlock2D)", t);
  const std::string mid = json_string(j, "mid_block_type", "UNetMidBlock2DCrossAttn");
  AIGC_CHECK(mid == "UNetMidBlock2DCrossAttn", Status::unsupported,
             "unet config: mid block type '{}' is not supported (UNetMidBlock2DCrossAttn)", mid);

  auto boc = j.find("block_out_channels");
  AIGC_CHECK(boc != j.end() && boc->is_array() && boc->size() == n, Status::invalid_format,
             "unet config: block_out_channels must list {} channel counts", n);
  c.block_out_channels = per_block_ints(j, "block_out_channels", n, 0);
  c.layers_per_block = per_block_ints(j, "layers_per_block", n, 2);
  c.transformer_layers_per_block = per_block_ints(j, "transformer_layers_per_block", n, 1);
  c.cross_attention_dim = per_block_ints(j, "cross_attention_dim", n, 1280);
  // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (the name is
  // a historical mistake; for SD 1.x "attention_head_dim": 8 means 8 heads).
  const bool has_heads = j.contains("num_attention_heads") && !j["num_attention_heads"].is_null();
  c.attention_heads = per_block_ints(j, has_heads ? "num_attention_heads" : "attention_head_dim", n, 8);
  c.only_cross_attention = per_block_bools(j, "only_cross_attention", n);
  c.norm_num_groups = int(json_int(j, "norm_num_groups", 32));
  c.norm_eps = json_float(j, "norm_eps", 1e-5f);
  AIGC_CHECK(c.norm_num_groups > 0 && c.norm_eps > 0.f, Status::invalid_format,
             "unet config: norm_num_groups {} / norm_eps {} must be positive", c.norm_num_groups, c.norm_eps);
  c.flip_sin_to_cos = json_bool(j, "flip_sin_to_cos", true);
  c.freq_shift = json_float(j, "freq_shift", 0.f);
  c.sample_size = json_int(j, "sample_size", 64);
  c.use_linear_projection = json_bool(j, "use_linear_projection", false);
  c.time_embed_dim = json_int(j, "time_embedding_dim", 4 * c.block_out_channels[0]);
  AIGC_CHECK(c.time_embed_dim > 0 && c.time_embed_dim <= kMaxDim, Status::invalid_format,
             "unet config: time_embedding_dim {} out of range", c.time_embed_dim);
  AIGC_CHECK(c.block_out_channels[0] >= 2, Status::invalid_format,
             "unet config: block_out_channels[0] = {} is too small for a timestep embedding",
             c.block_out_channels[0]);

  // Features outside SD 1.x / 2.x.
  require_value(j, "center_input_sample", false);
  require_value(j, "time_embedding_type", "positional");
  require_value(j, "act_fn", "silu");
  require_value(j, "conv_in_kernel", 3);
  require_value(j, "conv_out_kernel", 3);
  require_value(j, "resnet_time_scale_shift", "default");
  require_value(j, "dual_cross_attention", false);
  require_value(j, "mid_block_scale_factor", 1);
  require_value(j, "resnet_out_scale_factor", 1);
  require_value(j, "downsample_padding", 1);
  require_value(j, "resnet_skip_time_act", false);
  require_value(j, "attention_type", "default");
  require_value(j, "class_embeddings_concat", false);
  for (const char *key : {"class_embed_type", "num_class_embeds", "addition_embed_type", "encoder_hid_dim",
                          "encoder_hid_dim_type", "time_cond_proj_dim", "timestep_post_act", "time_embedding_act_fn",
                          "cross_attention_norm", "reverse_transformer_layers_per_block"})
    require_null(j, key);
  return c;
}

namespace {

class UNet2DCondition final : public Denoiser {
 public:
  UNet2DCondition(UNet2DConditionConfig config, const nn::WeightSource &weights, ImageModelInfo info,
                  DiffusionTraining training)
      : config_(std::move(config)), info_(std::move(info)), training_(std::move(training)) {
    if (info_.architecture.empty()) info_.architecture = "unet2d_condition";
    const auto &c = config_;
    const nn::Scope root(weights);
    const int64_t c0 = c.block_out_channels[0];
    const size_t n = c.block_out_channels.size();
    for (size_t i = 1; i < n; ++i)
      AIGC_CHECK(c.cross_attention_dim[i] == c.cross_attention_dim[0], Status::unsupported,
                 "unet config: per-block cross_attention_dim values differ");
    time_embedding_ = nn::TimestepEmbedding::load(root.sub("time_embedding"), c0, c.time_embed_dim);
    conv_in_ = nn::Conv2d::load(root.sub("conv_in"), c.in_channels, c0, 3, ops::Conv2dOptions::square(1, 1));

    auto block_options = [&](size_t i, bool has_attention) {
      sd::UNetBlockOptions o;
      o.temb_channels = c.time_embed_dim;
      o.groups = c.norm_num_groups;
      o.eps = c.norm_eps;
      o.has_attention = has_attention;
      o.attention.heads = c.attention_heads[i];
      o.attention.num_layers = c.transformer_layers_per_block[i];
      o.attention.context_dim = c.cross_attention_dim[i];
      o.attention.use_linear_projection = c.use_linear_projection;
      o.attention.only_cross_attention = c.only_cross_attention[i];
      return o;
    };

    // Down path; skip_channels mirrors the tensors forward() pushes for the up path.
    std::vector<int64_t> skip_channels = {c0};  // conv_in output
    int64_t channels = c0;
    for (size_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      const int64_t out = c.block_out_channels[i];
      down_.push_back(sd::UNetDownBlock::load(root.sub("down_blocks").at(int64_t(i)), channels, out,
                                              c.layers_per_block[i], !last,
                                              block_options(i, c.down_block_types[i] == "CrossAttnDownBlock2D")));
      for (int64_t l = 0; l < c.layers_per_block[i] + (last ? 0 : 1); ++l) skip_channels.push_back(out);
      channels = out;
    }
    auto mid_options = block_options(n - 1, true);
    mid_ = sd::UNetMidBlock::load(root.sub("mid_block"), channels, 1, mid_options);

    // Up path: block i mirrors down block n-1-i with one more layer; each layer consumes one skip.
    for (size_t i = 0; i < n; ++i) {
      const size_t d = n - 1 - i;
      const bool last = i + 1 == n;
      std::vector<int64_t> skips;
      for (int64_t l = 0; l <= c.layers_per_block[d]; ++l) {
        AIGC_CHECK(!skip_channels.empty(), Status::unsupported, "unet config: up blocks need more skips than exist");
        skips.push_back(skip_channels.back());
        skip_channels.pop_back();
      }
      const int64_t out = c.block_out_channels[d];
      up_.push_back(sd::UNetUpBlock::load(root.sub("up_blocks").at(int64_t(i)), channels, out, skips, !last,
                                          block_options(d, c.up_block_types[i] == "CrossAttnUpBlock2D")));
      channels = out;
    }
    AIGC_CHECK(skip_channels.empty(), Status::unsupported, "unet config: {} skip connections left unused",
               skip_channels.size());
    conv_norm_out_ = nn::GroupNorm::load(root.sub("conv_norm_out"), c.norm_num_groups, c0, c.norm_eps);
    conv_out_ = nn::Conv2d::load(root.sub("conv_out"), c0, c.out_channels, 3, ops::Conv2dOptions::square(1, 1));
  }

  const ImageModelInfo &info() const override { return info_; }
  const DiffusionTraining &training() const override { return training_; }
  Shape sample_shape() const override { return Shape({config_.in_channels, 0, 0}); }
  int64_t spatial_factor() const override { return config_.spatial_factor(); }
  int64_t context_dim() const override { return config_.cross_attention_dim[0]; }

  Tensor predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                 const DenoiserCondition &condition) const override {
    const int64_t f = spatial_factor();
    AIGC_CHECK(x.defined() && x.rank() == 4 && x.size(0) > 0 && x.size(1) == config_.in_channels,
               Status::shape_mismatch, "unet: sample must be f32 [N, {}, H, W], got {}", config_.in_channels,
               x.defined() ? x.describe() : std::string("(none)"));
    x.check_dtype(DType::f32, "unet sample");
    AIGC_CHECK(x.size(2) > 0 && x.size(3) > 0 && x.size(2) % f == 0 && x.size(3) % f == 0,
               Status::invalid_argument, "unet: sample size {}x{} is not a positive multiple of {}", x.size(2),
               x.size(3), f);
    const int64_t n = x.size(0);
    const Tensor &context = condition.context;
    AIGC_CHECK(context.defined() && context.rank() == 3 && context.size(0) == n && context.size(1) > 0 &&
                   context.size(2) == context_dim(),
               Status::shape_mismatch, "unet: condition.context must be f32 [{}, T, {}], got {}", n, context_dim(),
               context.defined() ? context.describe() : std::string("(none)"));
    context.check_dtype(DType::f32, "unet context");
    AIGC_CHECK(!condition.labels.defined(), Status::invalid_argument,
               "unet: the model is not class-conditional, labels must be empty");
    AIGC_CHECK(timesteps.defined() && timesteps.rank() == 1 && (timesteps.size(0) == n || timesteps.size(0) == 1),
               Status::shape_mismatch, "unet: timesteps must be f32 [{}] (or [1]), got {}", n,
               timesteps.defined() ? timesteps.describe() : std::string("(none)"));
    timesteps.check_dtype(DType::f32, "unet timesteps");
    const Tensor t = timesteps.size(0) == n ? timesteps : timesteps.expand(Shape({n}));

    // temb: [N, time_embed_dim]
    const Tensor t_features = nn::timestep_sinusoid(ctx, t, config_.block_out_channels[0],
                                                    config_.flip_sin_to_cos, config_.freq_shift);
    const Tensor temb = time_embedding_(ctx, t_features);

    Tensor h = conv_in_(ctx, x);  // [N, c0, H, W]
    std::vector<Tensor> skips = {h};
    for (const auto &block : down_) h = block(ctx, h, temb, context, skips);
    h = mid_(ctx, h, temb, context);
    for (const auto &block : up_) h = block(ctx, h, temb, context, skips);
    AIGC_ASSERT(skips.empty());
    return conv_out_(ctx, ops::silu(ctx, conv_norm_out_(ctx, h)));  // [N, out_channels, H, W]
  }

 private:
  UNet2DConditionConfig config_;
  ImageModelInfo info_;
  DiffusionTraining training_;
  nn::TimestepEmbedding time_embedding_;
  nn::Conv2d conv_in_, conv_out_;
  nn::GroupNorm conv_norm_out_;
  std::vector<sd::UNetDownBlock> down_;
  sd::UNetMidBlock mid_;
  std::vector<sd::UNetUpBlock> up_;
};

}  // namespace

std::shared_ptr<const Denoiser> load_unet2d_condition(const nn::WeightSource &weights, const nlohmann::json &config,
                                                      ImageModelInfo info, DiffusionTraining training) {
  return std::make_shared<UNet2DCondition>(UNet2DConditionConfig::from_json(config), weights, std::move(info),
                                           std::move(training));
}

}  // namespace aigc::models
