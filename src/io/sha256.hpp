// SHA-256 (FIPS 180-4) of byte buffers and files, for image provenance: a PNG records
// the hex digest of the weights file that produced it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aigc::io {

// Incremental hasher: update() any number of times, then finish() once.
class Sha256 {
 public:
  Sha256();
  void update(const void *data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  std::array<uint8_t, 32> finish();  // the hasher must not be updated afterwards

 private:
  void compress(const uint8_t *block);  // one 64-byte block
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

std::string to_hex(const std::array<uint8_t, 32> &digest);  // 64 lower-case hex digits
std::string sha256_hex(std::string_view bytes);
// Streams the file through 1 MiB reads (no need to hold it in memory).
// io_error naming the path when it cannot be opened or read.
std::string sha256_file_hex(const std::string &path);

}  // namespace aigc::io
