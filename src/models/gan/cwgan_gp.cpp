#include "models/gan/cwgan_gp.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/concat.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"
#include "ops/upsample.hpp"

namespace aigc::models {

namespace {


int64_t positive_int(const nlohmann::json &j, const char *key, int64_t fallback) {
  const int64_t v = json_int(j, key, fallback);
  AIGC_CHECK(v > 0 && v <= (int64_t(1) << 24), Status::invalid_format,
             "cwgan_gp config: '{}' must be a positive integer, got {}", key, v);
  return v;
}

// Required array `key` of positive numbers.
std::vector<double> number_list(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  AIGC_CHECK(it != j.end() && it->is_array() && !it->empty(), Status::invalid_format,
             "cwgan_gp config: '{}' must be a non-empty array", key);
  std::vector<double> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number() && v.get<double>() > 0 && v.get<double>() < 1e9, Status::invalid_format,
               "cwgan_gp config: '{}' holds {}, not a positive number", key, v.dump());
    out.push_back(v.get<double>());
  }
  return out;
}

std::vector<int64_t> int_list(const nlohmann::json &j, const char *key) {
  std::vector<int64_t> out;
  for (double d : number_list(j, key)) {
    AIGC_CHECK(d == double(int64_t(d)), Status::invalid_format,
               "cwgan_gp config: '{}' holds {}, not an integer", key, d);
    out.push_back(int64_t(d));
  }
  return out;
}

// labels: i32 [n] with every value in [0, num_classes) -> a host i32 copy.
Tensor checked_labels(const Tensor &labels, int64_t n, int64_t num_classes) {
  AIGC_CHECK(labels.defined(), Status::invalid_argument,
             "cwgan_gp generate: the model is class-conditional, labels [N] are required");
  AIGC_CHECK(labels.dtype() == DType::i32, Status::invalid_argument,
             "cwgan_gp generate: labels must be i32, got {}", labels.describe());
  AIGC_CHECK(labels.rank() == 1 && labels.size(0) == n, Status::shape_mismatch,
             "cwgan_gp generate: labels must be [{}] (one per latent), got {}", n, labels.describe());
  labels.check_host("cwgan_gp generate");
  const Tensor host = labels.contiguous();
  const int32_t *p = host.data_as<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    AIGC_CHECK(p[i] >= 0 && p[i] < num_classes, Status::invalid_argument,
               "cwgan_gp generate: label {} (sample {}) is out of range [0, {})", p[i], i, num_classes);
  return host;
}

}  // namespace

CwganGpConfig CwganGpConfig::from_json(const nlohmann::json &j) {
  CwganGpConfig c;
  c.latent_dim = positive_int(j, "latent_dim", 0);
  c.num_classes = positive_int(j, "num_classes", 0);
  c.init_size = positive_int(j, "init_size", 0);
  c.kernel_size = positive_int(j, "kernel_size", c.kernel_size);
  c.upsample_factor = int(positive_int(j, "upsample_factor", c.upsample_factor));
  AIGC_CHECK(c.kernel_size % 2 == 1, Status::invalid_format,
             "cwgan_gp config: kernel_size {} must be odd (size-preserving padding)", c.kernel_size);
  c.channels = int_list(j, "channels");
  for (double e : number_list(j, "batch_norm_eps")) c.batch_norm_eps.push_back(float(e));
  AIGC_CHECK(c.batch_norm_eps.size() == c.channels.size(), Status::invalid_format,
             "cwgan_gp config: batch_norm_eps has {} entries, channels {} (one BatchNorm per entry)",
             c.batch_norm_eps.size(), c.channels.size());
  const auto image = int_list(j, "image_shape");
  AIGC_CHECK(image.size() == 3, Status::invalid_format, "cwgan_gp config: image_shape must be [C, H, W]");
  c.image_shape = Shape(image);
  c.pixel_range = pixel_range_from_config(j, "minus_one_one");

  int64_t size = c.init_size;
  for (size_t i = 1; i < c.channels.size(); ++i) size *= c.upsample_factor;
  AIGC_CHECK(size == c.image_shape[1] && size == c.image_shape[2], Status::invalid_format,
             "cwgan_gp config: init_size {} upsampled {} times gives {}x{}, image_shape is {}", c.init_size,
             c.channels.size() - 1, size, size, c.image_shape.to_string());

  auto names = j.find("class_names");
  if (names != j.end() && !names->is_null()) {
    AIGC_CHECK(names->is_array() && int64_t(names->size()) == c.num_classes, Status::invalid_format,
               "cwgan_gp config: class_names must list num_classes ({}) names", c.num_classes);
    for (const auto &n : *names) {
      AIGC_CHECK(n.is_string(), Status::invalid_format, "cwgan_gp config: class_names must be strings");
      c.class_names.push_back(n.get<std::string>());
    }
  } else {
    for (int64_t i = 0; i < c.num_classes; ++i) c.class_names.push_back(std::to_string(i));  // digits
  }
  return c;
}

