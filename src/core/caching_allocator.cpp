#include "core/caching_allocator.hpp"

#include <algorithm>

#include "core/check.hpp"

namespace aigc {

CachingAllocator::CachingAllocator(std::string what, RawAlloc raw_alloc, RawFree raw_free,
                                   size_t max_cached_bytes)
    : what_(std::move(what)),
      raw_alloc_(std::move(raw_alloc)),
      raw_free_(std::move(raw_free)),
      max_cached_bytes_(max_cached_bytes) {}

CachingAllocator::~CachingAllocator() { release_cached(); }

size_t CachingAllocator::round_size(size_t bytes) {
  // Small blocks in 512-byte steps; large ones in 2 MiB steps, so a tensor that grows by
  // a few bytes a token (a KV view, a logits row) keeps hitting the same block.
  constexpr size_t kSmall = 512, kLarge = size_t(2) << 20, kSmallLimit = size_t(1) << 20;
  if (bytes == 0) bytes = 1;
  if (bytes <= kSmallLimit) return (bytes + kSmall - 1) / kSmall * kSmall;
  return (bytes + kLarge - 1) / kLarge * kLarge;
}

void *CachingAllocator::allocate(size_t bytes, size_t *granted) {
  const size_t size = round_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  // The smallest cached block that fits, unless it wastes more than a quarter of itself
  // (then a fresh block is cheaper than pinning a much larger one to a small tensor).
  auto it = free_blocks_.lower_bound(size);
  if (it != free_blocks_.end() && it->first - size <= it->first / 4) {
    const size_t got = it->first;
    void *p = it->second;
    free_blocks_.erase(it);
    stats_.cached_bytes -= got;
    stats_.in_use_bytes += got;
    stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
    ++stats_.hits;
    if (granted) *granted = got;
    return p;
  }
  void *p = raw_alloc_(size);
  if (!p && !free_blocks_.empty()) {  // the cache holds the memory: give it back and retry
    release_cached_locked();
    p = raw_alloc_(size);
  }
  AIGC_CHECK(p != nullptr, Status::out_of_memory,
             "out of {} allocating {} bytes ({} bytes in use)", what_, bytes, stats_.in_use_bytes);
  ++stats_.raw_allocations;
  stats_.in_use_bytes += size;
  stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
  if (granted) *granted = size;
  return p;
}

void CachingAllocator::deallocate(void *p, size_t bytes) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.in_use_bytes -= bytes;
  if (stats_.cached_bytes + bytes > max_cached_bytes_) {
    raw_free_(p, bytes);
    return;
  }
  free_blocks_.emplace(bytes, p);
  stats_.cached_bytes += bytes;
}

void CachingAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  for (auto &kv : free_blocks_) raw_free_(kv.second, kv.first);
  free_blocks_.clear();
  stats_.cached_bytes = 0;
}

CachingAllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace aigc
