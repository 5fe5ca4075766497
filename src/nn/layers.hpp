// Reusable blocks with their weights: Linear, RMSNorm, LayerNorm, Embedding. Each loads
// itself from a Scope using the reference framework's names and checks shapes there.
#pragma once

#include "backend/backend.hpp"
#include "nn/weight_source.hpp"

namespace aigc::nn {

enum class Bias { none, optional, required };

// y = x @ W^T + b (torch.nn.Linear). weight [out, in] (any weight dtype), bias f32 [out].
struct Linear {
  Tensor weight, bias;
  static Linear load(const Scope &scope, int64_t out_features, int64_t in_features, Bias bias);
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// RMSNorm (LLaMA): weight f32 [dim].
struct RmsNorm {
  Tensor weight;
  float eps = 1e-6f;
  static RmsNorm load(const Scope &scope, int64_t dim, float eps);
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// LayerNorm over the last dim (GPT-2): weight and bias f32 [dim].
struct LayerNorm {
  Tensor weight, bias;
  float eps = 1e-5f;
  static LayerNorm load(const Scope &scope, int64_t dim, float eps);
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

// Row lookup: table [vocab, dim] (any weight dtype); ids i32 -> f32 [..., dim].
struct Embedding {
  Tensor table;
  static Embedding load(const Scope &scope, int64_t vocab, int64_t dim);
  Tensor operator()(const ExecContext &ctx, const Tensor &ids) const;
};

// Weight bytes and element count of a tensor as stored (for model statistics).
int64_t stored_bytes(const Tensor &t);

// Moves model weights to a backend's memory once each. Tensors that view the same bytes
// (tied embeddings and output heads) become one device tensor. Host backends keep the
// host tensors (memory-mapped files stay mapped, nothing is copied).
class WeightUploader {
 public:
  explicit WeightUploader(Backend &backend) : backend_(backend) {}
  void operator()(Tensor &t);

 private:
  struct Seen {
    const void *data;
    Shape shape;
    DType dtype;
    Tensor device;
  };
  Backend &backend_;
  std::vector<Seen> seen_;
};

}  // namespace aigc::nn
