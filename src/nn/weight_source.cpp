#include "nn/weight_source.hpp"

#include "core/check.hpp"

namespace aigc::nn {

Tensor WeightSource::get(const std::string &name) const {
  auto t = find(name);
  AIGC_CHECK(t.has_value(), Status::invalid_format, "{}: missing tensor '{}'", describe(), name);
  return *t;
}

std::optional<Tensor> WeightSource::find(const std::string &name, const Shape &expected) const {
  auto t = find(name);
  if (t) {
    AIGC_CHECK(t->shape() == expected, Status::shape_mismatch,
               "{}: tensor '{}' has shape {}, the model config needs {}", describe(), name,
               t->shape().to_string(), expected.to_string());
  }
  return t;
}

Tensor WeightSource::get(const std::string &name, const Shape &expected) const {
  auto t = find(name, expected);
  AIGC_CHECK(t.has_value(), Status::invalid_format, "{}: missing tensor '{}'", describe(), name);
  return *t;
}

namespace {

class GgufWeights final : public WeightSource {
 public:
  explicit GgufWeights(std::shared_ptr<const io::GgufFile> file) : file_(std::move(file)) {}
  WeightFormat format() const override { return WeightFormat::gguf; }
  std::string describe() const override { return file_->name(); }
  std::optional<Tensor> find(const std::string &name) const override {
    const std::string mapped = gguf_tensor_name(name);
    if (!file_->find_tensor(mapped)) return std::nullopt;
    return file_->tensor(mapped);
  }

 private:
  std::shared_ptr<const io::GgufFile> file_;
};

class SafetensorsWeights final : public WeightSource {
 public:
  SafetensorsWeights(io::SafetensorsSet set, std::string name)
      : set_(std::move(set)), name_(std::move(name)) {}
  WeightFormat format() const override { return WeightFormat::safetensors; }
  std::string describe() const override { return name_; }
  std::optional<Tensor> find(const std::string &name) const override {
    if (!set_.has(name)) return std::nullopt;
    return set_.tensor(name);
  }

 private:
  io::SafetensorsSet set_;
  std::string name_;
};

class MapWeights final : public WeightSource {
 public:
  MapWeights(std::map<std::string, Tensor> tensors, WeightFormat format, std::string name)
      : tensors_(std::move(tensors)), format_(format), name_(std::move(name)) {}
  WeightFormat format() const override { return format_; }
  std::string describe() const override { return name_; }
  std::optional<Tensor> find(const std::string &name) const override {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, Tensor> tensors_;
  WeightFormat format_;
  std::string name_;
};

}  // namespace

std::unique_ptr<WeightSource> make_gguf_weights(std::shared_ptr<const io::GgufFile> file) {
  return std::make_unique<GgufWeights>(std::move(file));
}
std::unique_ptr<WeightSource> make_safetensors_weights(io::SafetensorsSet set, std::string name) {
  return std::make_unique<SafetensorsWeights>(std::move(set), std::move(name));
}
std::unique_ptr<WeightSource> make_map_weights(std::map<std::string, Tensor> tensors,
                                               WeightFormat format, std::string name) {
  return std::make_unique<MapWeights>(std::move(tensors), format, std::move(name));
}

}  // namespace aigc::nn
