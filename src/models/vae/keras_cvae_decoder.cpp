#include "models/vae/keras_cvae_decoder.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/concat.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"
#include "ops/upsample.hpp"

namespace aigc::models {

namespace {


int64_t positive_int(const nlohmann::json &j, const char *key, int64_t fallback = 0) {
  const int64_t v = json_int(j, key, fallback);
  AIGC_CHECK(v > 0 && v <= (int64_t(1) << 24), Status::invalid_format,
             "keras_cvae_decoder config: '{}' must be a positive integer, got {}", key, v);
  return v;
}

// Required array of exactly `count` positive integers.
std::vector<int64_t> int_list(const nlohmann::json &j, const char *key, size_t count) {
  auto it = j.find(key);
  AIGC_CHECK(it != j.end() && it->is_array() && it->size() == count, Status::invalid_format,
             "keras_cvae_decoder config: '{}' must be an array of {} integers", key, count);
  std::vector<int64_t> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= (int64_t(1) << 16),
               Status::invalid_format, "keras_cvae_decoder config: '{}' holds {}, not a positive integer",
               key, v.dump());
    out.push_back(v.get<int64_t>());
  }
  return out;
}

KerasActivation parse_activation(const nlohmann::json &layer) {
  const std::string a = json_string(layer, "activation", "linear");
  if (a == "linear") return KerasActivation::linear;
  if (a == "relu") return KerasActivation::relu;
  if (a == "sigmoid") return KerasActivation::sigmoid;
  if (a == "tanh") return KerasActivation::tanh;
  fail(Status::unsupported,
       "keras_cvae_decoder: activation '{}' is not supported (linear, relu, sigmoid, tanh)", a);
}

Tensor activate(const ExecContext &ctx, const Tensor &x, KerasActivation a) {
  switch (a) {
    case KerasActivation::relu:
      return ops::relu(ctx, x);
    case KerasActivation::sigmoid:
      return ops::sigmoid(ctx, x);
    case KerasActivation::tanh:
      return ops::tanh(ctx, x);
    case KerasActivation::linear:
      break;
  }
  return x;
}

}  // namespace

