#include "aigc/core/storage.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/check.hpp"

namespace aigc {

Storage::Storage(void *data, size_t bytes, Device device, Deleter deleter, bool read_only)
    : data_(data), bytes_(bytes), device_(device), deleter_(std::move(deleter)),
      read_only_(read_only) {}

Storage::~Storage() {
  if (deleter_) deleter_(data_, bytes_);
}

std::shared_ptr<Storage> Storage::allocate_host(size_t bytes, size_t alignment) {
  // Round up so aligned_alloc's size rule holds; allocate at least one block so that
  // empty tensors still have a valid, distinct address.
  const size_t rounded = bytes == 0 ? alignment : (bytes + alignment - 1) / alignment * alignment;
  AIGC_CHECK(rounded >= bytes, Status::out_of_memory, "cannot allocate {} bytes", bytes);
  void *p = std::aligned_alloc(alignment, rounded);
  AIGC_CHECK(p != nullptr, Status::out_of_memory, "out of host memory allocating {} bytes",
             bytes);
  return std::make_shared<Storage>(p, bytes, Device::cpu(), [](void *d, size_t) { std::free(d); },
                                   false);
}

std::shared_ptr<Storage> Storage::map_file(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  AIGC_CHECK(fd >= 0, Status::io_error, "cannot open '{}': {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(Status::io_error, "'{}' is not a readable regular file", path);
  }
  const size_t size = size_t(st.st_size);
  if (size == 0) {
    ::close(fd);
    // An empty file maps to an empty (but valid) storage; readers then report truncation.
    return allocate_host(0);
  }
  void *p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  AIGC_CHECK(p != MAP_FAILED, Status::io_error, "cannot map '{}': {}", path, std::strerror(err));
  return std::make_shared<Storage>(p, size, Device::cpu(),
                                   [](void *d, size_t n) { ::munmap(d, n); }, true);
}

std::shared_ptr<Storage> Storage::borrow(void *data, size_t bytes, Device device,
                                         std::shared_ptr<void> keepalive, bool read_only) {
  Deleter keep;
  if (keepalive) keep = [k = std::move(keepalive)](void *, size_t) mutable { k.reset(); };
  return std::make_shared<Storage>(data, bytes, device, std::move(keep), read_only);
}

}  // namespace aigc
