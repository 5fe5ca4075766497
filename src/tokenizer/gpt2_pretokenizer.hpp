// GPT-2's pre-tokenizer: splits text into the pieces that BPE merges never cross,
// matching the regex (Python `regex` / Rust `fancy-regex` semantics, case-sensitive)
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// written by hand because no regex engine we can depend on has \p{L} / \p{N}.
// Malformed UTF-8 bytes are treated as single characters of the "other" class
// ([^\s\p{L}\p{N}]), so every input byte lands in exactly one piece.
#pragma once

#include <string_view>
#include <vector>

namespace aigc::tokenizer {

// Pieces are views into `text`; concatenated in order they give `text` back.
std::vector<std::string_view> gpt2_pretokenize(std::string_view text);

}  // namespace aigc::tokenizer