KerasCvaeConfig KerasCvaeConfig::from_json(const nlohmann::json &j) {
  KerasCvaeConfig c;
  c.latent_dim = positive_int(j, "latent_dim");
  c.label_width = positive_int(j, "label_width");
  c.label_index_offset = json_int(j, "label_index_offset", 0);
  auto names = j.find("class_names");
  AIGC_CHECK(names != j.end() && names->is_array() && !names->empty(), Status::invalid_format,
             "keras_cvae_decoder config: 'class_names' must be a non-empty array");
  for (const auto &n : *names) {
    AIGC_CHECK(n.is_string(), Status::invalid_format,
               "keras_cvae_decoder config: class_names must be strings");
    c.class_names.push_back(n.get<std::string>());
  }
  AIGC_CHECK(
      c.label_index_offset >= 0 && c.label_index_offset + int64_t(c.class_names.size()) <= c.label_width,
      Status::invalid_format,
      "keras_cvae_decoder config: {} classes at offset {} do not fit a one-hot of width {}",
      c.class_names.size(), c.label_index_offset, c.label_width);
  c.image_shape = Shape(int_list(j, "image_shape", 3));
  c.pixel_range = pixel_range_from_config(j, "zero_one");

  // Layers, in Keras order: concatenate, dense, reshape, then transposed convs / upsampling.
  auto layers = j.find("layers");
  AIGC_CHECK(layers != j.end() && layers->is_array() && layers->size() >= 4, Status::invalid_format,
             "keras_cvae_decoder config: 'layers' must list concatenate, dense, reshape and more");
  auto type_of = [](const nlohmann::json &l) {
    return l.is_object() ? json_string(l, "type", "") : std::string();
  };
  const auto &ls = *layers;
  AIGC_CHECK(type_of(ls[0]) == "concatenate" && type_of(ls[1]) == "dense" && type_of(ls[2]) == "reshape",
             Status::unsupported,
             "keras_cvae_decoder: layers must start with concatenate, dense, reshape (got {}, {}, {})",
             type_of(ls[0]), type_of(ls[1]), type_of(ls[2]));
  c.dense_name = json_string(ls[1], "name", "");
  AIGC_CHECK(!c.dense_name.empty(), Status::invalid_format,
             "keras_cvae_decoder config: the dense layer has no name");
  c.dense_units = positive_int(ls[1], "units");
  c.dense_activation = parse_activation(ls[1]);
  const auto target = int_list(ls[2], "target_shape", 3);
  c.reshape_h = target[0], c.reshape_w = target[1], c.reshape_c = target[2];
  AIGC_CHECK(
      c.reshape_h * c.reshape_w * c.reshape_c == c.dense_units, Status::invalid_format,
      "keras_cvae_decoder config: reshape target [{}, {}, {}] does not hold the dense layer's {} units",
      c.reshape_h, c.reshape_w, c.reshape_c, c.dense_units);

  int64_t channels = c.reshape_c, h = c.reshape_h, w = c.reshape_w;
  for (size_t i = 3; i < ls.size(); ++i) {
    const std::string type = type_of(ls[i]);
    Layer l;
    if (type == "upsample") {
      l.type = Layer::Type::upsample;
      l.size = int(positive_int(ls[i], "size", 2));
      h *= l.size, w *= l.size;
    } else if (type == "conv2d_transpose") {
      l.type = Layer::Type::conv2d_transpose;
      l.name = json_string(ls[i], "name", "");
      AIGC_CHECK(!l.name.empty(), Status::invalid_format, "keras_cvae_decoder config: layer {} has no name",
                 i);
      l.filters = positive_int(ls[i], "filters");
      l.kernel = positive_int(ls[i], "kernel");
      l.stride = positive_int(ls[i], "stride", 1);
      const std::string padding = json_string(ls[i], "padding", "valid");
      l.activation = parse_activation(ls[i]);
      // Keras "same" with stride 1 and an odd kernel crops (k - 1) / 2 on each side, which
      // is ConvTranspose2d padding (k - 1) / 2; other "same" cases crop asymmetrically.
      AIGC_CHECK(padding == "valid" || (padding == "same" && l.stride == 1 && l.kernel % 2 == 1),
                 Status::unsupported,
                 "keras_cvae_decoder: {} padding '{}' with stride {} and kernel {} is not supported "
                 "(valid, or same with stride 1 and an odd kernel)",
                 l.name, padding, l.stride, l.kernel);
      l.same_padding = padding == "same";
      const int pad = l.same_padding ? int(l.kernel - 1) / 2 : 0;
      h = ops::conv_transpose_out_size(h, l.kernel, int(l.stride), pad, 1, 0);
      w = ops::conv_transpose_out_size(w, l.kernel, int(l.stride), pad, 1, 0);
      channels = l.filters;
    } else {
      fail(Status::unsupported,
           "keras_cvae_decoder: layer type '{}' is not supported (conv2d_transpose, upsample)", type);
    }
    c.layers.push_back(l);
  }
  AIGC_CHECK(Shape({channels, h, w}) == c.image_shape, Status::invalid_format,
             "keras_cvae_decoder config: the layers produce [{}, {}, {}], image_shape is {}", channels, h, w,
             c.image_shape.to_string());
  return c;
}

KerasCvaeDecoder::KerasCvaeDecoder(const KerasCvaeConfig &config, const nn::WeightSource &weights,
                                   ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  const KerasCvaeConfig &c = config_;
  const nn::Scope root(weights);
  dense_ = nn::Linear::load(root.sub(c.dense_name), c.dense_units, c.latent_dim + c.label_width,
                            nn::Bias::required);
  int64_t channels = c.reshape_c;
  for (const auto &l : c.layers) {
    Step s{l, {}};
    if (l.type == KerasCvaeConfig::Layer::Type::conv2d_transpose) {
      const int pad = l.same_padding ? int(l.kernel - 1) / 2 : 0;
      s.conv = nn::ConvTranspose2d::load(root.sub(l.name), channels, l.filters, l.kernel,
                                         ops::ConvTranspose2dOptions::square(int(l.stride), pad));
      channels = l.filters;
    }
    steps_.push_back(std::move(s));
  }
  info_.class_names = c.class_names;
  info_.num_classes = int64_t(c.class_names.size());
}

