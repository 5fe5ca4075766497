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

// The pre-tokenizers byte-level BPE vocabularies are trained with.
enum class PreTokenizer {
  gpt2,    // the regex above (GGUF tokenizer.ggml.pre "default", "gpt2", "gpt-2")
  smollm,  // every \p{N} character is a piece of its own, the rest split by the GPT-2
           // regex: HF Sequence[Digits(individual_digits), ByteLevel]; llama.cpp's
           // "smollm" (also StarCoder's) = regexes "\p{N}" then GPT-2's
};

// Maps a GGUF tokenizer.ggml.pre value; false for one not implemented.
bool pretokenizer_from_gguf_name(std::string_view name, PreTokenizer *out);

// Pieces are views into `text`; concatenated in order they give `text` back.
std::vector<std::string_view> gpt2_pretokenize(std::string_view text);
std::vector<std::string_view> pretokenize(std::string_view text, PreTokenizer kind);

}  // namespace aigc::tokenizer
