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

// Fixed default seed so that two runs with the same options print the same text.
constexpr uint64_t kDefaultSeed = 0;

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
  aigc_sampler_params params;  // library defaults, seed = kDefaultSeed

  SamplingArgs();
  void add_to(ArgParser &p);
  aigc::Sampler make_sampler() const { return aigc::Sampler(params); }
};

// Reads a whole file; throws aigc::StatusError(IO_ERROR) with the path when it cannot.
std::string read_file(const std::string &path);

// Subcommands: args exclude the program and command names; return the exit code.
int run_generate(const std::vector<std::string> &args);
int run_perplexity(const std::vector<std::string> &args);
int run_chat(const std::vector<std::string> &args);

}  // namespace aigc_cli
