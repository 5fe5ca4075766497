#include "tokenizer/gpt2_pretokenizer.hpp"

#include <cstdint>

#include "tokenizer/unicode.hpp"

namespace aigc::tokenizer {
namespace {

enum class CharClass : uint8_t { letter, number, space, other };

struct Char {
  uint32_t cp;
  size_t offset;  // byte offset in the text
  CharClass cls;
};

CharClass classify(uint32_t cp) {
  if (cp == kInvalidCodepoint) return CharClass::other;
  if (is_letter(cp)) return CharClass::letter;
  if (is_number(cp)) return CharClass::number;
  if (is_space(cp)) return CharClass::space;
  return CharClass::other;
}

// Length in characters of the contraction ('s 't 're 've 'm 'll 'd) starting at i, or 0.
size_t contraction_length(const std::vector<Char> &c, size_t i) {
  if (c[i].cp != '\'' || i + 1 >= c.size()) return 0;
  const uint32_t a = c[i + 1].cp;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < c.size()) {
    const uint32_t b = c[i + 2].cp;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

// End of the run of characters of class `cls` starting at i.
size_t run_end(const std::vector<Char> &c, size_t i, CharClass cls) {
  while (i < c.size() && c[i].cls == cls) ++i;
  return i;
}

}  // namespace

std::vector<std::string_view> gpt2_pretokenize(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const DecodedChar d = decode_utf8(text, pos);
    chars.push_back({d.codepoint, pos, classify(d.codepoint)});
    pos += d.length;
  }
  const size_t n = chars.size();
  auto offset = [&](size_t i) { return i < n ? chars[i].offset : text.size(); };

  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    if (const size_t len = contraction_length(chars, i)) {
      end = i + len;
    } else {
      // " ?X+" for X in letter / number / other: an optional single space, then a run.
      const bool lead_space = chars[i].cp == ' ' && i + 1 < n && chars[i + 1].cls != CharClass::space;
      const size_t body = lead_space ? i + 1 : i;
      const CharClass cls = chars[body].cls;
      if (cls != CharClass::space) {
        end = run_end(chars, body, cls);
      } else {
        // \s+(?!\S): the whitespace run, less its last character when a non-space
        // follows (that character then starts the next piece, e.g. " world");
        // a single space before a non-space falls through to \s+.
        const size_t ws_end = run_end(chars, i, CharClass::space);
        end = (ws_end < n && ws_end - i > 1) ? ws_end - 1 : ws_end;
      }
    }
    pieces.push_back(text.substr(offset(i), offset(end) - offset(i)));
    i = end;
  }
  return pieces;
}

bool pretokenizer_from_gguf_name(std::string_view name, PreTokenizer *out) {
  if (name == "default" || name == "gpt2" || name == "gpt-2") {
    *out = PreTokenizer::gpt2;
  } else if (name == "smollm") {
    *out = PreTokenizer::smollm;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string_view> pretokenize(std::string_view text, PreTokenizer kind) {
  if (kind == PreTokenizer::gpt2) return gpt2_pretokenize(text);
  // smollm: isolate each number character first; the GPT-2 regex then runs on each
  // stretch in between on its own (its lookahead never sees past a digit).
  std::vector<std::string_view> pieces;
  size_t start = 0;
  auto flush = [&](size_t end) {
    if (end <= start) return;
    for (std::string_view p : gpt2_pretokenize(text.substr(start, end - start)))
      pieces.push_back(p);
  };
  for (size_t pos = 0; pos < text.size();) {
    const DecodedChar d = decode_utf8(text, pos);
    if (d.codepoint != kInvalidCodepoint && is_number(d.codepoint)) {
      flush(pos);
      pieces.push_back(text.substr(pos, d.length));
      start = pos + d.length;
    }
    pos += d.length;
  }
  flush(text.size());
  return pieces;
}

}  // namespace aigc::tokenizer
