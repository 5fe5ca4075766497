#include "tokenizer/clip_bpe_tokenizer.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "tokenizer/clip_text_cleaning.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"  // gpt2_byte_to_codepoint
#include "tokenizer/unicode.hpp"

#if defined(AIGC_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace aigc::tokenizer {
namespace {

using json = nlohmann::json;
constexpr std::string_view kEndOfWord = "</w>";

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", path);
  std::ostringstream s;
  s << in.rdbuf();
  AIGC_CHECK(!in.bad(), Status::io_error, "{}: read failed", path);
  return s.str();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string read_gzip_file(const std::string &path) {
#if defined(AIGC_HAVE_ZLIB)
  gzFile f = gzopen(path.c_str(), "rb");
  AIGC_CHECK(f != nullptr, Status::io_error, "{}: cannot open file", path);
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  int err = 0;
  const char *msg = n < 0 ? gzerror(f, &err) : nullptr;
  const std::string message = msg ? msg : "";
  gzclose(f);
  AIGC_CHECK(n == 0, Status::invalid_format, "{}: not a valid gzip file ({})", path, message);
  return out;
#else
  fail(Status::unsupported,
       "{}: this build of aigc has no zlib; decompress the file (gunzip -k) and load the "
       ".txt",
       path);
#endif
}

// Lines of a merges file as transformers reads them: the first line (a header) skipped,
// at most kMaxMerges lines, each split on whitespace into exactly two symbols.
std::vector<ClipBpeTokenizer::Merge> parse_merges(std::string_view text, const std::string &name) {
  std::vector<ClipBpeTokenizer::Merge> merges;
  size_t pos = text.find('\n');
  size_t line_no = 1;
  while (pos != std::string_view::npos && pos + 1 <= text.size() &&
         merges.size() < ClipBpeTokenizer::kMaxMerges) {
    const size_t start = pos + 1;
    pos = text.find('\n', start);
    const std::string_view line =
        text.substr(start, (pos == std::string_view::npos ? text.size() : pos) - start);
    ++line_no;
    std::vector<std::string> parts;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) parts.emplace_back(line.substr(i, j - i));
      i = j;
    }
    if (parts.empty() && pos == std::string_view::npos) break;  // trailing newline
    AIGC_CHECK(parts.size() == 2, Status::invalid_format,
               "{}:{}: merge line is not 'left right': '{}'", name, line_no, line);
    merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  return merges;
}

std::string byte_symbol(uint8_t b) {
  std::string s;
  append_utf8(s, gpt2_byte_to_codepoint(b));
  return s;
}

// The token text of a tokenizer_config.json / special_tokens_map.json entry.
std::string token_content(const json &j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("content") && j["content"].is_string())
    return j["content"].get<std::string>();
  return {};
}

// The regex's character classes; U+0345 (a combining mark whose case fold is a letter)
// matches none of its alternatives under IGNORECASE, so the regex skips it like a space.
enum class Cls { letter, number, skip, other };

Cls classify(uint32_t cp) {
  if (is_letter(cp)) return Cls::letter;
  if (is_number(cp)) return Cls::number;
  if (is_space(cp) || cp == 0x345) return Cls::skip;
  return Cls::other;
}

// Case-insensitive (simple case folding) comparison of already-lowercased text with an
// ASCII lowercase literal: only U+017F (long s) folds onto one of its letters.
bool folded_equal(uint32_t cp, char expected) {
  return cp == uint32_t(static_cast<unsigned char>(expected)) || (expected == 's' && cp == 0x17F);
}

size_t match_literal(const std::vector<uint32_t> &t, size_t i, std::string_view lit) {
  if (t.size() - i < lit.size()) return 0;
  for (size_t k = 0; k < lit.size(); ++k)
    if (!folded_equal(t[i + k], lit[k])) return 0;
  return lit.size();
}

