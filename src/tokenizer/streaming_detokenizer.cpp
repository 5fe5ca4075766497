#include "tokenizer/streaming_detokenizer.hpp"

#include "tokenizer/unicode.hpp"

namespace aigc::tokenizer {

namespace {
constexpr const char *kReplacement = "\xEF\xBF\xBD";  // U+FFFD
}

std::string StreamingDetokenizer::push(int32_t id) {
  const std::string bytes = tokenizer_.decode_token(prev_, id);  // validates id
  if (show_control_ || !tokenizer_.is_control(id)) pending_ += bytes;
  prev_ = id;
  return drain();
}

std::string StreamingDetokenizer::flush() {
  std::string out = drain();
  if (!pending_.empty()) out += kReplacement;  // an unfinished sequence at the end
  pending_.clear();
  return out;
}

void StreamingDetokenizer::reset() {
  prev_ = -1;
  pending_.clear();
}

std::string StreamingDetokenizer::drain() {
  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const int n = utf8_complete_length(std::string_view(pending_).substr(pos));
    if (n == 0) break;  // incomplete: wait for more bytes
    if (n < 0) {
      out += kReplacement;  // these bytes can never form a valid character
      pos += size_t(-n);
    } else {
      out.append(pending_, pos, size_t(n));
      pos += size_t(n);
    }
  }
  pending_.erase(0, pos);
  return out;
}

}  // namespace aigc::tokenizer
