// The text-generation C ABI called as a C program would: params structs, caller buffers,
// statuses and messages for bad input, generation against the stories260K golden.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "aigc/aigc.h"
#include "model_paths.hpp"

namespace {

const std::string kStory =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big, red ball. She wanted to play with it, but it was too high";

struct Loaded {
  aigc_model *model = nullptr;
  aigc_context *ctx = nullptr;
  ~Loaded() {
    aigc_context_free(ctx);
    aigc_model_free(model);
  }
};

bool load(Loaded &l, int32_t n_ctx = 256) {
  if (!aigc::test::require_model(aigc::test::stories260k_path(), aigc::test::kSharedModelsHint)) return false;
  REQUIRE(aigc_model_load(aigc::test::stories260k_path().c_str(), nullptr, &l.model) == AIGC_STATUS_OK);
  aigc_context_params cp;
  REQUIRE(aigc_context_params_init(&cp, sizeof cp) == AIGC_STATUS_OK);
  cp.n_ctx = n_ctx;
  cp.n_threads = 1;
  REQUIRE(aigc_context_new(l.model, &cp, &l.ctx) == AIGC_STATUS_OK);
  return true;
}

int32_t collect(const char *piece, size_t len, int32_t, void *user) {
  static_cast<std::string *>(user)->append(piece, len);
  return 0;
}

bool message_has(const char *needle) { return std::strstr(aigc_last_error(), needle) != nullptr; }

}  // namespace

TEST_CASE("C ABI: model info, metadata and tokenization with caller buffers") {
  Loaded l;
  if (!load(l)) return;
  aigc_model_info info;
  info.struct_size = sizeof info;
  REQUIRE(aigc_model_get_info(l.model, &info) == AIGC_STATUS_OK);
  CHECK(info.n_vocab == 512);
  CHECK(info.n_layers == 5);
  CHECK(info.n_kv_heads == 4);
  CHECK(info.bos_token == 1);
  CHECK(info.has_tokenizer == 1);
  CHECK(info.weight_bytes > 0);

  char arch[16];
  size_t needed = 0;
  REQUIRE(aigc_model_meta(l.model, "general.architecture", arch, sizeof arch, &needed) == AIGC_STATUS_OK);
  CHECK(std::string(arch) == "llama");
  CHECK(aigc_model_meta(l.model, "no.such.key", arch, sizeof arch, &needed) == AIGC_STATUS_INVALID_ARGUMENT);

  const char *text = "Once upon a time";
  size_t n = 0;
  CHECK(aigc_tokenize(l.model, text, std::strlen(text), 1, 0, nullptr, 0, &n) == AIGC_STATUS_BUFFER_TOO_SMALL);
  REQUIRE(n > 1);
  std::vector<int32_t> ids(n);
  REQUIRE(aigc_tokenize(l.model, text, std::strlen(text), 1, 0, ids.data(), ids.size(), &n) == AIGC_STATUS_OK);
  CHECK(ids[0] == 1);
  char buf[64];
  REQUIRE(aigc_detokenize(l.model, ids.data() + 1, n - 1, buf, sizeof buf, &needed) == AIGC_STATUS_OK);
  CHECK(std::string(buf) == text);
  CHECK(aigc_detokenize(l.model, ids.data() + 1, n - 1, buf, 4, &needed) == AIGC_STATUS_BUFFER_TOO_SMALL);
  CHECK(needed == std::strlen(text) + 1);
}

TEST_CASE("C ABI: greedy generate streams the golden story; seeded sampling repeats") {
  Loaded l;
  if (!load(l)) return;
  aigc_generate_params gp;
  REQUIRE(aigc_generate_params_init(&gp, sizeof gp) == AIGC_STATUS_OK);
  gp.max_tokens = 60;
  std::string text;
  aigc_generate_result r;
  r.struct_size = sizeof r;
  REQUIRE(aigc_generate(l.ctx, "", &gp, nullptr, collect, &text, &r) == AIGC_STATUS_OK);
  CHECK(text == kStory);
  CHECK(r.n_generated == 60);
  CHECK(r.stop_reason == AIGC_STOP_REASON_MAX_TOKENS);

  aigc_sampler_params sp;
  REQUIRE(aigc_sampler_params_init(&sp, sizeof sp) == AIGC_STATUS_OK);
  sp.seed = 7;
  std::string a, b;
  aigc_sampler *s = nullptr;
  REQUIRE(aigc_sampler_new(&sp, &s) == AIGC_STATUS_OK);
  REQUIRE(aigc_generate(l.ctx, "Once", &gp, s, collect, &a, nullptr) == AIGC_STATUS_OK);
  REQUIRE(aigc_generate(l.ctx, "Once", &gp, s, collect, &b, nullptr) == AIGC_STATUS_OK);
  aigc_sampler_free(s);
  CHECK(a == b);  // not appending resets the sampler: same seed, same text
  CHECK(a != text);
}

