#include "runtime/stop_strings.hpp"

#include <algorithm>
#include <cstdint>

#include "core/check.hpp"

namespace aigc::runtime {

namespace {

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace

StopStringMatcher::StopStringMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  for (size_t i = 0; i < stops_.size(); ++i) {
    AIGC_CHECK(!stops_[i].empty(), Status::invalid_argument, "stop string {} is empty", i);
    AIGC_CHECK(valid_utf8(stops_[i]), Status::invalid_argument,
               "stop string {} is not valid UTF-8", i);
  }
}

StopStringMatcher::Result StopStringMatcher::push(std::string_view text_piece) {
  if (stopped_) return {std::string(), true};
  pending_.append(text_piece);

  // Earliest full match of any stop string. pending_ held no match before this piece, so
  // only matches reaching into the new text are possible; a plain search is cheap because
  // the withheld part is shorter than the longest stop string.
  size_t first = std::string::npos;
  for (const auto &s : stops_) first = std::min(first, pending_.find(s));
  if (first != std::string::npos) {
    std::string emit = pending_.substr(0, first);
    pending_.clear();
    stopped_ = true;
    return {std::move(emit), true};
  }

  // Withhold the longest suffix that is a proper prefix of some stop string. Stop strings
  // are valid UTF-8, so such a suffix starts at a character boundary of the text.
  size_t hold = 0;
  for (const auto &s : stops_) {
    const size_t max_len = std::min(s.size() - 1, pending_.size());
    for (size_t len = max_len; len > hold; --len) {
      if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
        hold = len;
        break;
      }
    }
  }
  std::string emit = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return {std::move(emit), false};
}

std::string StopStringMatcher::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

void StopStringMatcher::reset() {
  pending_.clear();
  stopped_ = false;
}

}  // namespace aigc::runtime
