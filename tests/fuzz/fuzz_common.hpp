// libFuzzer entry helpers: run a reader over the input bytes; aigc::Error is the expected
// way to reject bad input, anything else (a crash, a sanitizer report, another exception
// type escaping) is a finding.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "aigc/core/error.hpp"
#include "aigc/core/storage.hpp"

namespace aigc::fuzz {

inline std::shared_ptr<Storage> bytes_of(const uint8_t *data, size_t size) {
  auto s = Storage::allocate_host(size);
  if (size) std::memcpy(s->data(), data, size);
  return s;
}

template <class Fn> int run(Fn &&fn) {
  try {
    fn();
  } catch (const Error &) {
  }
  return 0;
}

}  // namespace aigc::fuzz
