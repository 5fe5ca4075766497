// llama2.c files: the "legacy v0" checkpoint (7 x int32 header, then f32 weights) and
// tokenizer.bin (max token length, then score/length/bytes per token).
// Reference: karpathy/llama2.c run.c (read for the layout, not copied).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aigc/core/tensor.hpp"

namespace aigc::io {

struct Llama2cConfig {
  int dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0,
      seq_len = 0;
  bool shared_classifier = true;  // header vocab_size > 0
  int head_size() const { return dim / n_heads; }
};

// Weights as zero-copy views of the mapped file; per-layer tensors are stacked on dim 0.
struct Llama2cCheckpoint {
  Llama2cConfig config;
  Tensor token_embedding;  // [vocab, dim]
  Tensor rms_att;          // [L, dim]
  Tensor wq;               // [L, dim, dim]          (out, in)
  Tensor wk, wv;           // [L, kv_dim, dim]
  Tensor wo;               // [L, dim, dim]
  Tensor rms_ffn;          // [L, dim]
  Tensor w1, w3;           // [L, hidden, dim]
  Tensor w2;               // [L, dim, hidden]
  Tensor rms_final;        // [dim]
  Tensor classifier;       // [vocab, dim] (the embedding when shared)
};

// Opens and validates a checkpoint; throws io_error / invalid_format naming the file.
Llama2cCheckpoint load_llama2c_checkpoint(const std::string &path);
// The same over bytes already in host memory (`name` is used in messages).
Llama2cCheckpoint load_llama2c_checkpoint(std::shared_ptr<Storage> bytes, const std::string &name);

struct Llama2cVocab {
  int max_token_length = 0;
  std::vector<std::string> pieces;
  std::vector<float> scores;
};

// Reads `vocab_size` entries of a llama2.c tokenizer.bin.
Llama2cVocab load_llama2c_vocab(const std::string &path, int vocab_size);
Llama2cVocab load_llama2c_vocab(std::shared_ptr<Storage> bytes, const std::string &name,
                                int vocab_size);

}  // namespace aigc::io
