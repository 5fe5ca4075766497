// Typed reads of Hugging Face config.json values: a wrong type or an out-of-range number
// is an invalid_format error naming the key, never an unchecked conversion.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/check.hpp"

namespace aigc::models {

// Integer value of `key` (integral floats like 64.0 accepted); fallback when absent or null.
inline int64_t json_int(const nlohmann::json &j, const char *key, int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) {
    AIGC_CHECK(!it->is_number_unsigned() || it->get<uint64_t>() <= uint64_t(INT64_MAX),
               Status::invalid_format, "config.json: '{}' is out of range", key);
    return it->get<int64_t>();
  }
  AIGC_CHECK(it->is_number_float(), Status::invalid_format, "config.json: '{}' is not a number", key);
  const double d = it->get<double>();
  AIGC_CHECK(std::isfinite(d) && std::abs(d) < 9e15 && d == std::floor(d), Status::invalid_format,
             "config.json: '{}' = {} is not an integer", key, d);
  return int64_t(d);
}

// Finite float value of `key`; fallback when absent or null.
inline float json_float(const nlohmann::json &j, const char *key, float fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AIGC_CHECK(it->is_number(), Status::invalid_format, "config.json: '{}' is not a number", key);
  const double d = it->get<double>();
  AIGC_CHECK(std::isfinite(d) && std::abs(d) < 3e38, Status::invalid_format,
             "config.json: '{}' = {} is out of range", key, d);
  return float(d);
}

inline bool json_bool(const nlohmann::json &j, const char *key, bool fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AIGC_CHECK(it->is_boolean(), Status::invalid_format, "config.json: '{}' is not true/false", key);
  return it->get<bool>();
}

inline std::string json_string(const nlohmann::json &j, const char *key, const std::string &fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AIGC_CHECK(it->is_string(), Status::invalid_format, "config.json: '{}' is not a string", key);
  return it->get<std::string>();
}

}  // namespace aigc::models
