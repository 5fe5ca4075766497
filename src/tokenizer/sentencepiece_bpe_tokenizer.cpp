#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "core/check.hpp"
#include "tokenizer/unicode.hpp"

namespace aigc::tokenizer {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581 "▁"

// "<0xNN>" -> NN, or -1.
int parse_byte_piece(const std::string &p) {
  unsigned v = 0;
  char tail = 0;
  if (p.size() != 6 || std::sscanf(p.c_str(), "<0x%2X%c", &v, &tail) != 2 || tail != '>')
    return -1;
  return int(v);
}

std::string replace_space_marks(const std::string &piece) {
  std::string out;
  for (size_t pos = 0; pos < piece.size();) {
    if (piece.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
      out += ' ';
      pos += kSpaceMark.size();
    } else {
      out += piece[pos++];
    }
  }
  return out;
}

}  // namespace

SentencePieceBpeTokenizer::SentencePieceBpeTokenizer(std::vector<std::string> pieces,
                                                     std::vector<float> scores,
                                                     std::vector<PieceType> types,
                                                     int32_t unk_id, int32_t bos_id,
                                                     int32_t eos_id, bool add_dummy_prefix,
                                                     const std::string &name, bool add_bos,
                                                     const std::vector<int32_t> &extra_eog)
    : pieces_(std::move(pieces)), scores_(std::move(scores)), types_(std::move(types)),
      unk_id_(unk_id), bos_id_(bos_id), eos_id_(eos_id), add_dummy_prefix_(add_dummy_prefix),
      add_bos_(add_bos) {
  const int32_t n = int32_t(pieces_.size());
  AIGC_CHECK(n > 0 && scores_.size() == pieces_.size() && types_.size() == pieces_.size(),
             Status::invalid_format, "{}: {} pieces but {} scores and {} types", name, n,
             scores_.size(), types_.size());
  for (int32_t id : {unk_id_, bos_id_, eos_id_})
    AIGC_CHECK(id >= -1 && id < n, Status::invalid_format,
               "{}: special token id {} outside the vocabulary of {}", name, id, n);
  AIGC_CHECK(unk_id_ >= 0, Status::invalid_format, "{}: no unknown token", name);

  byte_token_.fill(-1);
  decoded_.resize(pieces_.size());
  for (int32_t id = 0; id < n; ++id) {
    const std::string &p = pieces_[size_t(id)];
    ids_.emplace(p, id);
    switch (types_[size_t(id)]) {
      case PieceType::normal:
      case PieceType::user_defined:
        mergeable_.emplace(p, id);  // a duplicate keeps its first id
        decoded_[size_t(id)] = replace_space_marks(p);
        break;
      case PieceType::byte: {
        const int b = parse_byte_piece(p);
        AIGC_CHECK(b >= 0, Status::invalid_format, "{}: byte token {} is '{}', not <0xNN>",
                   name, id, p);
        if (byte_token_[size_t(b)] < 0) byte_token_[size_t(b)] = id;
        decoded_[size_t(id)] = std::string(1, char(b));
        break;
      }
      case PieceType::unknown:
        decoded_[size_t(id)] = " \xE2\x81\x87 ";  // " ⁇ ", as sentencepiece prints it
        break;
      case PieceType::control:
        decoded_[size_t(id)] = p;  // shown as written, e.g. "</s>"
        break;
      case PieceType::unused:
        break;  // decodes to nothing
      default:
        fail(Status::invalid_format, "{}: token {} has unknown type {}", name, id,
             int(types_[size_t(id)]));
    }
  }
  specials_ = SpecialTokens(pieces_, types_, eos_id_, extra_eog);
}

int32_t SentencePieceBpeTokenizer::find_mergeable(std::string_view piece) const {
  const auto it = mergeable_.find(piece);
  return it == mergeable_.end() ? -1 : it->second;
}

