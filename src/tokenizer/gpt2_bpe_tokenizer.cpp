#include "tokenizer/gpt2_bpe_tokenizer.hpp"

#include <algorithm>
#include <tuple>

#include "core/check.hpp"
#include "tokenizer/gpt2_pretokenizer.hpp"
#include "tokenizer/unicode.hpp"

namespace aigc::tokenizer {
namespace {

// Bytes that are printable Latin-1 keep their code point; the other 68 are shifted
// to U+0100.. in byte order, so no token contains spaces or control characters.
bool byte_is_printable(uint8_t b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

struct CodepointToByte {
  std::unordered_map<uint32_t, uint8_t> map;
  CodepointToByte() {
    for (int b = 0; b < 256; ++b) map[gpt2_byte_to_codepoint(uint8_t(b))] = uint8_t(b);
  }
};

}  // namespace

uint32_t gpt2_byte_to_codepoint(uint8_t byte) {
  if (byte_is_printable(byte)) return byte;
  uint32_t shifted = 0;  // how many non-printable bytes come before this one
  for (int b = 0; b < byte; ++b) shifted += byte_is_printable(uint8_t(b)) ? 0 : 1;
  return 256 + shifted;
}

Gpt2BpeTokenizer::Gpt2BpeTokenizer(std::vector<std::string> tokens,
                                   const std::vector<Merge> &merges, int32_t bos_id,
                                   int32_t eos_id, const std::string &name,
                                   Gpt2BpeOptions options)
    : tokens_(std::move(tokens)), types_(std::move(options.types)), bos_id_(bos_id),
      eos_id_(eos_id), pre_(options.pre), add_bos_(options.add_bos) {
  const int32_t n = int32_t(tokens_.size());
  AIGC_CHECK(n > 0, Status::invalid_format, "{}: empty vocabulary", name);
  AIGC_CHECK(bos_id_ >= -1 && bos_id_ < n && eos_id_ >= -1 && eos_id_ < n,
             Status::invalid_format, "{}: bos/eos id ({}, {}) outside the vocabulary of {}",
             name, bos_id_, eos_id_, n);
  if (types_.empty()) types_.assign(tokens_.size(), TokenType::normal);
  AIGC_CHECK(types_.size() == tokens_.size(), Status::invalid_format,
             "{}: {} token types for {} tokens", name, types_.size(), tokens_.size());
  specials_ = SpecialTokens(tokens_, types_, eos_id_, options.extra_eog);

  static const CodepointToByte to_byte;
  std::unordered_map<std::string_view, int32_t> &ids = ids_;
  ids.reserve(tokens_.size());
  token_bytes_.resize(tokens_.size());
  for (int32_t id = 0; id < n; ++id) {
    const std::string &t = tokens_[size_t(id)];
    ids.emplace(t, id);  // a duplicate keeps its first id, as HF tokenizers does
    // Control and user-defined tokens are stored as their text (HF added tokens), as
    // are tokens outside the byte alphabet.
    const TokenType type = types_[size_t(id)];
    if (type == TokenType::control || type == TokenType::user_defined) {
      token_bytes_[size_t(id)] = t;
      continue;
    }
    std::string bytes;
    bool mapped = true;
    for (size_t pos = 0; pos < t.size();) {
      const DecodedChar d = decode_utf8(t, pos);
      const auto it = to_byte.map.find(d.codepoint);
      if (it == to_byte.map.end()) { mapped = false; break; }
      bytes += char(it->second);
      pos += d.length;
    }
    token_bytes_[size_t(id)] = mapped ? bytes : t;
  }
  // Some vocabularies lack bytes never seen in training (SmolLM2 lacks 21, e.g. 0x04,
  // 0xC0, 0xFF); such bytes are dropped before merging, as HF tokenizers' BPE without
  // an unk_token does (llama.cpp drops them too).
  for (int b = 0; b < 256; ++b) {
    std::string piece;
    append_utf8(piece, gpt2_byte_to_codepoint(uint8_t(b)));
    const auto it = ids.find(piece);
    byte_token_[size_t(b)] = it == ids.end() ? -1 : it->second;
  }

  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto &[left, right] = merges[rank];
    const auto l = ids.find(left), r = ids.find(right), m = ids.find(left + right);
    AIGC_CHECK(l != ids.end() && r != ids.end() && m != ids.end(), Status::invalid_format,
               "{}: merge {} '{} {}' refers to a token not in the vocabulary", name, rank + 1,
               left, right);
    // A repeated pair keeps its first (best) rank.
    merges_.emplace(pair_key(l->second, r->second), MergeTarget{int32_t(rank), m->second});
  }
}

std::vector<int32_t> Gpt2BpeTokenizer::encode(std::string_view text, bool add_bos,
                                              bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && bos_id_ >= 0) out.push_back(bos_id_);
  if (!parse_special) {
    encode_text(text, out);
    return out;
  }
  for (const SpecialTokens::Segment &s : specials_.split(text)) {
    if (s.id >= 0) out.push_back(s.id);
    else encode_text(s.text, out);
  }
  return out;
}

