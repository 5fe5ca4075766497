// Bounds-checked little-endian reading from an untrusted byte range. Every read checks
// what is left first, so a truncated or lying file becomes an invalid_format error that
// names the file and the offset, never an out-of-bounds access.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/check.hpp"

namespace aigc::io {

class ByteReader {
 public:
  ByteReader(const uint8_t *data, size_t size, std::string what)
      : data_(data), size_(size), what_(std::move(what)) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string &what() const { return what_; }

  void need(size_t n, const char *item) const {
    AIGC_CHECK(n <= remaining(), Status::invalid_format,
               "{}: truncated at byte {} reading {} ({} bytes needed, {} left)", what_, pos_, item,
               n, remaining());
  }

  template <class T> T read(const char *item) {
    need(sizeof(T), item);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // A string of `n` bytes (n checked against what is left, so it cannot over-allocate).
  std::string read_string(uint64_t n, const char *item) {
    need(n, item);
    std::string s(reinterpret_cast<const char *>(data_ + pos_), size_t(n));
    pos_ += size_t(n);
    return s;
  }

  void skip(uint64_t n, const char *item) {
    need(n, item);
    pos_ += size_t(n);
  }

  void seek(size_t pos, const char *item) {
    AIGC_CHECK(pos <= size_, Status::invalid_format, "{}: {} offset {} is past the end ({} bytes)",
               what_, item, pos, size_);
    pos_ = pos;
  }

  const uint8_t *here() const { return data_ + pos_; }

 private:
  const uint8_t *data_;
  size_t size_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace aigc::io
