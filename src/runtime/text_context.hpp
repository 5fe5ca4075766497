// A context: one model's KV cache for n_seq sequences, the last logits, a thread count and
// a cancellation flag. Used by one thread at a time; cancel() may come from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/device_sampling.hpp"
#include "runtime/text_model.hpp"
#include "sampling/token_sampler.hpp"

namespace aigc::runtime {

struct ContextOptions {
  int64_t n_ctx = 0;    // positions per sequence; 0: min(model's trained context, 4096)
  int64_t n_seq = 1;    // independent sequences
  int n_threads = 1;    // >= 1
  int64_t n_batch = 512;  // prompt tokens per forward pass (cancellation is checked between)
};

enum class StopReason { max_tokens, end_of_generation, stop_string, cancelled, context_full };

struct GenerateOptions {
  int64_t max_tokens = 128;  // < 0: no limit
  int32_t seq = 0;
  bool append = false;       // continue the sequence instead of clearing it
  int add_bos = -1;          // -1: the tokenizer's default for a new sequence, none when appending
  bool parse_special = false;
  bool ignore_eos = false;
  std::vector<std::string> stop;
};

struct GenerateResult {
  StopReason stop_reason = StopReason::max_tokens;
  int64_t n_prompt_tokens = 0, n_generated = 0;
  double prompt_seconds = 0, generate_seconds = 0;
  std::string text;  // everything emitted
};

// Receives each piece of valid UTF-8 text and the token that completed it (-1 for text
// released at the end). Return false to stop (the call then reports cancelled).
using PieceCallback = std::function<bool(std::string_view piece, int32_t token)>;

class TextContext {
 public:
  TextContext(std::shared_ptr<const TextModel> model, const ContextOptions &options);

  const TextModel &model() const { return *model_; }
  int64_t n_ctx() const { return cache_.n_ctx(); }
  int64_t n_seq() const { return cache_.n_seq(); }
  int n_threads() const { return exec_.n_threads; }

  // Evaluates a batch; logits() then holds its rows.
  void decode(const std::vector<models::SeqSpan> &spans);
  // f32 [rows, vocab] on the host. When the model runs on a device the logits stay there
  // and are downloaded on the first call after each decode (generate() never needs them:
  // it samples on the device's top candidates, see device_sampling.hpp).
  const Tensor &logits() const;
  // How generate() chose its tokens on a device (counts since construction).
  const DeviceTokenPicker::Stats &device_sampling_stats() const { return picker_.stats(); }
  int64_t seq_length(int32_t seq) const { return cache_.length(seq); }
  void seq_truncate(int32_t seq, int64_t length);

  // Tokenize, evaluate the prompt, sample and stream. `sampler` null: greedy.
  GenerateResult generate(std::string_view prompt, const GenerateOptions &options,
                          sampling::SamplerChain *sampler, const PieceCallback &on_piece);

  void cancel() { cancel_.store(true); }

 private:
  bool take_cancel() { return cancel_.exchange(false); }
  void check_cancel();

  std::shared_ptr<const TextModel> model_;
  ExecContext exec_;
  nn::KvCache cache_;
  int64_t n_batch_;
  Tensor logits_;                    // on the model's backend
  mutable Tensor host_logits_;       // logits_ downloaded, until the next decode
  DeviceTokenPicker picker_;
  std::vector<int32_t> last_token_;  // per sequence, -1 when unknown (append with "")
  std::atomic<bool> cancel_{false};
};

}  // namespace aigc::runtime
