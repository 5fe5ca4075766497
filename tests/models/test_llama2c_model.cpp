// stories260K (llama2.c checkpoint) against the upstream goldens in ../shared/models/goldens:
// full-sequence logits, greedy continuation from BOS and its per-step logits, and the
// same sequence evaluated in chunks and in a second sequence of one context.
#include <doctest/doctest.h>

#include "backend/registry.hpp"
#include "io/safetensors.hpp"
#include "model_paths.hpp"
#include "models/lm_loader.hpp"
#include "ops/harness.hpp"

using namespace aigc;

namespace {

struct Fixture {
  models::LoadedLanguageModel lm;
  std::shared_ptr<const io::SafetensorsFile> golden;
};

bool load(Fixture &f) {
  const std::string model = test::stories260k_path();
  const std::string golden = test::shared_models_dir() + "/goldens/llama2c-stories260k.safetensors";
  if (!test::require_model(model, test::kSharedModelsHint) || !test::require_model(golden, test::kSharedModelsHint))
    return false;
  f.lm = models::load_language_model(model);
  f.golden = io::SafetensorsFile::open(golden);
  return true;
}

std::vector<int32_t> ints(const Tensor &t) {
  std::vector<int32_t> v(size_t(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[size_t(i)] = t.data_as<int32_t>()[i];
  return v;
}

// Max |a - b| relative to max |b| (suggested tolerance in the goldens' README: 1e-4).
double max_rel_err(const std::vector<float> &a, const std::vector<float> &b) {
  REQUIRE(a.size() == b.size());
  double err = 0, scale = 1e-6;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(b[i])));
  }
  return err / scale;
}

}  // namespace

TEST_CASE("stories260K: config from the checkpoint header") {
  Fixture f;
  if (!load(f)) return;
  const auto &info = f.lm.model->info();
  CHECK(info.arch == "llama");
  CHECK(info.vocab_size == 512);
  CHECK(info.hidden_size == 64);
  CHECK(info.n_layers == 5);
  CHECK(info.n_heads == 8);
  CHECK(info.n_kv_heads == 4);
  CHECK(f.lm.format == "llama2c");
}

TEST_CASE("stories260K: logits of one causal pass match the golden on every backend") {
  Fixture f;
  if (!load(f)) return;
  const std::vector<int32_t> tokens = ints(f.golden->tensor("seq_tokens"));
  const std::vector<float> expected = f.golden->tensor("seq_logits").to_f32_vector();
  for (const char *backend : {"ref", "cpu"}) {
    CAPTURE(backend);
    ExecContext ctx = test::context(backend, 2);
    nn::KvCache cache(*ctx.backend, f.lm.model->kv_shape(), 1, 64);
    const Tensor logits = f.lm.model->forward(ctx, cache, {{0, tokens, true}});
    REQUIRE(logits.shape() == Shape({29, 512}));
    CHECK(max_rel_err(logits.to_f32_vector(), expected) < 1e-4);
    CHECK(cache.length(0) == 29);
  }
}

TEST_CASE("stories260K: chunked prompt and token-by-token decode equal one pass") {
  Fixture f;
  if (!load(f)) return;
  const std::vector<int32_t> tokens = ints(f.golden->tensor("seq_tokens"));
  const std::vector<float> expected = f.golden->tensor("seq_logits").to_f32_vector();
  ExecContext ctx = test::context("cpu", 2);
  // Two sequences in one context: seq 1 gets the tokens in chunks of 10, 1, 1, ..., seq 0 in one
  // pass alongside the first chunk, so both batch paths (multi-span, single-token) run.
  nn::KvCache cache(*ctx.backend, f.lm.model->kv_shape(), 2, 32);
  const std::vector<int32_t> first(tokens.begin(), tokens.begin() + 10);
  const Tensor both = f.lm.model->forward(ctx, cache, {{1, first, true}, {0, tokens, false}});
  REQUIRE(both.shape() == Shape({11, 512}));
  std::vector<float> got = both.to_f32_vector();
  // Row 10 is seq 0's last-token logits.
  const std::vector<float> last0(got.begin() + 10 * 512, got.end());
  CHECK(max_rel_err(last0, std::vector<float>(expected.end() - 512, expected.end())) < 1e-4);
  got.resize(10 * 512);
  for (size_t i = 10; i < tokens.size(); ++i) {
    const Tensor step = f.lm.model->forward(ctx, cache, {{1, {tokens[i]}, false}});
    const std::vector<float> row = step.to_f32_vector();
    got.insert(got.end(), row.begin(), row.end());
  }
  CHECK(max_rel_err(got, expected) < 1e-4);
  CHECK(cache.length(1) == 29);
}

TEST_CASE("stories260K: greedy decoding from BOS reproduces the documented story") {
  Fixture f;
  if (!load(f)) return;
  const std::vector<int32_t> expected = ints(f.golden->tensor("greedy_tokens"));
  const std::vector<float> step_logits = f.golden->tensor("greedy_step_logits").to_f32_vector();
  ExecContext ctx = test::context("cpu", 2);
  nn::KvCache cache(*ctx.backend, f.lm.model->kv_shape(), 1, 128);
  std::vector<int32_t> got;
  int32_t token = 1;  // BOS
  double worst = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::vector<float> logits = f.lm.model->forward(ctx, cache, {{0, {token}, false}}).to_f32_vector();
    worst = std::max(worst, max_rel_err(logits, std::vector<float>(step_logits.begin() + long(i) * 512,
                                                                    step_logits.begin() + long(i + 1) * 512)));
    token = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    got.push_back(token);
  }
  CHECK(got == expected);
  CHECK(worst < 1e-4);
}

TEST_CASE("language model: a full context is an error that changes nothing") {
  Fixture f;
  if (!load(f)) return;
  ExecContext ctx = test::context("cpu", 1);
  nn::KvCache cache(*ctx.backend, f.lm.model->kv_shape(), 1, 8);
  f.lm.model->forward(ctx, cache, {{0, {1, 2, 3, 4, 5}, false}});
  const Status s = test::error_status("context full", [&] { f.lm.model->forward(ctx, cache, {{0, {1, 2, 3, 4}, false}}); });
  CHECK(s == Status::context_full);
  CHECK(cache.length(0) == 5);
  CHECK(test::error_status("vocabulary", [&] { f.lm.model->forward(ctx, cache, {{0, {600}, false}}); }) ==
        Status::invalid_argument);
  CHECK(test::error_status("sequence id", [&] { f.lm.model->forward(ctx, cache, {{3, {1}, false}}); }) ==
        Status::invalid_argument);
  CHECK(test::error_status("appears twice", [&] { f.lm.model->forward(ctx, cache, {{0, {1}, false}, {0, {2}, false}}); }) ==
        Status::invalid_argument);
  CHECK(cache.length(0) == 5);
}
