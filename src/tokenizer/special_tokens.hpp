// Control / user-defined token bookkeeping shared by the tokenizer implementations:
// splitting text at special-token occurrences (encode with parse_special) and the
// end-of-generation set.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace aigc::tokenizer {

class SpecialTokens {
 public:
  SpecialTokens() = default;
  // `texts` / `types` per id (the text a special token is written as in prompts).
  // Control and user-defined tokens with non-empty text are matched by split();
  // `eos` and `extra_eog` (ids outside the vocabulary are ignored) join the
  // end-of-generation set along with control tokens of the well-known names.
  SpecialTokens(const std::vector<std::string> &texts, const std::vector<TokenType> &types,
                int32_t eos, const std::vector<int32_t> &extra_eog);

  // A piece of the input: a special token (id >= 0) or text to encode (id = -1).
  struct Segment {
    std::string_view text;
    int32_t id;
  };
  // Longest special token at each position, scanning left to right; text between
  // matches becomes text segments (never empty, never two in a row).
  std::vector<Segment> split(std::string_view text) const;

  bool is_end_of_generation(int32_t id) const {
    return id >= 0 && size_t(id) < eog_.size() && eog_[size_t(id)];
  }

 private:
  struct Entry {
    std::string text;
    int32_t id;
  };
  std::vector<Entry> entries_;                      // longest text first
  std::array<std::vector<uint32_t>, 256> by_first_{};  // entry indexes per first byte
  std::vector<bool> eog_;
};

// Whether `text` is one of the names chat models use for "end of turn / text".
bool is_end_of_generation_name(std::string_view text);

}  // namespace aigc::tokenizer
