// A block of bytes on a device, shared by the tensors that view it. Host storage is
// 64-byte aligned; file storage is a read-only memory map; device backends wrap
// their own allocations with a deleter.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "aigc/core/device.hpp"

namespace aigc {

class Storage {
 public:
  using Deleter = std::function<void(void *data, size_t bytes)>;

  Storage(void *data, size_t bytes, Device device, Deleter deleter, bool read_only);
  ~Storage();
  Storage(const Storage &) = delete;
  Storage &operator=(const Storage &) = delete;

  // Aligned host memory; throws Status::out_of_memory when it cannot be had.
  static std::shared_ptr<Storage> allocate_host(size_t bytes, size_t alignment = 64);
  // Read-only memory map of a whole file; throws Status::io_error naming the path.
  static std::shared_ptr<Storage> map_file(const std::string &path);
  // Borrowed memory: never freed by us; `keepalive` (if any) is held as long as the storage.
  static std::shared_ptr<Storage> borrow(void *data, size_t bytes, Device device,
                                         std::shared_ptr<void> keepalive = {},
                                         bool read_only = false);

  void *data() const { return data_; }
  size_t size() const { return bytes_; }
  Device device() const { return device_; }
  bool read_only() const { return read_only_; }

 private:
  void *data_;
  size_t bytes_;
  Device device_;
  Deleter deleter_;
  bool read_only_;
};

}  // namespace aigc
