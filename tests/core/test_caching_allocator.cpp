// The caching allocator behind CUDA device memory and pinned host buffers, driven by a
// counting fake raw allocator so its bookkeeping is checked on any machine.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "aigc/core/error.hpp"
#include "core/caching_allocator.hpp"

namespace aigc {
namespace {

// A raw allocator with a byte budget, recording live blocks.
struct FakeDevice {
  size_t budget;
  size_t used = 0;
  int allocs = 0, frees = 0;
  std::map<void *, size_t> live;

  CachingAllocator make(size_t max_cached = ~size_t(0)) {
    return CachingAllocator(
        "fake memory",
        [this](size_t bytes) -> void * {
          if (used + bytes > budget) return nullptr;
          void *p = std::malloc(bytes);
          used += bytes;
          ++allocs;
          live[p] = bytes;
          return p;
        },
        [this](void *p, size_t bytes) {
          REQUIRE(live.count(p) == 1);
          CHECK(live[p] == bytes);
          live.erase(p);
          used -= bytes;
          ++frees;
          std::free(p);
        },
        max_cached);
  }
};

TEST_CASE("caching allocator: size classes") {
  CHECK(CachingAllocator::round_size(0) == 512);
  CHECK(CachingAllocator::round_size(1) == 512);
  CHECK(CachingAllocator::round_size(513) == 1024);
  CHECK(CachingAllocator::round_size(1 << 20) == (1 << 20));
  CHECK(CachingAllocator::round_size((1 << 20) + 1) == (2 << 20));
  CHECK(CachingAllocator::round_size((5 << 20) + 7) == (6 << 20));
}

TEST_CASE("caching allocator: freed blocks are reused, not reallocated") {
  FakeDevice dev{size_t(64) << 20};
  {
    CachingAllocator a = dev.make();
    size_t g1 = 0, g2 = 0;
    void *p = a.allocate(1000, &g1);
    CHECK(g1 == 1024);
    a.deallocate(p, g1);
    void *q = a.allocate(900, &g2);  // same size class: the same block comes back
    CHECK(q == p);
    CHECK(dev.allocs == 1);
    CHECK(a.stats().hits == 1);
    CHECK(a.stats().in_use_bytes == 1024);
    a.deallocate(q, g2);
    CHECK(a.stats().cached_bytes == 1024);
    CHECK(a.stats().in_use_bytes == 0);
    // A much smaller request does not take the cached block (it would waste > 1/4 of it).
    size_t g3 = 0;
    void *r = a.allocate(100, &g3);
    CHECK(r != p);
    CHECK(dev.allocs == 2);
    a.deallocate(r, g3);
  }
  CHECK(dev.live.empty());  // the destructor gave every cached block back
  CHECK(dev.frees == 2);
}

TEST_CASE("caching allocator: a full device empties the cache and retries") {
  FakeDevice dev{size_t(8) << 20};
  CachingAllocator a = dev.make();
  size_t g = 0;
  void *p = a.allocate(size_t(6) << 20, &g);  // 6 MiB cached after the free
  a.deallocate(p, g);
  size_t g2 = 0;
  void *q = a.allocate(size_t(3) << 20, &g2);  // 4 MiB: does not fit beside the cached 6 MiB
  REQUIRE(q != nullptr);
  CHECK(a.stats().cached_bytes == 0);
  CHECK(dev.used == (size_t(4) << 20));
  a.deallocate(q, g2);
}

TEST_CASE("caching allocator: exhaustion is an out_of_memory status naming the request") {
  FakeDevice dev{size_t(4) << 20};
  CachingAllocator a = dev.make();
  size_t g = 0;
  void *p = a.allocate(size_t(3) << 20, &g);
  try {
    a.allocate(size_t(3) << 20);
    FAIL("no error");
  } catch (const Error &e) {
    CHECK(e.status() == Status::out_of_memory);
    CHECK(std::string(e.what()).find("fake memory") != std::string::npos);
    CHECK(std::string(e.what()).find("3145728") != std::string::npos);
  }
  a.deallocate(p, g);
  CHECK(a.stats().peak_in_use_bytes == (size_t(4) << 20));
}

TEST_CASE("caching allocator: the cache limit frees what does not fit") {
  FakeDevice dev{size_t(64) << 20};
  CachingAllocator a = dev.make(/*max_cached=*/2048);
  size_t g1 = 0, g2 = 0, g3 = 0;
  void *p1 = a.allocate(1024, &g1), *p2 = a.allocate(1024, &g2), *p3 = a.allocate(1024, &g3);
  a.deallocate(p1, g1);
  a.deallocate(p2, g2);
  a.deallocate(p3, g3);  // over the 2 KiB limit: returned to the raw allocator
  CHECK(a.stats().cached_bytes == 2048);
  CHECK(dev.frees == 1);
  a.release_cached();
  CHECK(dev.live.empty());
}

}  // namespace
}  // namespace aigc
