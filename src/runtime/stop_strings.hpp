// Streaming stop-string matching: text arrives piece by piece (valid UTF-8 from the
// streaming detokenizer); any tail that could still grow into a stop string is withheld,
// everything else is emitted at once, and on a match generation stops without emitting the
// stop string itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aigc::runtime {

class StopStringMatcher {
 public:
  // Each stop string must be non-empty, valid UTF-8 (Status::invalid_argument otherwise).
  // No stop strings at all is allowed: everything passes straight through.
  explicit StopStringMatcher(std::vector<std::string> stops);

  struct Result {
    std::string emit;  // text that is now certain to be output (may be empty)
    bool stopped;      // a stop string matched; emit holds the text before it
  };

  // Feeds the next piece. After a stop, further pushes return {"", true}.
  Result push(std::string_view text_piece);
  // End of generation without a stop: returns the withheld text and clears it.
  std::string flush();
  // Forgets withheld text and the stopped state (new sequence).
  void reset();

  bool stopped() const { return stopped_; }
  // Bytes currently withheld (a possible start of a stop string).
  size_t pending_size() const { return pending_.size(); }
  const std::vector<std::string> &stops() const { return stops_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // withheld text: always shorter than the longest stop string
  bool stopped_ = false;
};

}  // namespace aigc::runtime
