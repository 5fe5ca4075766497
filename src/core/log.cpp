#include "core/log.hpp"

#include <cstdio>
#include <mutex>

namespace aigc {
namespace {
struct LogState {
  std::mutex mutex;
  LogSink sink = nullptr;
  void *user_data = nullptr;
  LogLevel min_level = LogLevel::warn;
};
LogState &state() {
  static LogState s;
  return s;
}
}  // namespace

void set_log_sink(LogSink sink, void *user_data, LogLevel min_level) {
  auto &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sink = sink;
  s.user_data = user_data;
  s.min_level = min_level;
}

void log_message(LogLevel level, const std::string &message) {
  auto &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);  // sinks are called one at a time
  if (level < s.min_level) return;
  if (s.sink) {
    s.sink(static_cast<int>(level), message.c_str(), s.user_data);
  } else {
    static const char *names[] = {"debug", "info", "warn", "error"};
    std::fprintf(stderr, "aigc %s: %s\n", names[static_cast<int>(level)], message.c_str());
  }
}

}  // namespace aigc
