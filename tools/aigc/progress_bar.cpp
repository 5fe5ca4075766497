#include "progress_bar.hpp"

#include <unistd.h>

#include <string>

namespace aigc_cli {

ProgressBar::ProgressBar(FILE *out)
    : out_(out), tty_(isatty(fileno(out)) != 0), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(int32_t step, int32_t total) {
  if (total <= 0) return;
  if (!tty_) {
    std::fprintf(out_, "step %d/%d\n", step, total);
    std::fflush(out_);
    return;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  constexpr int kWidth = 30;
  const int filled = int(int64_t(kWidth) * step / total);
  std::string bar(size_t(filled), '#');
  bar.append(size_t(kWidth - filled), '.');
  std::fprintf(out_, "\r[%s] %d/%d  %.1fs  %.2f it/s ", bar.c_str(), step, total, elapsed,
               elapsed > 0 ? step / elapsed : 0.0);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (tty_ && drawn_) std::fputc('\n', out_);
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace aigc_cli
