#include "io/llama2c.hpp"

#include <limits>

#include "io/byte_reader.hpp"

namespace aigc::io {

Llama2cCheckpoint load_llama2c_checkpoint(const std::string &path) {
  return load_llama2c_checkpoint(Storage::map_file(path), path);
}

Llama2cCheckpoint load_llama2c_checkpoint(std::shared_ptr<Storage> bytes, const std::string &path) {
  ByteReader r(static_cast<const uint8_t *>(bytes->data()), bytes->size(), path);
  Llama2cCheckpoint ck;
  Llama2cConfig &c = ck.config;
  c.dim = r.read<int32_t>("dim");
  c.hidden_dim = r.read<int32_t>("hidden_dim");
  c.n_layers = r.read<int32_t>("n_layers");
  c.n_heads = r.read<int32_t>("n_heads");
  c.n_kv_heads = r.read<int32_t>("n_kv_heads");
  c.vocab_size = r.read<int32_t>("vocab_size");
  c.seq_len = r.read<int32_t>("seq_len");
  c.shared_classifier = c.vocab_size > 0;
  // A negative vocab size flags a separate classifier; INT32_MIN has no positive twin.
  if (c.vocab_size < 0 && c.vocab_size > std::numeric_limits<int32_t>::min())
    c.vocab_size = -c.vocab_size;
  const bool sane = c.dim > 0 && c.dim <= 65536 && c.hidden_dim > 0 && c.hidden_dim <= 1 << 20 &&
                    c.n_layers > 0 && c.n_layers <= 1024 && c.n_heads > 0 && c.n_kv_heads > 0 &&
                    c.n_kv_heads <= c.n_heads && c.n_heads % c.n_kv_heads == 0 &&
                    c.dim % c.n_heads == 0 && c.head_size() % 2 == 0 && c.vocab_size > 0 &&
                    c.vocab_size <= 1 << 24 && c.seq_len > 0 && c.seq_len <= 1 << 24;
  AIGC_CHECK(sane, Status::invalid_format,
             "{}: not a llama2.c checkpoint (header dim={} hidden={} layers={} heads={} "
             "kv_heads={} vocab={} seq_len={})",
             path, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
             c.seq_len);
  const int64_t L = c.n_layers, D = c.dim, H = c.hidden_dim, V = c.vocab_size;
  const int64_t kv = D / c.n_heads * c.n_kv_heads;
  size_t offset = r.offset();
  auto next = [&](const Shape &shape, const char *what) {
    const size_t n = size_t(shape.numel()) * sizeof(float);
    AIGC_CHECK(n <= bytes->size() - offset, Status::invalid_format,
               "{}: truncated in {} (needs {} bytes at offset {}, file has {})", path, what, n,
               offset, bytes->size());
    Tensor t(bytes, offset, shape, DType::f32);
    offset += n;
    return t;
  };
  ck.token_embedding = next({V, D}, "token_embedding");
  ck.rms_att = next({L, D}, "rms_att");
  ck.wq = next({L, D, D}, "wq");
  ck.wk = next({L, kv, D}, "wk");
  ck.wv = next({L, kv, D}, "wv");
  ck.wo = next({L, D, D}, "wo");
  ck.rms_ffn = next({L, D}, "rms_ffn");
  ck.w1 = next({L, H, D}, "w1");
  ck.w2 = next({L, D, H}, "w2");
  ck.w3 = next({L, H, D}, "w3");
  ck.rms_final = next({D}, "rms_final");
  if (c.shared_classifier) {
    ck.classifier = ck.token_embedding;
  } else {
    // Skip the legacy RoPE tables (seq_len * head_size floats) stored before it.
    next({int64_t(c.seq_len), int64_t(c.head_size())}, "freq_cis");
    ck.classifier = next({V, D}, "classifier");
  }
  return ck;
}

Llama2cVocab load_llama2c_vocab(const std::string &path, int vocab_size) {
  return load_llama2c_vocab(Storage::map_file(path), path, vocab_size);
}

Llama2cVocab load_llama2c_vocab(std::shared_ptr<Storage> bytes, const std::string &path,
                                int vocab_size) {
  AIGC_CHECK(vocab_size > 0, Status::invalid_argument, "{}: vocab size {} must be positive", path,
             vocab_size);
  ByteReader r(static_cast<const uint8_t *>(bytes->data()), bytes->size(), path);
  Llama2cVocab v;
  v.max_token_length = r.read<int32_t>("max_token_length");
  AIGC_CHECK(v.max_token_length > 0 && v.max_token_length <= 1 << 16, Status::invalid_format,
             "{}: max token length {} is not plausible", path, v.max_token_length);
  for (int i = 0; i < vocab_size; ++i) {
    v.scores.push_back(r.read<float>("token score"));
    const int32_t len = r.read<int32_t>("token length");
    AIGC_CHECK(len >= 0 && len <= v.max_token_length, Status::invalid_format,
               "{}: token {} has length {} (max {})", path, i, len, v.max_token_length);
    v.pieces.push_back(r.read_string(uint64_t(len), "token bytes"));
  }
  return v;
}

}  // namespace aigc::io
