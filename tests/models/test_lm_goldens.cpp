// Tiny random GPT-2 / LLaMA / Qwen2 / Mistral models built with transformers
// (tests/reference/make_lm_goldens.py), loaded from safetensors + config.json and from
// GGUF (f32, f16, q8_0): logits of one causal pass and a 16-token greedy continuation
// against the reference framework's numbers.
#include <doctest/doctest.h>

#include "io/safetensors.hpp"
#include "models/lm_loader.hpp"
#include "ops/harness.hpp"

using namespace aigc;

namespace {

const std::string kDir = std::string(AIGC_TEST_DATA_DIR) + "/lm/";

std::vector<int32_t> ints(const Tensor &t) {
  const int32_t *p = t.data_as<int32_t>();
  return std::vector<int32_t>(p, p + t.numel());
}

double max_rel_err(const std::vector<float> &a, const std::vector<float> &b) {
  REQUIRE(a.size() == b.size());
  double err = 0, scale = 1e-6;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(b[i])));
  }
  return err / scale;
}

struct Case {
  const char *model;
  const char *file;    // "" = the safetensors directory
  const char *golden;  // golden file for those weights
  double tol;          // max |error| / max |logit|
  const char *why;
};

// Every file computes in f32 against an f32 reference over the same (dequantized) weights:
// 1e-4. Quantized decode GEMVs round activations to int16 blocks (NMSE ~2e-10 per matmul).
const Case kCases[] = {
    {"tiny-llama", "", "golden", 1e-4, "f32"},
    {"tiny-llama", "model-f32.gguf", "golden", 1e-4, "f32, q/k rows permuted"},
    {"tiny-llama", "model-f16.gguf", "golden-f16", 1e-4, "f16 weights, f32 compute"},
    {"tiny-llama", "model-q8_0.gguf", "golden-q8_0", 1e-4, "int16 activations"},
    {"tiny-llama-scaled", "", "golden", 1e-4, "f32, linear rope scaling, tied"},
    {"tiny-llama-scaled", "model-f32.gguf", "golden", 1e-4, "f32"},
    {"tiny-llama-scaled", "model-f16.gguf", "golden-f16", 1e-4, "f16 weights"},
    {"tiny-llama-scaled", "model-q8_0.gguf", "golden-q8_0", 1e-4, "int16 activations"},
    {"tiny-qwen2", "", "golden", 1e-4, "f32, qkv bias"},
    {"tiny-qwen2", "model-f32.gguf", "golden", 1e-4, "f32"},
    {"tiny-qwen2", "model-f16.gguf", "golden-f16", 1e-4, "f16 weights"},
    {"tiny-qwen2", "model-q8_0.gguf", "golden-q8_0", 1e-4, "int16 activations"},
    {"tiny-mistral", "", "golden", 1e-4, "f32, sliding window 8"},
    {"tiny-mistral", "model-f32.gguf", "golden", 1e-4, "f32, sliding window key"},
    {"tiny-gpt2", "", "golden", 1e-4, "f32, Conv1D weights transposed at load"},
    {"tiny-gpt2", "model-f32.gguf", "golden", 1e-4, "f32"},
    {"tiny-gpt2", "model-f16.gguf", "golden-f16", 1e-4, "f16 weights"},
    {"tiny-gpt2", "model-q8_0.gguf", "golden-q8_0", 1e-4, "int16 activations"},
};


// One causal pass over 24 tokens (logits for every position), then a greedy continuation
// one token at a time through the cache, on `backend` with the weights placed there.
void check_case(const Case &c, Backend &backend, double tol) {
  const std::string path = kDir + c.model + (*c.file ? std::string("/") + c.file : std::string());
  CAPTURE(path);
  CAPTURE(c.why);
  const auto lm = models::load_language_model(path, &backend);
  const auto golden = io::SafetensorsFile::open(kDir + c.model + "/" + c.golden + ".safetensors");
  ExecContext ctx{&backend, 2};

  nn::KvCache cache(backend, lm.model->kv_shape(), 1, 64);
  const Tensor logits = backend.download(lm.model->forward(ctx, cache, {{0, ints(golden->tensor("tokens")), true}}));
  CHECK(max_rel_err(logits.to_f32_vector(), golden->tensor("logits").to_f32_vector()) < tol);

  nn::KvCache cache2(backend, lm.model->kv_shape(), 1, 64);
  std::vector<int32_t> next = ints(golden->tensor("greedy_prompt"));
  std::vector<int32_t> got;
  const std::vector<int32_t> expected = ints(golden->tensor("greedy_tokens"));
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::vector<float> row =
        backend.download(lm.model->forward(ctx, cache2, {{0, next, false}})).to_f32_vector();
    const int32_t t = int32_t(std::max_element(row.begin(), row.end()) - row.begin());
    got.push_back(t);
    next = {t};
  }
  CHECK(got == expected);
}

}  // namespace

TEST_CASE("tiny models: logits and greedy continuations match transformers") {
  for (const Case &c : kCases) check_case(c, get_backend("cpu"), c.tol);
}

TEST_CASE("tiny models on CUDA: logits and greedy continuations match transformers") {
  std::string why;
  if (!backend_available("cuda", &why)) {
    MESSAGE("skipped: " << why);
    return;
  }
  // f16 weights run on tensor cores with activations rounded to f16 (relative error
  // ~2^-11 per product, accumulated in f32); f32 and quantized weights compute in f32.
  for (const Case &c : kCases) {
    const bool f16 = std::string(c.file).find("f16") != std::string::npos;
    check_case(c, get_backend("cuda"), f16 ? 2e-3 : c.tol);
  }
}

TEST_CASE("tiny llama: the reference backend agrees with the golden too") {
  const auto lm = models::load_language_model(kDir + "tiny-llama/model-f32.gguf");
  const auto golden = io::SafetensorsFile::open(kDir + "tiny-llama/golden.safetensors");
  ExecContext ctx = test::context("ref", 1);
  nn::KvCache cache(*ctx.backend, lm.model->kv_shape(), 1, 32);
  const Tensor logits = lm.model->forward(ctx, cache, {{0, ints(golden->tensor("tokens")), true}});
  CHECK(max_rel_err(logits.to_f32_vector(), golden->tensor("logits").to_f32_vector()) < 1e-4);
}

TEST_CASE("model files: bad input is a clear error") {
  // Missing file, a directory without weights, unknown architecture, shape mismatch.
  CHECK(test::error_status("cannot open", [] { models::load_language_model(kDir + "nope.gguf"); }) ==
        Status::io_error);
  CHECK(test::error_status("without model.safetensors", [] { models::load_language_model(kDir); }) ==
        Status::io_error);
}
