// CLIP's byte-level BPE (the text tokenizer of CLIP and of Stable Diffusion 1.x / 2.x):
// text -> cleaning (clip_text_cleaning.hpp: what transformers' CLIPTokenizer does without
// ftfy, lowercasing included) -> the pre-tokenizer regex (case-insensitive)
//   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// -> each piece's bytes mapped to printable code points (GPT-2's bytes_to_unicode), the
// last one suffixed with "</w>" -> merges applied by rank -> vocabulary ids.
// Reference: openai/CLIP simple_tokenizer.py and transformers' tokenization_clip.py
// (read, not copied). Ids are exact against transformers' CLIPTokenizer
// (tests/reference/make_clip_goldens.py).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace aigc::tokenizer {

// One prompt as a CLIP text encoder takes it: transformers' tokenizer(text,
// padding="max_length", max_length=L, truncation=True).
struct ClipTokenization {
  std::vector<int32_t> ids;  // exactly L ids: bos, prompt tokens, eos, then pad ids
  int32_t length = 0;        // ids before the padding (bos + tokens + eos), <= L
  int32_t dropped = 0;       // prompt tokens cut to fit L (pipelines warn when > 0)
  bool truncated() const { return dropped > 0; }
};

struct ClipTokenizerOptions {
  int32_t pad_id = -1;            // -1: eos (SD 1.x); SD 2.x's tokenizer pads with "!"
  int32_t model_max_length = 77;  // CLIP's context length
};

class ClipBpeTokenizer final : public Tokenizer {
 public:
  using Merge = std::pair<std::string, std::string>;
  // CLIP reads merges[1 : 49152 - 256 - 2 + 1] of its merges file: 48894 merges.
  static constexpr size_t kMaxMerges = 49152 - 256 - 2;
  static constexpr const char *kStartOfText = "<|startoftext|>";
  static constexpr const char *kEndOfText = "<|endoftext|>";

  // Loaders. io_error when a file cannot be read, invalid_format when it is malformed
  // or lacks <|startoftext|> / <|endoftext|>.
  // A diffusers / transformers tokenizer/ folder: vocab.json + merges.txt, plus
  // tokenizer_config.json / special_tokens_map.json when present (pad_token,
  // model_max_length).
  static std::unique_ptr<ClipBpeTokenizer> from_folder(const std::string &dir);
  static std::unique_ptr<ClipBpeTokenizer> from_vocab_and_merges(const std::string &vocab_json,
                                                                 const std::string &merges_txt);
  // openai/CLIP's bpe_simple_vocab_16e6.txt (merges only; the vocabulary is built as
  // CLIP does: 256 byte symbols, the same with "</w>", one token per merge, then the
  // two specials). A ".gz" file needs the library built with zlib (AIGC_HAVE_ZLIB);
  // otherwise it is `unsupported` and the message says to gunzip it.
  static std::unique_ptr<ClipBpeTokenizer> from_bpe_merges_file(const std::string &path);
  // The same formats from bytes in memory; `name` stands for the file in messages.
  static std::unique_ptr<ClipBpeTokenizer> from_bpe_merges_text(std::string_view text,
                                                                const std::string &name);
  static std::unique_ptr<ClipBpeTokenizer> from_vocab_and_merges_text(
      const std::string &vocab_json, std::string_view merges_txt, const std::string &name,
      ClipTokenizerOptions options = {});

  // `tokens` in id order (byte-mapped code points, "</w>" word ends, the specials as
  // their text); merges in rank order (at most kMaxMerges are used).
  ClipBpeTokenizer(std::vector<std::string> tokens, const std::vector<Merge> &merges,
                   const std::string &name, ClipTokenizerOptions options = {});

  // The prompt -> exactly max_length ids (0: model_max_length()); max_length >= 2.
  ClipTokenization tokenize_prompt(std::string_view text, int32_t max_length = 0) const;

  // Tokenizer interface. encode() gives the prompt's tokens without eos (bos first when
  // add_bos). parse_special = true is transformers' behaviour: "<|startoftext|>" /
  // "<|endoftext|>" in the text become those tokens (also in other letter cases, as
  // CLIP's regex matches them case-insensitively); false encodes them as plain text.
  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, bool add_bos,
                              bool parse_special) const override;
  // A token's bytes with "</w>" written as a space; specials give their text.
  std::string decode_token(int32_t prev, int32_t id) const override;
  const std::string &token_to_piece(int32_t id) const override;
  int32_t find_token(std::string_view piece) const override;
  int32_t bos_id() const override { return bos_id_; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t model_max_length() const { return model_max_length_; }
  int32_t vocab_size() const override { return int32_t(tokens_.size()); }
  bool add_bos_by_default() const override { return true; }
  bool is_end_of_generation(int32_t id) const override { return id == eos_id_; }
  bool is_control(int32_t id) const override { return id >= 0 && (id == bos_id_ || id == eos_id_); }

 private:
  // Appends the ids of cleaned, special-free text / of one regex piece.
  void encode_text(std::string_view text, bool match_specials, std::vector<int32_t> &out) const;
  void encode_word(std::string_view piece, std::vector<int32_t> &out) const;
  int32_t id_or_unk(const std::string &symbol) const;

  std::vector<std::string> tokens_;
  std::vector<std::string> token_bytes_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int32_t> merge_rank_;  // "left right" -> rank
  int32_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
  int32_t model_max_length_ = 77;
};

}  // namespace aigc::tokenizer
