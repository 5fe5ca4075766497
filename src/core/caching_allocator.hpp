// A caching block allocator over a slow raw allocator (cudaMalloc, cudaHostAlloc):
// freed blocks are kept by size and handed out again, so steady-state work (a decode
// step, a diffusion step) allocates nothing from the driver. Independent of CUDA so
// that its bookkeeping is tested on any machine (tests/core/test_caching_allocator.cpp).
//
// Reuse is safe for device memory because every kernel of a backend runs on one
// stream: a block freed after queueing kernels that read it is only handed to kernels
// queued later on the same stream.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace aigc {

struct CachingAllocatorStats {
  size_t in_use_bytes = 0;     // handed out and not yet freed
  size_t cached_bytes = 0;     // freed and kept for reuse
  size_t peak_in_use_bytes = 0;
  size_t raw_allocations = 0;  // calls into the raw allocator (misses)
  size_t hits = 0;             // requests served from the cache
};

class CachingAllocator {
 public:
  // raw_alloc returns nullptr when memory is exhausted (other failures may throw);
  // raw_free releases what raw_alloc returned. `what` names the memory in messages.
  using RawAlloc = std::function<void *(size_t bytes)>;
  using RawFree = std::function<void(void *p, size_t bytes)>;

  CachingAllocator(std::string what, RawAlloc raw_alloc, RawFree raw_free,
                   size_t max_cached_bytes = ~size_t(0));
  ~CachingAllocator();  // releases cached blocks; blocks still in use are leaked to their owners
  CachingAllocator(const CachingAllocator &) = delete;
  CachingAllocator &operator=(const CachingAllocator &) = delete;

  // A block of at least `bytes`; throws Status::out_of_memory naming the request and
  // the memory in use when even an emptied cache leaves the raw allocator short.
  void *allocate(size_t bytes, size_t *granted = nullptr);
  // Returns a block from allocate(); `bytes` is the size granted.
  void deallocate(void *p, size_t bytes);
  // Gives every cached block back to the raw allocator.
  void release_cached();
  CachingAllocatorStats stats() const;

  // Rounded size actually handed out for a request (the cache's size classes).
  static size_t round_size(size_t bytes);

 private:
  void release_cached_locked();

  std::string what_;
  RawAlloc raw_alloc_;
  RawFree raw_free_;
  size_t max_cached_bytes_;
  mutable std::mutex mutex_;
  std::multimap<size_t, void *> free_blocks_;  // size -> block
  CachingAllocatorStats stats_;
};

}  // namespace aigc