LatentDistribution KerasCvaeDecoder::encode(const ExecContext &, const Tensor &) const {
  fail(Status::invalid_argument, "keras_cvae_decoder encode: '{}' has no encoder (decoder-only model)",
       info_.name);
}

Tensor KerasCvaeDecoder::decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const {
  return decode_traced(ctx, latents, labels, nullptr);
}

Tensor KerasCvaeDecoder::decode_traced(const ExecContext &ctx, const Tensor &latents, const Tensor &labels,
                                       std::map<std::string, Tensor> *trace) const {
  const KerasCvaeConfig &c = config_;
  AIGC_CHECK(latents.rank() == 2 && latents.size(0) > 0 && latents.size(1) == c.latent_dim,
             Status::shape_mismatch, "keras_cvae_decoder decode: latents must be f32 [N, {}], got {}",
             c.latent_dim, latents.describe());
  latents.check_dtype(DType::f32, "keras_cvae_decoder decode");
  const int64_t n = latents.size(0);
  AIGC_CHECK(labels.defined(), Status::invalid_argument,
             "keras_cvae_decoder decode: the model is class-conditional, labels [N] are required");
  AIGC_CHECK(labels.dtype() == DType::i32, Status::invalid_argument,
             "keras_cvae_decoder decode: labels must be i32, got {}", labels.describe());
  AIGC_CHECK(labels.rank() == 1 && labels.size(0) == n, Status::shape_mismatch,
             "keras_cvae_decoder decode: labels must be [{}] (one per latent), got {}", n, labels.describe());
  labels.check_host("keras_cvae_decoder decode");

  // One-hot label input [N, label_width], hot at class + offset.
  const Tensor host_labels = labels.contiguous();
  const int32_t *ids = host_labels.data_as<int32_t>();
  std::vector<float> one_hot(size_t(n * c.label_width), 0.f);
  for (int64_t i = 0; i < n; ++i) {
    AIGC_CHECK(ids[i] >= 0 && ids[i] < info_.num_classes, Status::invalid_argument,
               "keras_cvae_decoder decode: label {} (sample {}) is out of range [0, {})", ids[i], i,
               info_.num_classes);
    one_hot[size_t(i * c.label_width + ids[i] + c.label_index_offset)] = 1.f;
  }
  const Tensor label_input = ctx.backend->upload(Tensor::from_vector(one_hot, Shape({n, c.label_width})));

  Tensor x = ops::concat(ctx, {latents, label_input}, 1);  // [N, latent + label_width]
  x = activate(ctx, dense_(ctx, x), c.dense_activation);   // [N, units]
  if (trace) (*trace)["dense"] = x;
  // Keras Reshape is row-major over NHWC [h, w, c]; the convolutions run in NCHW.
  x = ops::contiguous(ctx,
                      x.reshape(Shape({n, c.reshape_h, c.reshape_w, c.reshape_c})).permute({0, 3, 1, 2}));
  int conv_count = 0, up_count = 0;
  for (const Step &s : steps_) {
    if (s.layer.type == KerasCvaeConfig::Layer::Type::upsample) {
      x = ops::upsample(ctx, x, UpsampleMode::nearest, s.layer.size);  // [N, C, H*f, W*f]
      if (trace) (*trace)["up" + std::to_string(++up_count)] = x;
    } else {
      x = activate(ctx, s.conv(ctx, x), s.layer.activation);  // [N, filters, H', W']
      if (trace) (*trace)["ct" + std::to_string(++conv_count)] = x;
    }
  }
  return x;  // [N, C, H, W]
}

std::shared_ptr<const Autoencoder> load_keras_cvae_decoder(const nn::WeightSource &weights,
                                                           const nlohmann::json &config,
                                                           ImageModelInfo info) {
  return std::make_shared<KerasCvaeDecoder>(KerasCvaeConfig::from_json(config), weights, std::move(info));
}

}  // namespace aigc::models
