#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "aigc/aigc.h"
#include "core/log.hpp"

TEST_CASE("capi: version and ABI") {
  CHECK(std::string(aigc_version()) == AIGC_VERSION_STRING);
  CHECK(aigc_abi_version() == AIGC_ABI_VERSION);
  CHECK(std::string(aigc_status_string(AIGC_STATUS_SHAPE_MISMATCH)) == "shape mismatch");
  CHECK(std::string(aigc_status_string(static_cast<aigc_status>(999))) == "unknown status");
}

TEST_CASE("capi: backends and thread-local last error") {
  CHECK(aigc_backend_check("cpu") == AIGC_STATUS_OK);
  CHECK(aigc_backend_check("ref") == AIGC_STATUS_OK);
  CHECK(aigc_backend_check(nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_backend_check("tpu") == AIGC_STATUS_BACKEND_UNAVAILABLE);
  const std::string msg = aigc_last_error();
  CHECK(msg.find("tpu") != std::string::npos);
  // Another thread's errors never show up here.
  std::thread([] {
    CHECK(std::string(aigc_last_error()).empty());
    aigc_backend_check("other");
  }).join();
  CHECK(std::string(aigc_last_error()) == msg);
}

TEST_CASE("capi: caller buffers report the size they need") {
  size_t needed = 0;
  CHECK(aigc_system_info(nullptr, 0, &needed) == AIGC_STATUS_BUFFER_TOO_SMALL);
  REQUIRE(needed > 5);
  std::vector<char> small(needed - 1);
  CHECK(aigc_system_info(small.data(), small.size(), nullptr) == AIGC_STATUS_BUFFER_TOO_SMALL);
  std::vector<char> buf(needed);
  CHECK(aigc_system_info(buf.data(), buf.size(), &needed) == AIGC_STATUS_OK);
  CHECK(std::string(buf.data()).rfind("aigc " AIGC_VERSION_STRING, 0) == 0);
  CHECK(aigc_system_info(nullptr, 10, nullptr) == AIGC_STATUS_INVALID_ARGUMENT);
}

namespace {
struct LogSeen {
  std::vector<std::pair<int, std::string>> messages;
};
void collect(int32_t level, const char *message, void *user) {
  static_cast<LogSeen *>(user)->messages.emplace_back(level, message);
}
}  // namespace

TEST_CASE("capi: log callback receives messages at or above its level, with user data") {
  LogSeen seen;
  aigc_log_set(collect, &seen, AIGC_LOG_LEVEL_INFO);
  aigc::log_message(aigc::LogLevel::debug, "filtered out");
  aigc::log_message(aigc::LogLevel::warn, "kept");
  aigc_log_set(nullptr, nullptr, AIGC_LOG_LEVEL_WARN);
  aigc::log_message(aigc::LogLevel::warn, "after removal: goes to stderr");
  REQUIRE(seen.messages.size() == 1);
  CHECK(seen.messages[0].first == AIGC_LOG_LEVEL_WARN);
  CHECK(seen.messages[0].second == "kept");
}

#include "aigc/aigc.hpp"

TEST_CASE("aigc.hpp: the C++ wrapper turns statuses into exceptions") {
  CHECK(aigc::version() == AIGC_VERSION_STRING);
  CHECK(aigc::backend_available("cpu"));
  CHECK_FALSE(aigc::backend_available("nope"));
  CHECK(aigc::system_info().rfind("aigc ", 0) == 0);
  try {
    aigc::check(aigc_backend_check("nope"));
    FAIL("expected StatusError");
  } catch (const aigc::StatusError &e) {
    CHECK(e.status() == AIGC_STATUS_BACKEND_UNAVAILABLE);
    CHECK(std::string(e.what()).find("nope") != std::string::npos);
  }
}
