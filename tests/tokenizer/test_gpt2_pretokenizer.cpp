#include <doctest/doctest.h>

#include "tokenizer/gpt2_pretokenizer.hpp"
#include "tokenizer/unicode.hpp"

using namespace aigc::tokenizer;

namespace {
std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view p : gpt2_pretokenize(s)) out.emplace_back(p);
  return out;
}
using V = std::vector<std::string>;
}  // namespace

// Expected splits worked out by hand from the regex
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
TEST_CASE("pretokenizer: GPT-2 regex semantics") {
  CHECK(split("Hello world") == V{"Hello", " world"});
  CHECK(split("don't I'LL") == V{"don", "'t", " I", "'", "LL"});
  CHECK(split("a   b") == V{"a", "  ", " b"});
  CHECK(split("a\n\nb") == V{"a", "\n", "\n", "b"});
  CHECK(split("x  ") == V{"x", "  "});
  CHECK(split("abc123 45!!'s") == V{"abc", "123", " 45", "!!'", "s"});
  CHECK(split("\tif x:") == V{"\t", "if", " x", ":"});
  CHECK(split("caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD") == V{"caf\xC3\xA9", " \xE4\xBD\xA0\xE5\xA5\xBD"});
  CHECK(split("a\x80\xFF b") == V{"a", "\x80\xFF", " b"});  // malformed bytes are "other"
  CHECK(split("").empty());
}

TEST_CASE("unicode: classes and UTF-8 decoding") {
  CHECK(is_letter(U'é'));
  CHECK(is_letter(0x4F60));  // 你
  CHECK(!is_letter('1'));
  CHECK(is_number(0x0663));  // Arabic-Indic three
  CHECK(is_number(0x00BD));  // ½ (No)
  CHECK(!is_number(0x1F600));
  CHECK(is_space(0x3000));
  CHECK(!is_space(0x200B));  // zero-width space is not White_Space
  CHECK(decode_utf8("\xF0\x9F\x98\x80", 0).codepoint == 0x1F600);
  CHECK(decode_utf8("\xC0\xAF", 0).codepoint == kInvalidCodepoint);
  CHECK(decode_utf8("\xE4\xBD", 0).codepoint == kInvalidCodepoint);
  CHECK(utf8_complete_length("\xE4\xBD") == 0);
  CHECK(utf8_complete_length("\xE4\xBD\xA0") == 3);
  CHECK(utf8_complete_length("\xE4\x41") == -1);
}
