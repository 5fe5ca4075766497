#include "nn/kv_cache.hpp"

#include "core/check.hpp"

namespace aigc::nn {

KvCache::KvCache(Backend &backend, const KvCacheShape &shape, int64_t n_seq, int64_t n_ctx)
    : shape_(shape), n_seq_(n_seq), n_ctx_(n_ctx), lengths_(size_t(n_seq > 0 ? n_seq : 0), 0) {
  AIGC_CHECK(n_seq >= 1 && n_seq <= 1024, Status::invalid_argument,
             "kv cache: n_seq_max must be in [1, 1024], got {}", n_seq);
  AIGC_CHECK(n_ctx >= 1, Status::invalid_argument, "kv cache: n_ctx must be >= 1, got {}", n_ctx);
  storage_ = backend.empty(
      Shape({shape.n_layers, n_seq, 2, n_ctx, shape.n_kv_heads, shape.head_dim}), DType::f32);
}

void KvCache::check_seq(int64_t seq) const {
  AIGC_CHECK(seq >= 0 && seq < n_seq_, Status::invalid_argument,
             "sequence id {} out of range: the context has {} sequence(s)", seq, n_seq_);
}

int64_t KvCache::length(int64_t seq) const {
  check_seq(seq);
  return lengths_[size_t(seq)];
}

void KvCache::set_length(int64_t seq, int64_t length) {
  check_seq(seq);
  AIGC_CHECK(length >= 0 && length <= n_ctx_, Status::invalid_argument,
             "sequence length {} out of range [0, {}]", length, n_ctx_);
  lengths_[size_t(seq)] = length;
}

}  // namespace aigc::nn
