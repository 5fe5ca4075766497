// config.json reads shared by the image models (on top of config_json.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_model.hpp"

namespace aigc::models {

// "pixel_range": "minus_one_one" | "zero_one" | "minus_half_half" (fallback when absent);
// anything else is invalid_format.
inline PixelRange pixel_range_from_config(const nlohmann::json &j, const char *fallback) {
  const std::string name = json_string(j, "pixel_range", fallback);
  if (name == "minus_one_one") return PixelRange::minus_one_one();
  if (name == "zero_one") return PixelRange::zero_one();
  if (name == "minus_half_half") return PixelRange::minus_half_half();
  fail(Status::invalid_format,
       "config.json: pixel_range '{}' is not minus_one_one, zero_one or minus_half_half", name);
}

}  // namespace aigc::models