void Gpt2BpeTokenizer::encode_text(std::string_view text, std::vector<int32_t> &out) const {
  for (std::string_view piece : pretokenize(text, pre_)) encode_piece(piece, out);
}

void Gpt2BpeTokenizer::encode_piece(std::string_view piece, std::vector<int32_t> &out) const {
  // Symbols form a doubly linked list over the piece's bytes; a min-heap holds candidate
  // adjacent pairs ordered by (rank, position). Entries made stale by an earlier merge
  // are recognised on pop and skipped, so a word of n bytes costs O(n log n).
  std::vector<int32_t> id;
  id.reserve(piece.size());
  for (char c : piece)
    if (const int32_t t = byte_token_[uint8_t(c)]; t >= 0) id.push_back(t);
  const size_t n = id.size();
  if (n <= 1) {
    if (n == 1) out.push_back(id[0]);
    return;
  }
  std::vector<int32_t> prev(n), next(n);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = int32_t(i) - 1;
    next[i] = i + 1 < n ? int32_t(i + 1) : -1;
  }
  using Candidate = std::tuple<int32_t, int32_t, int32_t, int32_t>;  // rank, left, lid, rid
  std::vector<Candidate> heap;
  auto later = [](const Candidate &a, const Candidate &b) { return a > b; };
  auto consider = [&](int32_t left) {
    if (left < 0 || next[size_t(left)] < 0) return;
    const int32_t right = next[size_t(left)];
    const auto it = merges_.find(pair_key(id[size_t(left)], id[size_t(right)]));
    if (it == merges_.end()) return;
    heap.emplace_back(it->second.rank, left, id[size_t(left)], id[size_t(right)]);
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < int32_t(n); ++i) consider(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const auto [rank, left, lid, rid] = heap.back();
    heap.pop_back();
    const int32_t right = next[size_t(left)];
    // Stale: the left symbol was absorbed (id changed) or its neighbour changed.
    if (id[size_t(left)] != lid || right < 0 || id[size_t(right)] != rid) continue;
    id[size_t(left)] = merges_.at(pair_key(lid, rid)).merged_id;
    id[size_t(right)] = -1;  // dead
    next[size_t(left)] = next[size_t(right)];
    if (next[size_t(right)] >= 0) prev[size_t(next[size_t(right)])] = left;
    consider(prev[size_t(left)]);
    consider(left);
  }
  for (int32_t i = 0; i >= 0; i = next[size_t(i)]) out.push_back(id[size_t(i)]);
}

std::string Gpt2BpeTokenizer::decode_token(int32_t /*prev*/, int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return token_bytes_[size_t(id)];
}

const std::string &Gpt2BpeTokenizer::token_to_piece(int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return tokens_[size_t(id)];
}

int32_t Gpt2BpeTokenizer::find_token(std::string_view piece) const {
  const auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

TokenType Gpt2BpeTokenizer::token_type(int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return types_[size_t(id)];
}

bool Gpt2BpeTokenizer::is_control(int32_t id) const {
  return id >= 0 && id < vocab_size() && types_[size_t(id)] == TokenType::control;
}

}  // namespace aigc::tokenizer
