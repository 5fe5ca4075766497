// Options and helpers shared by the subcommands: model / context / sampling options and
// their translation to the C++ wrapper (aigc.hpp), which is all the tool uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aigc/aigc.hpp"
#include "args.hpp"

namespace aigc_cli {

// No --seed given: draws a random seed and prints "seed: N (pass --seed N to repeat)" on
// stderr, so any run can be repeated without having chosen a seed beforehand. announce =
// false (image -q) skips the line; the output file's metadata still records the seed.
uint64_t random_seed_announced(bool announce = true);

struct ModelArgs {
  std::string model;           // -m
  std::string tokenizer;       // --tokenizer
  std::string backend;         // --backend
  std::optional<int32_t> n_threads;  // -t; unset: the library's default (physical cores)
  int32_t n_ctx = 0;           // -c; 0: the library's default

  void add_to(ArgParser &p, bool with_ctx = true);
  aigc::Model load_model() const;
  aigc::Context make_context(const aigc::Model &model) const;
};

struct SamplingArgs {
  aigc_sampler_params params;  // library defaults; the seed is `seed`
  std::optional<uint64_t> seed;  // -s; unset: random (announced), unless greedy

  SamplingArgs();
  void add_to(ArgParser &p);
  // Call once per run: it draws (and announces) the random seed when none was given.
  aigc::Sampler make_sampler();
};

// Reads a whole file; throws aigc::StatusError(IO_ERROR) with the path when it cannot.
std::string read_file(const std::string &path);

// Subcommands: args exclude the program and command names; return the exit code.
int run_generate(const std::vector<std::string> &args);
int run_perplexity(const std::vector<std::string> &args);
int run_chat(const std::vector<std::string> &args);

}  // namespace aigc_cli
