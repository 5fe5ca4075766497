// The interface every decoder-only language model implements (GPT-2, LLaMA family), and
// the batch bookkeeping they share: spans of several sequences, cache positions, which
// rows need logits.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/cached_attention.hpp"
#include "nn/kv_cache.hpp"

namespace aigc::models {

struct LmInfo {
  std::string arch;              // "llama", "qwen2", "mistral", "gpt2"
  int64_t vocab_size = 0;
  int64_t context_length = 0;    // trained context (positions) of the model
  int64_t hidden_size = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0;
  int64_t n_params = 0;          // elements of all weights
  int64_t weight_bytes = 0;      // bytes of all weights as stored
  int64_t max_positions = 0;     // hard limit on positions (learned position tables), 0: none
};

// Tokens appended to one sequence of the context.
struct SeqSpan {
  int32_t seq = 0;
  std::vector<int32_t> tokens;
  bool all_logits = false;  // logits for every token, else for the last one
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual const LmInfo &info() const = 0;
  nn::KvCacheShape kv_shape() const {
    return {info().n_layers, info().n_kv_heads, info().head_dim};
  }
  // Runs the spans (distinct sequences) through the model, appending their keys/values to
  // `cache` and advancing its lengths only when everything succeeded. Returns f32 logits
  // [rows, vocab]: per span in order, every token's or the last token's row.
  // context_full (and nothing changes) when a span does not fit its sequence.
  virtual Tensor forward(const ExecContext &ctx, nn::KvCache &cache,
                         const std::vector<SeqSpan> &spans) const = 0;
  // Moves every weight to `backend` (uploaded once; done by the loader before the model
  // is shared, so loaded models stay immutable).
  virtual void place_weights(Backend &backend) = 0;
};

// Batch layout shared by the model files.
struct BatchPlan {
  std::vector<nn::SpanRows> spans;
  Tensor ids;             // i32 [N] all tokens in span order
  Tensor positions;       // i32 [N] cache position of every token
  Tensor logit_rows;      // i32 [R] rows whose logits are returned
  bool all_rows = false;  // logit_rows covers every row in order (skip the gather)
  int64_t n_rows = 0;
};

// Validates the spans (sequence ids, distinct sequences, token ids in range, capacity of
// the cache and of max_positions) and lays them out; the index tensors are uploaded to
// ctx's backend.
BatchPlan plan_batch(const ExecContext &ctx, const LmInfo &info, const nn::KvCache &cache,
                     const std::vector<SeqSpan> &spans);
// Advances the cache lengths after a successful forward.
void commit_batch(nn::KvCache &cache, const BatchPlan &plan);

}  // namespace aigc::models
