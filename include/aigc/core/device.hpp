// Where a tensor's bytes live.
#pragma once

#include <string>

namespace aigc {

enum class DeviceType : uint8_t { cpu = 0, cuda = 1 };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int i = 0) { return {DeviceType::cuda, i}; }
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool operator==(const Device &o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device &o) const { return !(*this == o); }
  std::string to_string() const {
    return type == DeviceType::cpu ? std::string("cpu") : "cuda:" + std::to_string(index);
  }
};

}  // namespace aigc
