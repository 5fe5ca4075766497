// Named model weights, whatever file they came from. Models ask for tensors by the
// reference framework's (Hugging Face) state-dict names through a Scope; a source maps
// those names onto its own file's names (GGUF's "blk.N.attn_q.weight", ...).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "aigc/core/tensor.hpp"
#include "io/gguf.hpp"
#include "io/safetensors.hpp"

namespace aigc::nn {

enum class WeightFormat { gguf, safetensors, llama2c };

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual WeightFormat format() const = 0;
  virtual std::string describe() const = 0;  // the file, for messages
  // The tensor named `name` (HF naming), or nullopt when the file has none.
  virtual std::optional<Tensor> find(const std::string &name) const = 0;

  // Required tensor; invalid_format naming the tensor and file when missing.
  Tensor get(const std::string &name) const;
  // With a shape check: shape_mismatch naming tensor, expected and actual shapes.
  Tensor get(const std::string &name, const Shape &expected) const;
  std::optional<Tensor> find(const std::string &name, const Shape &expected) const;
};

// A prefix into a WeightSource: scope.sub("model.layers").at(3).get("self_attn.q_proj.weight").
class Scope {
 public:
  Scope(const WeightSource &source, std::string prefix = "") : source_(&source), prefix_(std::move(prefix)) {}
  Scope sub(const std::string &name) const { return Scope(*source_, join(name)); }
  Scope at(int64_t index) const { return sub(std::to_string(index)); }
  Tensor get(const std::string &name, const Shape &expected) const {
    return source_->get(join(name), expected);
  }
  std::optional<Tensor> find(const std::string &name, const Shape &expected) const {
    return source_->find(join(name), expected);
  }
  const WeightSource &source() const { return *source_; }

 private:
  std::string join(const std::string &name) const { return prefix_.empty() ? name : prefix_ + "." + name; }
  const WeightSource *source_;
  std::string prefix_;
};

// GGUF: HF names are translated to llama.cpp's tensor names (gguf_names.cpp).
std::unique_ptr<WeightSource> make_gguf_weights(std::shared_ptr<const io::GgufFile> file);
// safetensors (one file or a sharded set): names as stored.
std::unique_ptr<WeightSource> make_safetensors_weights(io::SafetensorsSet set, std::string name);
// Tensors already in memory under HF names (e.g. slices of a llama2.c checkpoint).
std::unique_ptr<WeightSource> make_map_weights(std::map<std::string, Tensor> tensors,
                                               WeightFormat format, std::string name);

// llama.cpp's GGUF name for an HF state-dict name ("model.layers.3.self_attn.q_proj.weight"
// -> "blk.3.attn_q.weight"); the name unchanged when no rule applies.
std::string gguf_tensor_name(const std::string &hf_name);

}  // namespace aigc::nn
