#include "common.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

namespace aigc_cli {

void ModelArgs::add_to(ArgParser &p, bool with_ctx) {
  p.option_string("-m, --model", "FILE", "model: GGUF, safetensors (file or directory), llama2.c .bin",
                  &model);
  p.option_string("--tokenizer", "FILE", "tokenizer file (default: from the model or beside it)",
                  &tokenizer);
  p.option_string("--backend", "NAME", "compute backend: cpu (default) or ref", &backend);
  p.option("-t, --threads", "N", "threads (default: physical cores)",
           [this](const std::string &v) { n_threads = parse_int("-t", v); });
  if (with_ctx)
    p.option_int("-c, --ctx-size", "N", "context length (default: model's, at most 4096)", &n_ctx);
}

aigc::Model ModelArgs::load_model() const {
  aigc::ModelOptions o;
  o.tokenizer_path = tokenizer;
  o.backend = backend;
  return aigc::Model::load(model, o);
}

aigc::Context ModelArgs::make_context(const aigc::Model &m) const {
  aigc_context_params cp = aigc::context_params();
  cp.n_ctx = n_ctx;
  // Any value given (0 included) goes to the library, which owns the range check.
  if (n_threads) cp.n_threads = *n_threads;
  return aigc::Context(m, cp);
}

uint64_t random_seed_announced(bool announce) {
  // 32 bits: plenty for sampling, and short enough to retype.
  const uint64_t seed = std::random_device{}();
  if (announce)
    std::fprintf(stderr, "seed: %llu (pass --seed %llu to repeat)\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

SamplingArgs::SamplingArgs() : params(aigc::sampler_params()) { params.temperature = 0.8f; }

aigc::Sampler SamplingArgs::make_sampler() {
  // Greedy decoding (temperature 0) never draws from the RNG: no seed worth reporting.
  if (!seed) seed = params.temperature == 0.0f ? 0 : random_seed_announced();
  params.seed = *seed;
  return aigc::Sampler(params);
}

void SamplingArgs::add_to(ArgParser &p) {
  p.option_float("--temp", "T", "temperature; 0 = greedy (default 0.8)", &params.temperature);
  p.option_int("--top-k", "K", "keep the K most likely tokens; <= 0 off (default " +
                                   std::to_string(params.top_k) + ")",
               &params.top_k);
  p.option_float("--top-p", "P", "nucleus sampling, (0, 1] (default " +
                                     std::to_string(params.top_p).substr(0, 4) + ")",
                 &params.top_p);
  p.option_float("--min-p", "P", "drop tokens below P x the top probability, [0, 1] (default " +
                                     std::to_string(params.min_p).substr(0, 4) + ")",
                 &params.min_p);
  p.option_float("--typical-p", "P", "locally typical sampling, (0, 1]; 1 = off",
                 &params.typical_p);
  p.option_float("--repeat-penalty", "R", "penalty for recent tokens; 1 = off", &params.repeat_penalty);
  p.option_int("--repeat-last-n", "N", "tokens of history the penalties look at",
               &params.penalty_last_n);
  p.option_float("--frequency-penalty", "F", "OpenAI-style frequency penalty; 0 = off",
                 &params.frequency_penalty);
  p.option_float("--presence-penalty", "F", "OpenAI-style presence penalty; 0 = off",
                 &params.presence_penalty);
  p.option("-s, --seed", "S", "random seed (default: a random one, printed on stderr)",
           [this](const std::string &v) { seed = parse_u64("-s", v); });
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw aigc::StatusError(AIGC_STATUS_IO_ERROR, "cannot open '" + path + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw aigc::StatusError(AIGC_STATUS_IO_ERROR, "cannot read '" + path + "'");
  return text;
}

}  // namespace aigc_cli
