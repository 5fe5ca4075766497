// Shared pieces of the op benchmarks: robust timing, the machine's measured peaks
// (the physical floors every figure is printed beside) and table output.
#pragma once

#include <functional>
#include <cstdint>
#include <string>

#include "aigc/core/tensor.hpp"

namespace aigc::bench {

// Median seconds per call of `fn` over enough repetitions to fill ~`budget_s` seconds
// (after one warm-up call).
double time_median(const std::function<void()> &fn, double budget_s = 0.5);

// Peak f32 FLOP/s of this machine with `threads` threads, measured with a large
// oneDNN sgemm (2048^3), cached per thread count.
double peak_flops(int threads);

// Streaming-read bandwidth in bytes/s (sum over a 256 MiB buffer), cached per thread count.
double peak_read_bandwidth(int threads);

// Threads to use: $AIGC_BENCH_THREADS or the number of cores.
int bench_threads();

// Host f32 tensor of values in [-0.5, 0.5) from a fixed LCG seed (cheap for large
// benchmark inputs; the values only need to be ordinary numbers).
Tensor random_f32(const Shape &shape, uint32_t seed);

// Prints one result line: name, our figure, floor, percent of floor, peer figure.
void report(const std::string &name, const std::string &unit, double ours, double floor,
            const std::string &peer_name, double peer);

}  // namespace aigc::bench
