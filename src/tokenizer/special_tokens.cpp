#include "tokenizer/special_tokens.hpp"

#include <algorithm>

namespace aigc::tokenizer {

bool is_end_of_generation_name(std::string_view text) {
  static constexpr std::string_view kNames[] = {
      "<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>",
  };
  return std::find(std::begin(kNames), std::end(kNames), text) != std::end(kNames);
}

SpecialTokens::SpecialTokens(const std::vector<std::string> &texts,
                             const std::vector<TokenType> &types, int32_t eos,
                             const std::vector<int32_t> &extra_eog)
    : eog_(texts.size(), false) {
  for (size_t id = 0; id < texts.size() && id < types.size(); ++id) {
    const TokenType t = types[id];
    if ((t != TokenType::control && t != TokenType::user_defined) || texts[id].empty()) continue;
    entries_.push_back({texts[id], int32_t(id)});
    if (t == TokenType::control && is_end_of_generation_name(texts[id])) eog_[id] = true;
  }
  // Longest first, then lowest id, so a repeated text resolves to its first id.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry &a, const Entry &b) {
    return a.text.size() > b.text.size();
  });
  for (size_t i = 0; i < entries_.size(); ++i)
    by_first_[uint8_t(entries_[i].text[0])].push_back(uint32_t(i));
  for (int32_t id : extra_eog)
    if (id >= 0 && size_t(id) < eog_.size()) eog_[size_t(id)] = true;
  if (eos >= 0 && size_t(eos) < eog_.size()) eog_[size_t(eos)] = true;
}

std::vector<SpecialTokens::Segment> SpecialTokens::split(std::string_view text) const {
  std::vector<Segment> out;
  size_t text_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const Entry *match = nullptr;
    for (uint32_t i : by_first_[uint8_t(text[pos])]) {
      const Entry &e = entries_[i];
      if (text.compare(pos, e.text.size(), e.text) == 0) {
        match = &e;  // candidates are longest first: the first hit is the longest
        break;
      }
    }
    if (!match) {
      ++pos;
      continue;
    }
    if (pos > text_start) out.push_back({text.substr(text_start, pos - text_start), -1});
    out.push_back({text.substr(pos, match->text.size()), match->id});
    pos += match->text.size();
    text_start = pos;
  }
  if (text_start < text.size()) out.push_back({text.substr(text_start), -1});
  return out;
}

}  // namespace aigc::tokenizer