// 's 't 're 've 'm 'll 'd at i: its length in code points, or 0.
size_t contraction_length(const std::vector<uint32_t> &t, size_t i) {
  if (t[i] != '\'' || i + 1 >= t.size()) return 0;
  const uint32_t a = t[i + 1];
  if (folded_equal(a, 's') || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < t.size()) {
    const uint32_t b = t[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

}  // namespace

ClipBpeTokenizer::ClipBpeTokenizer(std::vector<std::string> tokens,
                                   const std::vector<Merge> &merges, const std::string &name,
                                   ClipTokenizerOptions options)
    : tokens_(std::move(tokens)), model_max_length_(options.model_max_length) {
  const int32_t n = int32_t(tokens_.size());
  AIGC_CHECK(n > 0, Status::invalid_format, "{}: empty vocabulary", name);
  ids_.reserve(tokens_.size());
  for (int32_t id = 0; id < n; ++id) ids_.emplace(tokens_[size_t(id)], id);
  bos_id_ = find_token(kStartOfText);
  eos_id_ = find_token(kEndOfText);
  AIGC_CHECK(bos_id_ >= 0 && eos_id_ >= 0, Status::invalid_format,
             "{}: the vocabulary lacks {} or {}", name, kStartOfText, kEndOfText);
  pad_id_ = options.pad_id < 0 ? eos_id_ : options.pad_id;
  AIGC_CHECK(pad_id_ < n, Status::invalid_format, "{}: pad id {} outside the vocabulary of {}",
             name, pad_id_, n);
  AIGC_CHECK(model_max_length_ >= 2, Status::invalid_format,
             "{}: model_max_length {} is below 2", name, model_max_length_);

  // Bytes each token stands for: byte-mapped code points back to bytes, "</w>" as a
  // space; tokens outside the byte alphabet (the specials) stand for their text.
  std::unordered_map<uint32_t, uint8_t> to_byte;
  for (int b = 0; b < 256; ++b) to_byte[gpt2_byte_to_codepoint(uint8_t(b))] = uint8_t(b);
  token_bytes_.resize(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    std::string_view t = tokens_[id];
    const bool word_end = ends_with(t, kEndOfWord);
    if (word_end) t.remove_suffix(kEndOfWord.size());
    std::string bytes;
    bool mapped = true;
    for (size_t pos = 0; pos < t.size();) {
      const DecodedChar d = decode_utf8(t, pos);
      const auto it = to_byte.find(d.codepoint);
      if (it == to_byte.end()) { mapped = false; break; }
      bytes += char(it->second);
      pos += d.length;
    }
    token_bytes_[id] = mapped ? bytes + (word_end ? " " : "") : tokens_[id];
  }

  merge_rank_.reserve(std::min(merges.size(), kMaxMerges));
  for (size_t rank = 0; rank < merges.size() && rank < kMaxMerges; ++rank)
    merge_rank_.emplace(merges[rank].first + " " + merges[rank].second, int32_t(rank));
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_bpe_merges_text(std::string_view text,
                                                                         const std::string &name) {
  const std::vector<Merge> merges = parse_merges(text, name);
  // openai/CLIP: bytes_to_unicode().values() (in its order: printable bytes first, then
  // the shifted ones), the same with "</w>", one token per merge, then the specials.
  std::vector<uint8_t> order;
  for (int b = 0; b < 256; ++b)
    if (gpt2_byte_to_codepoint(uint8_t(b)) == uint32_t(b)) order.push_back(uint8_t(b));
  for (int b = 0; b < 256; ++b)
    if (gpt2_byte_to_codepoint(uint8_t(b)) != uint32_t(b)) order.push_back(uint8_t(b));
  std::vector<std::string> tokens;
  tokens.reserve(512 + merges.size() + 2);
  for (uint8_t b : order) tokens.push_back(byte_symbol(b));
  for (uint8_t b : order) tokens.push_back(byte_symbol(b) + std::string(kEndOfWord));
  for (const Merge &m : merges) tokens.push_back(m.first + m.second);
  tokens.emplace_back(kStartOfText);
  tokens.emplace_back(kEndOfText);
  return std::make_unique<ClipBpeTokenizer>(std::move(tokens), merges, name);
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_bpe_merges_file(const std::string &path) {
  const std::string text = ends_with(path, ".gz") ? read_gzip_file(path) : read_file(path);
  return from_bpe_merges_text(text, path);
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_vocab_and_merges_text(
    const std::string &vocab_json, std::string_view merges_txt, const std::string &name,
    ClipTokenizerOptions options) {
  const json vocab = json::parse(vocab_json, nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!vocab.is_discarded() && vocab.is_object() && !vocab.empty(),
             Status::invalid_format, "{}: vocab.json is not a JSON object of token -> id", name);
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size(), false);
  for (const auto &[token, id] : vocab.items()) {
    AIGC_CHECK(id.is_number_integer(), Status::invalid_format,
               "{}: id of token '{}' is not an integer", name, token);
    const int64_t i = id.get<int64_t>();
    AIGC_CHECK(i >= 0 && i < int64_t(tokens.size()) && !seen[size_t(i)], Status::invalid_format,
               "{}: token '{}' has id {}, not a unique id in [0, {})", name, token, i,
               tokens.size());
    tokens[size_t(i)] = token;
    seen[size_t(i)] = true;
  }
  return std::make_unique<ClipBpeTokenizer>(std::move(tokens), parse_merges(merges_txt, name),
                                            name, options);
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_vocab_and_merges(
    const std::string &vocab_json, const std::string &merges_txt) {
  return from_vocab_and_merges_text(read_file(vocab_json), read_file(merges_txt), vocab_json);
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_folder(const std::string &dir) {
  const std::string vocab_text = read_file(dir + "/vocab.json");
  const std::string merges_text = read_file(dir + "/merges.txt");
  // pad_token / model_max_length: tokenizer_config.json, overridden by
  // special_tokens_map.json for the token (as transformers resolves them).
  std::string pad_text;
  ClipTokenizerOptions options;
  for (const char *file : {"tokenizer_config.json", "special_tokens_map.json"}) {
    const std::string path = dir + "/" + file;
    if (!std::ifstream(path).good()) continue;
    const json j = json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
    AIGC_CHECK(!j.is_discarded() && j.is_object(), Status::invalid_format,
               "{}: not a JSON object", path);
    if (j.contains("pad_token") && !token_content(j["pad_token"]).empty())
      pad_text = token_content(j["pad_token"]);
    // Unset limits are written as a huge number (int(1e30)); keep CLIP's 77 then.
    if (j.contains("model_max_length") && j["model_max_length"].is_number_integer()) {
      const int64_t m = j["model_max_length"].get<int64_t>();
      if (m >= 2 && m <= 1 << 20) options.model_max_length = int32_t(m);
    }
  }
  auto tok = from_vocab_and_merges_text(vocab_text, merges_text, dir + "/vocab.json", options);
  if (!pad_text.empty() && pad_text != kEndOfText) {
    options.pad_id = tok->find_token(pad_text);
    AIGC_CHECK(options.pad_id >= 0, Status::invalid_format,
               "{}: pad_token '{}' is not in the vocabulary", dir, pad_text);
    tok = from_vocab_and_merges_text(vocab_text, merges_text, dir + "/vocab.json", options);
  }
  return tok;
}

int32_t ClipBpeTokenizer::id_or_unk(const std::string &symbol) const {
  const auto it = ids_.find(symbol);
  return it == ids_.end() ? eos_id_ : it->second;  // CLIP's unk_token is <|endoftext|>
}

void ClipBpeTokenizer::encode_word(std::string_view piece, std::vector<int32_t> &out) const {
  // Symbols: one byte-mapped code point per byte, "</w>" on the last. Merges by rank,
  // leftmost first among equal ranks (CLIPTokenizer.bpe); a min-heap of candidate pairs,
  // entries made stale by an earlier merge are skipped on pop.
  const size_t n = piece.size();
  if (n == 0) return;
  std::vector<std::string> sym(n);
  for (size_t i = 0; i < n; ++i) sym[i] = byte_symbol(uint8_t(piece[i]));
  sym[n - 1] += kEndOfWord;
  std::vector<int32_t> prev(n), next(n), stamp(n, 0);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = int32_t(i) - 1;
    next[i] = i + 1 < n ? int32_t(i + 1) : -1;
  }
  using Candidate = std::tuple<int32_t, int32_t, int32_t, int32_t>;  // rank, left, stamps
  std::vector<Candidate> heap;
  auto later = [](const Candidate &a, const Candidate &b) { return a > b; };
  auto consider = [&](int32_t left) {
    if (left < 0 || next[size_t(left)] < 0) return;
    const int32_t right = next[size_t(left)];
    const auto it = merge_rank_.find(sym[size_t(left)] + " " + sym[size_t(right)]);
    if (it == merge_rank_.end()) return;
    heap.emplace_back(it->second, left, stamp[size_t(left)], stamp[size_t(right)]);
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < int32_t(n); ++i) consider(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const auto [rank, left, left_stamp, right_stamp] = heap.back();
    heap.pop_back();
    const int32_t right = next[size_t(left)];
    if (stamp[size_t(left)] != left_stamp || right < 0 || stamp[size_t(right)] != right_stamp)
      continue;  // stale
    sym[size_t(left)] += sym[size_t(right)];
    ++stamp[size_t(left)];
    stamp[size_t(right)] = -1;  // dead
    next[size_t(left)] = next[size_t(right)];
    if (next[size_t(right)] >= 0) prev[size_t(next[size_t(right)])] = left;
    consider(prev[size_t(left)]);
    consider(left);
  }
  for (int32_t i = 0; i >= 0; i = next[size_t(i)]) out.push_back(id_or_unk(sym[size_t(i)]));
}

void ClipBpeTokenizer::encode_text(std::string_view text, bool match_specials,
                                   std::vector<int32_t> &out) const {
  const std::vector<uint32_t> t = clip_clean_text(text);
  std::string piece;
  size_t i = 0;
  while (i < t.size()) {
    size_t end = i;
    bool special = false;
    if (match_specials && t[i] == '<') {
      end = i + match_literal(t, i, kStartOfText);
      if (end == i) end = i + match_literal(t, i, kEndOfText);
      special = end > i;
    }
    if (!special) {
      if (const size_t len = contraction_length(t, i)) {
        end = i + len;
      } else {
        const Cls cls = classify(t[i]);
        if (cls == Cls::skip) { ++i; continue; }
        end = i + 1;
        if (cls != Cls::number)
          while (end < t.size() && classify(t[end]) == cls) ++end;
      }
    }
    piece.clear();
    for (size_t k = i; k < end; ++k) append_utf8(piece, t[k]);
    // CLIPTokenizer.bpe's cache maps the exact specials to themselves; a folded spelling
    // (long s) goes through BPE like any word.
    if (special && (piece == kStartOfText || piece == kEndOfText)) out.push_back(id_or_unk(piece));
    else encode_word(piece, out);
    i = end;
  }
}

std::vector<int32_t> ClipBpeTokenizer::encode(std::string_view text, bool add_bos,
                                              bool parse_special) const {
  std::vector<int32_t> out;
  if (add_bos) out.push_back(bos_id_);
  if (!parse_special) {
    encode_text(text, false, out);
    return out;
  }
  // transformers first splits the raw text at the added tokens (exact spelling), then
  // cleans and tokenizes each stretch between them on its own.
  const std::string_view specials[2] = {kStartOfText, kEndOfText};
  size_t start = 0;
  for (size_t pos = text.find('<'); pos != std::string_view::npos; pos = text.find('<', pos)) {
    int32_t id = -1;
    size_t len = 0;
    for (std::string_view s : specials)
      if (text.substr(pos, s.size()) == s) { id = find_token(s); len = s.size(); }
    if (id < 0) { ++pos; continue; }
    encode_text(text.substr(start, pos - start), true, out);
    out.push_back(id);
    pos += len;
    start = pos;
  }
  encode_text(text.substr(start), true, out);
  return out;
}

ClipTokenization ClipBpeTokenizer::tokenize_prompt(std::string_view text, int32_t max_length) const {
  const int32_t length = max_length == 0 ? model_max_length_ : max_length;
  AIGC_CHECK(length >= 2, Status::invalid_argument,
             "CLIP prompt length {} must hold at least bos and eos", max_length);
  const std::vector<int32_t> tokens = encode(text, false, true);
  const size_t keep = std::min(tokens.size(), size_t(length - 2));
  ClipTokenization r;
  r.ids.reserve(size_t(length));
  r.ids.push_back(bos_id_);
  r.ids.insert(r.ids.end(), tokens.begin(), tokens.begin() + long(keep));
  r.ids.push_back(eos_id_);
  r.length = int32_t(r.ids.size());
  r.dropped = int32_t(tokens.size() - keep);
  r.ids.resize(size_t(length), pad_id_);
  return r;
}

std::string ClipBpeTokenizer::decode_token(int32_t /*prev*/, int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return token_bytes_[size_t(id)];
}

const std::string &ClipBpeTokenizer::token_to_piece(int32_t id) const {
  AIGC_CHECK(id >= 0 && id < vocab_size(), Status::invalid_argument,
             "token id {} outside the vocabulary of {}", id, vocab_size());
  return tokens_[size_t(id)];
}

int32_t ClipBpeTokenizer::find_token(std::string_view piece) const {
  const auto it = ids_.find(std::string(piece));
  return it == ids_.end() ? -1 : it->second;
}

}  // namespace aigc::tokenizer
