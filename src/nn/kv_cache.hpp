// Per-context key/value cache: for every layer and sequence, n_ctx positions of
// [n_kv_heads, head_dim] keys and values, token-major so that appending a batch of tokens
// is one contiguous write and attention reads [T, H, D] through a permuted view.
#pragma once

#include <vector>

#include "backend/backend.hpp"

namespace aigc::nn {

struct KvCacheShape {
  int64_t n_layers = 0, n_kv_heads = 0, head_dim = 0;
};

class KvCache {
 public:
  // Allocates n_layers x n_seq x 2 x n_ctx x n_kv_heads x head_dim f32 on `backend`;
  // out_of_memory when that does not fit.
  KvCache(Backend &backend, const KvCacheShape &shape, int64_t n_seq, int64_t n_ctx);

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_seq() const { return n_seq_; }
  const KvCacheShape &shape() const { return shape_; }
  size_t bytes() const { return storage_.nbytes(); }

  // [n_ctx, n_kv_heads, head_dim] views of one layer of one sequence.
  Tensor keys(int64_t layer, int64_t seq) const { return storage_.select(0, layer).select(0, seq).select(0, 0); }
  Tensor values(int64_t layer, int64_t seq) const { return storage_.select(0, layer).select(0, seq).select(0, 1); }

  // Positions filled so far in sequence `seq` (checked: invalid_argument when out of range).
  int64_t length(int64_t seq) const;
  void set_length(int64_t seq, int64_t length);
  void check_seq(int64_t seq) const;

 private:
  KvCacheShape shape_;
  int64_t n_seq_, n_ctx_;
  Tensor storage_;
  std::vector<int64_t> lengths_;
};

}  // namespace aigc::nn
