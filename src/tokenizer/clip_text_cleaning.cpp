#include "tokenizer/clip_text_cleaning.hpp"

#include <algorithm>

#include "tokenizer/clip_unicode_tables.hpp"
#include "tokenizer/unicode.hpp"

namespace aigc::tokenizer {
namespace {

using namespace clip_tables;

bool in_ranges(const CodepointRange *ranges, size_t count, uint32_t cp) {
  const CodepointRange *end = ranges + count;
  const CodepointRange *it = std::lower_bound(
      ranges, end, cp, [](const CodepointRange &r, uint32_t v) { return r.last < v; });
  return it != end && it->first <= cp;
}

template <class T>
const T *find_cp(const T *table, size_t count, uint32_t cp) {
  const T *end = table + count;
  const T *it = std::lower_bound(table, end, cp, [](const T &e, uint32_t v) { return e.cp < v; });
  return it != end && it->cp == cp ? it : nullptr;
}

// BasicTokenizer._is_control / _is_whitespace.
bool is_control_char(uint32_t cp) { return in_ranges(kControlRanges, kControlRanges_count, cp); }
bool is_whitespace_char(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
         in_ranges(kSpaceSeparatorRanges, kSpaceSeparatorRanges_count, cp);
}

// BasicTokenizer._is_chinese_char: the CJK Unified Ideographs blocks.
bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint32_t combining_class(uint32_t cp) {
  const CodepointValue *e = find_cp(kCombiningClasses, kCombiningClasses_count, cp);
  return e ? e->value : 0;
}

// Hangul syllables compose and decompose algorithmically (Unicode 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (const Decomposition *d = find_cp(kDecompositions, kDecompositions_count, cp)) {
    out.insert(out.end(), kDecompositionData + d->offset, kDecompositionData + d->offset + d->length);
    return;
  }
  out.push_back(cp);
}

// The primary composite of (a, b), or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const Composition *end = kCompositions + kCompositions_count;
  const Composition *it = std::lower_bound(
      kCompositions, end, std::make_pair(a, b), [](const Composition &c, std::pair<uint32_t, uint32_t> v) {
        return std::make_pair(c.first, c.second) < v;
      });
  return it != end && it->first == a && it->second == b ? it->composed : 0;
}

bool is_cased(uint32_t cp) { return in_ranges(kCasedRanges, kCasedRanges_count, cp); }
bool is_case_ignorable(uint32_t cp) {
  return in_ranges(kCaseIgnorableRanges, kCaseIgnorableRanges_count, cp);
}

// CPython's str.lower() of one word (handle_capital_sigma for U+03A3).
void lower_word(const uint32_t *w, size_t n, std::vector<uint32_t> &out) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t cp = w[i];
    if (cp < 0x80) {
      out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    } else if (cp == 0x3A3) {
      // Final_Sigma: \p{cased} \p{case-ignorable}* U+03A3 !(\p{case-ignorable}* \p{cased})
      size_t j = i;
      while (j > 0 && is_case_ignorable(w[j - 1])) --j;
      bool final_sigma = j > 0 && is_cased(w[j - 1]);
      if (final_sigma) {
        size_t k = i + 1;
        while (k < n && is_case_ignorable(w[k])) ++k;
        final_sigma = k == n || !is_cased(w[k]);
      }
      out.push_back(final_sigma ? 0x3C2 : 0x3C3);
    } else if (const LowerMapping *m = find_cp(kLowercase, kLowercase_count, cp)) {
      for (uint32_t c : m->lower)
        if (c) out.push_back(c);
    } else {
      out.push_back(cp);
    }
  }
}

}  // namespace

std::vector<uint32_t> nfc_normalize(const std::vector<uint32_t> &cps) {
  // Canonical decomposition, then canonical ordering (stable by combining class within
  // each run of non-starters), then canonical composition (UAX #15).
  std::vector<uint32_t> d;
  d.reserve(cps.size());
  for (uint32_t cp : cps) decompose(cp, d);
  for (size_t i = 0; i < d.size();) {
    if (combining_class(d[i]) == 0) { ++i; continue; }
    size_t j = i;
    while (j < d.size() && combining_class(d[j]) != 0) ++j;
    std::stable_sort(d.begin() + long(i), d.begin() + long(j),
                     [](uint32_t a, uint32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  if (d.empty()) return d;
  size_t starter = 0, out = 1;
  uint32_t last_class = combining_class(d[0]) ? 256 : 0;
  for (size_t i = 1; i < d.size(); ++i) {
    const uint32_t c = d[i], cls = combining_class(c);
    const uint32_t composite = compose(d[starter], c);
    if (composite && (last_class < cls || last_class == 0)) {
      d[starter] = composite;
      continue;
    }
    if (cls == 0) starter = out;
    last_class = cls;
    d[out++] = c;
  }
  d.resize(out);
  return d;
}

std::vector<uint32_t> clip_clean_text(std::string_view utf8) {
  // _clean_text and _tokenize_chinese_chars.
  std::vector<uint32_t> text;
  text.reserve(utf8.size());
  for (size_t pos = 0; pos < utf8.size();) {
    const DecodedChar d = decode_utf8(utf8, pos);
    pos += d.length;
    const uint32_t cp = d.codepoint;
    if (cp == kInvalidCodepoint || cp == 0 || cp == 0xFFFD || is_control_char(cp)) continue;
    if (is_whitespace_char(cp)) {
      text.push_back(' ');
    } else if (is_cjk(cp)) {
      text.insert(text.end(), {' ', cp, ' '});
    } else {
      text.push_back(cp);
    }
  }
  text = nfc_normalize(text);
  // whitespace_tokenize (Python str.split()), lower() per word, " ".join.
  std::vector<uint32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (is_space(text[i])) { ++i; continue; }
    size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    if (!out.empty()) out.push_back(' ');
    lower_word(text.data() + i, j - i, out);
    i = j;
  }
  return out;
}

}  // namespace aigc::tokenizer
