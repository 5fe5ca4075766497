// Diffusion progress on stderr. On a terminal: one line redrawn with '\r'
// ("[#######.......] 20/50  1.3s  15.2 it/s"); otherwise (a pipe, a log file) one plain line
// per step ("step 20/50"), so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace aigc_cli {

class ProgressBar {
 public:
  explicit ProgressBar(FILE *out);
  void update(int32_t step, int32_t total);
  // Ends the bar's line (terminal only) if anything was drawn.
  void finish();

 private:
  FILE *out_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace aigc_cli
