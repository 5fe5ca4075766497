#include "tokenizer/unicode.hpp"

#include <algorithm>

#include "tokenizer/unicode_tables.hpp"

namespace aigc::tokenizer {
namespace {

bool in_ranges(const CodepointRange *ranges, size_t count, uint32_t cp) {
  // First range whose end is >= cp; cp is inside when that range starts at or before it.
  const CodepointRange *end = ranges + count;
  const CodepointRange *it = std::lower_bound(
      ranges, end, cp, [](const CodepointRange &r, uint32_t v) { return r.last < v; });
  return it != end && it->first <= cp;
}

// Number of continuation bytes and the smallest code point allowed for that length.
bool lead_info(unsigned char b, int &extra, uint32_t &min_cp, uint32_t &init) {
  if (b < 0x80) { extra = 0; min_cp = 0; init = b; return true; }
  if ((b & 0xE0) == 0xC0) { extra = 1; min_cp = 0x80; init = b & 0x1F; return true; }
  if ((b & 0xF0) == 0xE0) { extra = 2; min_cp = 0x800; init = b & 0x0F; return true; }
  if ((b & 0xF8) == 0xF0) { extra = 3; min_cp = 0x10000; init = b & 0x07; return true; }
  return false;
}

}  // namespace

DecodedChar decode_utf8(std::string_view text, size_t pos) {
  int extra = 0;
  uint32_t min_cp = 0, cp = 0;
  if (!lead_info(static_cast<unsigned char>(text[pos]), extra, min_cp, cp))
    return {kInvalidCodepoint, 1};
  if (pos + size_t(extra) >= text.size()) return {kInvalidCodepoint, 1};  // truncated
  for (int k = 1; k <= extra; ++k) {
    const auto c = static_cast<unsigned char>(text[pos + size_t(k)]);
    if ((c & 0xC0) != 0x80) return {kInvalidCodepoint, 1};
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return {kInvalidCodepoint, 1};
  return {cp, size_t(extra) + 1};
}

int utf8_complete_length(std::string_view bytes) {
  if (bytes.empty()) return 0;
  int extra = 0;
  uint32_t min_cp = 0, cp = 0;
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  if (!lead_info(b0, extra, min_cp, cp) || b0 == 0xC0 || b0 == 0xC1 || b0 > 0xF4) return -1;
  const size_t have = std::min(bytes.size(), size_t(extra) + 1);
  for (size_t k = 1; k < have; ++k) {
    const auto c = static_cast<unsigned char>(bytes[k]);
    // The second byte's allowed range also excludes overlong forms, surrogates and
    // values past U+10FFFF, so a stream never waits on a sequence that cannot be valid.
    bool ok = (c & 0xC0) == 0x80;
    if (k == 1) {
      if (b0 == 0xE0) ok = ok && c >= 0xA0;
      if (b0 == 0xED) ok = ok && c <= 0x9F;
      if (b0 == 0xF0) ok = ok && c >= 0x90;
      if (b0 == 0xF4) ok = ok && c <= 0x8F;
    }
    if (!ok) return -int(k);  // the valid prefix so far is one malformed unit
    cp = (cp << 6) | (c & 0x3F);
  }
  if (have < size_t(extra) + 1) return 0;
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  return extra + 1;
}

void append_utf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

bool is_letter(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return cp != kInvalidCodepoint && in_ranges(kLetterRanges, kLetterRanges_count, cp);
}

bool is_number(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return cp != kInvalidCodepoint && in_ranges(kNumberRanges, kNumberRanges_count, cp);
}

bool is_space(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace aigc::tokenizer
