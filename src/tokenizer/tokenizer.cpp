#include "tokenizer/tokenizer.hpp"

namespace aigc::tokenizer {

std::string Tokenizer::decode(const std::vector<int32_t> &ids, bool skip_control) const {
  std::string out;
  int32_t prev = -1;
  for (int32_t id : ids) {
    // A skipped token still counts as `prev`: SentencePiece drops the space of the
    // piece right after BOS whether or not BOS is shown.
    if (!(skip_control && is_control(id))) out += decode_token(prev, id);
    prev = id;
  }
  return out;
}

}  // namespace aigc::tokenizer
