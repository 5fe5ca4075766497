// UTF-8 decoding and the Unicode character classes used by the tokenizers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aigc::tokenizer {

// Marks a byte that does not start a valid UTF-8 sequence (never a real code point).
constexpr uint32_t kInvalidCodepoint = 0xFFFFFFFFu;

struct DecodedChar {
  uint32_t codepoint;  // kInvalidCodepoint for a malformed byte
  size_t length;       // bytes consumed (1 for a malformed byte)
};

// Decodes the character at `pos` (pos < text.size()). Overlong forms, surrogates,
// values above U+10FFFF and truncated sequences are malformed: one byte is consumed.
DecodedChar decode_utf8(std::string_view text, size_t pos);

// Length of a complete, valid UTF-8 sequence at the start of `bytes`: 0 when the
// sequence is incomplete (may still become valid), -k when its first k bytes can never
// be valid (the "maximal subpart" that Unicode and Python replace by one U+FFFD).
int utf8_complete_length(std::string_view bytes);

void append_utf8(std::string &out, uint32_t codepoint);

bool is_letter(uint32_t cp);  // \p{L}
bool is_number(uint32_t cp);  // \p{N}
bool is_space(uint32_t cp);   // \s: the Unicode White_Space property

}  // namespace aigc::tokenizer