std::vector<int32_t> SentencePieceBpeTokenizer::encode(std::string_view text, bool add_bos,
                                                       bool parse_special) const {
  std::vector<int32_t> out;
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

void SentencePieceBpeTokenizer::encode_text(std::string_view text,
                                            std::vector<int32_t> &out) const {
  if (text.empty()) return;

  std::string norm;
  norm.reserve(text.size() * 2 + 3);
  if (add_dummy_prefix_) norm += kSpaceMark;
  for (char c : text) {
    if (c == ' ') norm += kSpaceMark;
    else norm += c;
  }

  // Symbols are byte ranges of `norm` in a linked list; a heap holds candidate merges
  // ordered by (score desc, position asc). A candidate is stale when either symbol has
  // changed length since it was pushed.
  std::vector<int32_t> start, len, prev, next;
  for (size_t pos = 0; pos < norm.size();) {
    const size_t l = decode_utf8(norm, pos).length;
    prev.push_back(int32_t(start.size()) - 1);
    next.push_back(int32_t(start.size()) + 1);
    start.push_back(int32_t(pos));
    len.push_back(int32_t(l));
    pos += l;
  }
  next.back() = -1;

  using Candidate = std::tuple<float, int32_t, int32_t, int32_t>;  // score, -left, llen, rlen
  std::vector<Candidate> heap;
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = next[size_t(left)];
    if (right < 0) return;
    const int32_t id = find_mergeable(std::string_view(norm).substr(
        size_t(start[size_t(left)]), size_t(len[size_t(left)] + len[size_t(right)])));
    if (id < 0) return;
    heap.emplace_back(scores_[size_t(id)], -left, len[size_t(left)], len[size_t(right)]);
    std::push_heap(heap.begin(), heap.end());
  };
  for (int32_t i = 0; i >= 0; i = next[size_t(i)]) consider(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const auto [score, neg_left, llen, rlen] = heap.back();
    heap.pop_back();
    const int32_t left = -neg_left, right = next[size_t(left)];
    if (len[size_t(left)] != llen || right < 0 || len[size_t(right)] != rlen) continue;
    len[size_t(left)] += rlen;
    len[size_t(right)] = 0;  // dead
    next[size_t(left)] = next[size_t(right)];
    if (next[size_t(left)] >= 0) prev[size_t(next[size_t(left)])] = left;
    consider(prev[size_t(left)]);
    consider(left);
  }

  for (int32_t i = 0; i >= 0; i = next[size_t(i)]) {
    const std::string_view sym = std::string_view(norm).substr(size_t(start[size_t(i)]),
                                                               size_t(len[size_t(i)]));
    const int32_t id = find_mergeable(sym);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : sym) {  // byte fallback
      const int32_t b = byte_token_[uint8_t(c)];
      out.push_back(b >= 0 ? b : unk_id_);
    }
  }
}

std::string SentencePieceBpeTokenizer::decode_token(int32_t prev, int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  const std::string &s = decoded_[size_t(id)];
  // The dummy prefix's space is not part of the text.
  const bool first = prev < 0 || (prev == bos_id_ && bos_id_ >= 0);
  const PieceType type = types_[size_t(id)];
  if (add_dummy_prefix_ && first && type != PieceType::byte && type != PieceType::control &&
      !s.empty() && s[0] == ' ')
    return s.substr(1);
  return s;
}

const std::string &SentencePieceBpeTokenizer::token_to_piece(int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return pieces_[size_t(id)];
}

SentencePieceBpeTokenizer::PieceType SentencePieceBpeTokenizer::piece_type(int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return types_[size_t(id)];
}

int32_t SentencePieceBpeTokenizer::find_token(std::string_view piece) const {
  const auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

bool SentencePieceBpeTokenizer::is_control(int32_t id) const {
  return id >= 0 && id < vocab_size() && types_[size_t(id)] == PieceType::control;
}

}  // namespace aigc::tokenizer