CwganGpGenerator::CwganGpGenerator(const CwganGpConfig &config, const nn::WeightSource &weights,
                                   ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  const CwganGpConfig &c = config_;
  const nn::Scope root(weights);
  label_emb_ = nn::Embedding::load(root.sub("label_emb"), c.num_classes, c.num_classes);
  l1_ = nn::Linear::load(root.sub("l1").at(0), c.channels[0] * c.init_size * c.init_size,
                         c.latent_dim + c.num_classes, nn::Bias::required);
  const nn::Scope blocks = root.sub("conv_blocks");
  bn0_ = nn::BatchNorm::load(blocks.at(0), c.channels[0], c.batch_norm_eps[0]);
  const auto same = ops::Conv2dOptions::square(1, int(c.kernel_size / 2));
  int64_t index = 1;  // after the first BatchNorm: [Upsample, Conv, BN, ReLU] per stage
  for (size_t i = 1; i < c.channels.size(); ++i, index += 4) {
    Stage s;
    s.conv = nn::Conv2d::load(blocks.at(index + 1), c.channels[i - 1], c.channels[i], c.kernel_size, same);
    s.norm = nn::BatchNorm::load(blocks.at(index + 2), c.channels[i], c.batch_norm_eps[i]);
    stages_.push_back(std::move(s));
  }
  out_conv_ = nn::Conv2d::load(blocks.at(index), c.channels.back(), c.image_shape[0], c.kernel_size, same);
  info_.num_classes = c.num_classes;
  info_.class_names = c.class_names;
}

Tensor CwganGpGenerator::generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const {
  return generate_traced(ctx, z, labels, nullptr);
}

Tensor CwganGpGenerator::generate_traced(const ExecContext &ctx, const Tensor &z, const Tensor &labels,
                                         std::map<std::string, Tensor> *trace) const {
  const CwganGpConfig &c = config_;
  AIGC_CHECK(z.rank() == 2 && z.size(0) > 0 && z.size(1) == c.latent_dim, Status::shape_mismatch,
             "cwgan_gp generate: latent must be f32 [N, {}], got {}", c.latent_dim, z.describe());
  z.check_dtype(DType::f32, "cwgan_gp generate");
  const int64_t n = z.size(0);
  const Tensor ids = ctx.backend->upload(checked_labels(labels, n, c.num_classes));
  // gen_input = cat(noise, label_emb(labels)): [N, latent + classes]
  Tensor x = ops::concat(ctx, {z, label_emb_(ctx, ids)}, 1);
  x = l1_(ctx, x);  // [N, C0 * s * s]
  if (trace) (*trace)["l1"] = x;
  x = ops::contiguous(ctx, x).reshape(Shape({n, c.channels[0], c.init_size, c.init_size}));
  x = bn0_(ctx, x);  // [N, C0, s, s]
  if (trace) (*trace)["bn0"] = x;
  for (const Stage &s : stages_) {
    x = ops::upsample(ctx, x, UpsampleMode::nearest, c.upsample_factor);
    x = ops::relu(ctx, s.norm(ctx, s.conv(ctx, x)));  // [N, C_i, H_i, W_i]
  }
  return ops::tanh(ctx, out_conv_(ctx, x));  // [N, C, H, W]
}

std::shared_ptr<const Generator> load_cwgan_gp(const nn::WeightSource &weights, const nlohmann::json &config,
                                               ImageModelInfo info) {
  return std::make_shared<CwganGpGenerator>(CwganGpConfig::from_json(config), weights, std::move(info));
}

}  // namespace aigc::models