TEST_CASE("C ABI: a hand-built chain equals the params chain") {
  Loaded l;
  if (!load(l)) return;
  aigc_sampler *chain = nullptr, *stage = nullptr;
  REQUIRE(aigc_sampler_new_chain(&chain) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_new_top_k(40, &stage) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_chain_add(chain, stage) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_new_temperature(0.8f, &stage) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_chain_add(chain, stage) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_new_dist(3, &stage) == AIGC_STATUS_OK);
  REQUIRE(aigc_sampler_chain_add(chain, stage) == AIGC_STATUS_OK);
  aigc_sampler_params sp;
  aigc_sampler_params_init(&sp, sizeof sp);
  sp.seed = 3;
  sp.top_p = 1.0f;
  sp.min_p = 0.0f;
  aigc_sampler *params_chain = nullptr;
  REQUIRE(aigc_sampler_new(&sp, &params_chain) == AIGC_STATUS_OK);
  aigc_generate_params gp;
  aigc_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 40;
  std::string a, b;
  REQUIRE(aigc_generate(l.ctx, "", &gp, chain, collect, &a, nullptr) == AIGC_STATUS_OK);
  REQUIRE(aigc_generate(l.ctx, "", &gp, params_chain, collect, &b, nullptr) == AIGC_STATUS_OK);
  CHECK(a == b);
  aigc_sampler_free(chain);
  aigc_sampler_free(params_chain);
}

TEST_CASE("C ABI: decode, logits and sequences") {
  Loaded l;
  if (!load(l)) return;
  const int32_t tokens[] = {1, 403, 407};
  aigc_batch_entry e = {0, 1, tokens, 3};
  REQUIRE(aigc_context_decode(l.ctx, &e, 1) == AIGC_STATUS_OK);
  const float *logits = nullptr;
  size_t rows = 0, vocab = 0;
  REQUIRE(aigc_context_logits(l.ctx, &logits, &rows, &vocab) == AIGC_STATUS_OK);
  CHECK(rows == 3);
  CHECK(vocab == 512);
  CHECK(std::isfinite(logits[3 * 512 - 1]));
  aigc_context_info ci;
  ci.struct_size = sizeof ci;
  REQUIRE(aigc_context_get_info(l.ctx, &ci) == AIGC_STATUS_OK);
  CHECK(ci.n_ctx == 256);
  CHECK(ci.n_seq_max == 1);
  CHECK(ci.n_threads == 1);
  int32_t len = 0;
  REQUIRE(aigc_context_seq_length(l.ctx, 0, &len) == AIGC_STATUS_OK);
  CHECK(len == 3);
  REQUIRE(aigc_context_seq_truncate(l.ctx, 0, 1) == AIGC_STATUS_OK);
  REQUIRE(aigc_context_seq_length(l.ctx, 0, &len) == AIGC_STATUS_OK);
  CHECK(len == 1);
  CHECK(aigc_context_seq_truncate(l.ctx, 0, 5) == AIGC_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("C ABI: bad input gives a status and a message") {
  aigc_model *m = nullptr;
  CHECK(aigc_model_load("/no/such/model.gguf", nullptr, &m) == AIGC_STATUS_IO_ERROR);
  CHECK(m == nullptr);
  CHECK(message_has("/no/such/model.gguf"));
  CHECK(aigc_model_load(nullptr, nullptr, &m) == AIGC_STATUS_INVALID_ARGUMENT);
  aigc_model_params mp;
  CHECK(aigc_model_params_init(&mp, 2) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_model_params_init(&mp, 4096) == AIGC_STATUS_INVALID_ARGUMENT);

  aigc_sampler *s = nullptr;
  aigc_sampler_params sp;
  aigc_sampler_params_init(&sp, sizeof sp);
  sp.top_p = 2.0f;
  CHECK(aigc_sampler_new(&sp, &s) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("top_p"));
  sp.top_p = 0.9f;
  sp.temperature = NAN;
  CHECK(aigc_sampler_new(&sp, &s) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("temperature"));
  CHECK(s == nullptr);
  CHECK(aigc_sampler_new_top_p(2.0f, 1, &s) == AIGC_STATUS_INVALID_ARGUMENT);

  Loaded l;
  if (!load(l, 16)) return;
  aigc_context_params cp;
  aigc_context_params_init(&cp, sizeof cp);
  cp.n_threads = 0;
  aigc_context *c = nullptr;
  CHECK(aigc_context_new(l.model, &cp, &c) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(message_has("n_threads"));

  aigc_generate_params gp;
  aigc_generate_params_init(&gp, sizeof gp);
  CHECK(aigc_generate(l.ctx, "Once upon a time there was a little girl named Lily who loved the park", &gp,
                      nullptr, nullptr, nullptr, nullptr) == AIGC_STATUS_CONTEXT_FULL);
  CHECK(message_has("context full"));
  const int32_t bad[] = {9999};
  aigc_batch_entry e = {0, 0, bad, 1};
  CHECK(aigc_context_decode(l.ctx, &e, 1) == AIGC_STATUS_INVALID_ARGUMENT);
  CHECK(aigc_context_decode(l.ctx, nullptr, 0) == AIGC_STATUS_INVALID_ARGUMENT);
  // The callback asking to stop is a cancellation.
  std::string text;
  gp.max_tokens = 10;
  auto stop_at_once = [](const char *, size_t, int32_t, void *) -> int32_t { return 1; };
  CHECK(aigc_generate(l.ctx, "", &gp, nullptr, stop_at_once, nullptr, nullptr) == AIGC_STATUS_CANCELLED);
  // No chat template in a llama2.c checkpoint: unsupported, naming the way out.
  aigc_chat_message msg = {"user", "hi"};
  char buf[256];
  size_t needed = 0;
  CHECK(aigc_chat_apply_template(l.model, nullptr, &msg, 1, 1, buf, sizeof buf, &needed) == AIGC_STATUS_UNSUPPORTED);
  CHECK(message_has("--chat-template"));
  REQUIRE(aigc_chat_apply_template(l.model, "chatml", &msg, 1, 1, buf, sizeof buf, &needed) == AIGC_STATUS_OK);
  CHECK(std::string(buf) == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  aigc_context_cancel(nullptr);  // accepted, does nothing
}
