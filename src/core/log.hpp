// Library logging. The sink is set through the C ABI (aigc_log_set); without one,
// warnings and errors go to stderr.
#pragma once

#include <fmt/format.h>

#include <string>

namespace aigc {

enum class LogLevel : int { debug = 0, info = 1, warn = 2, error = 3 };

using LogSink = void (*)(int level, const char *message, void *user_data);

void set_log_sink(LogSink sink, void *user_data, LogLevel min_level);
void log_message(LogLevel level, const std::string &message);

template <class... Args>
void log_warn(fmt::format_string<Args...> f, Args &&...args) {
  log_message(LogLevel::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_info(fmt::format_string<Args...> f, Args &&...args) {
  log_message(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace aigc
