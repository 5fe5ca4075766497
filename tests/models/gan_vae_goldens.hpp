// Helpers shared by the GAN and small-VAE golden tests: load a converted model directory
// (config.json + model.safetensors from tools/aigc-convert) without the front door, read
// the goldens, compare tensors element by element.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "io/safetensors.hpp"
#include "model_paths.hpp"
#include "models/image_model.hpp"
#include "nn/weight_source.hpp"

namespace aigc::test {

struct ConvertedModel {
  nlohmann::json config;
  std::unique_ptr<nn::WeightSource> weights;
  models::ImageModelInfo info;
  std::string weights_path;
};

inline ConvertedModel load_converted(const std::string &name) {
  const std::string dir = converted_model_dir(name);
  ConvertedModel m;
  std::ifstream in(dir + "/config.json");
  REQUIRE_MESSAGE(in.good(), dir << "/config.json missing: " << kConvertedModelsHint);
  m.config = nlohmann::json::parse(in);
  m.weights_path = dir + "/model.safetensors";
  m.weights = nn::make_safetensors_weights(io::SafetensorsSet::open(m.weights_path), m.weights_path);
  m.info.architecture = m.config.at("architecture").get<std::string>();
  m.info.name = name;
  return m;
}

// Every tensor of a converted model, by name (for make_map_weights variations).
inline std::map<std::string, Tensor> all_tensors(const std::string &weights_path) {
  const auto file = io::SafetensorsFile::open(weights_path);
  std::map<std::string, Tensor> out;
  for (const auto &t : file->tensors()) out[t.name] = file->tensor(t.name);
  return out;
}

inline std::shared_ptr<const io::SafetensorsFile> open_golden(const std::string &model) {
  return io::SafetensorsFile::open(golden_path(model));
}

// Integer labels stored as I64 (read as f32 by the safetensors reader) -> i32 [N] + delta.
inline Tensor labels_i32(const Tensor &t, int32_t delta = 0) {
  std::vector<int32_t> ids;
  for (float v : t.to_f32_vector()) ids.push_back(int32_t(std::lround(v)) + delta);
  return Tensor::from_vector(ids, Shape({int64_t(ids.size())}));
}

// actual must have `expected_shape` and every element within atol + rtol * |expected| of
// expected (whose shape may differ only in layout-free ways, e.g. [N, 784] vs [N, 1, 28, 28]).
inline void check_close(const std::string &what, const Tensor &actual, const Shape &expected_shape,
                        const Tensor &expected, float atol, float rtol = 0.f) {
  CAPTURE(what);
  REQUIRE_MESSAGE(actual.shape() == expected_shape,
                  what << ": shape " << actual.shape().to_string() << " != " << expected_shape.to_string());
  const std::vector<float> a = actual.contiguous().to_f32_vector(), e = expected.to_f32_vector();
  REQUIRE(a.size() == e.size());
  double worst = 0;  // largest |error| / (atol + rtol * |expected|)
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::isfinite(a[i]) ? std::fabs(double(a[i]) - double(e[i])) : INFINITY;
    const double ratio = d / (double(atol) + double(rtol) * std::fabs(double(e[i])) + 1e-30);
    if (ratio > worst) worst = ratio, at = i;
  }
  CHECK_MESSAGE(worst <= 1.0, what << ": |error| " << std::fabs(double(a[at]) - double(e[at]))
                                   << " at element " << at << " (got " << a[at] << ", expected " << e[at]
                                   << ") exceeds atol " << atol << " + rtol " << rtol);
}
inline void check_close(const std::string &what, const Tensor &actual, const Tensor &expected, float atol,
                        float rtol = 0.f) {
  check_close(what, actual, expected.shape(), expected, atol, rtol);
}

// Names of the golden's layer-by-layer tensors ("dbg_*").
inline std::vector<std::string> debug_names(const io::SafetensorsFile &golden) {
  std::vector<std::string> names;
  for (const auto &t : golden.tensors())
    if (t.name.rfind("dbg_", 0) == 0) names.push_back(t.name);
  return names;
}

}  // namespace aigc::test
