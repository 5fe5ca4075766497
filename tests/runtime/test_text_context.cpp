// Runtime over the real stories260K model: generation (greedy golden, seeded sampling),
// stop strings, cancellation, context limits, and four threads sharing one model.
#include <doctest/doctest.h>

#include <thread>

#include "io/safetensors.hpp"
#include "model_paths.hpp"
#include "ops/harness.hpp"
#include "runtime/text_context.hpp"
#include "sampling/sampler_params.hpp"

using namespace aigc;
using runtime::TextContext;

namespace {

std::shared_ptr<const runtime::TextModel> stories() {
  if (!test::require_model(test::stories260k_path(), test::kSharedModelsHint)) return nullptr;
  static std::shared_ptr<const runtime::TextModel> model = runtime::TextModel::load(test::stories260k_path());
  return model;
}

// The documented llama2.c output; run.c (and we) drop the space of the first piece after BOS.
const std::string kStory =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big, red ball. She wanted to play with it, but it was too high";

runtime::ContextOptions options(int threads = 1, int64_t n_ctx = 256) {
  runtime::ContextOptions o;
  o.n_threads = threads;
  o.n_ctx = n_ctx;
  return o;
}

std::unique_ptr<sampling::SamplerChain> sampler(uint64_t seed) {
  sampling::SamplerParams p;
  p.temperature = 0.8f;
  p.seed = seed;
  return sampling::build_chain(p);
}

}  // namespace

TEST_CASE("generate: greedy from BOS streams the documented story") {
  auto model = stories();
  if (!model) return;
  TextContext ctx(model, options());
  runtime::GenerateOptions g;
  g.max_tokens = 60;
  std::string streamed;
  int pieces = 0;
  const auto r = ctx.generate("", g, nullptr, [&](std::string_view piece, int32_t) {
    streamed += piece;
    ++pieces;
    return true;
  });
  CHECK(r.text == kStory);
  CHECK(streamed == kStory);
  CHECK(pieces > 30);
  CHECK(r.n_prompt_tokens == 1);
  CHECK(r.n_generated == 60);
  CHECK(r.stop_reason == runtime::StopReason::max_tokens);
  CHECK(ctx.seq_length(0) == 61);  // BOS + every generated token stays in the cache
}

TEST_CASE("generate: a prompt continues in context and append continues the sequence") {
  auto model = stories();
  if (!model) return;
  TextContext ctx(model, options());
  runtime::GenerateOptions g;
  g.max_tokens = 20;
  const auto first = ctx.generate("Once upon a time", g, nullptr, {});
  CHECK(first.text.rfind(", there was a little girl named Lily", 0) == 0);
  // Greedy is deterministic: 20 tokens, then 20 more appended with an empty prompt, equal
  // 40 in one call (no BOS or other token is inserted between them).
  runtime::GenerateOptions more = g;
  more.append = true;
  const auto second = ctx.generate("", more, nullptr, {});
  CHECK(second.n_generated == 20);
  CHECK(ctx.seq_length(0) == first.n_prompt_tokens + 40);
  TextContext one(model, options());
  runtime::GenerateOptions g40 = g;
  g40.max_tokens = 40;
  const auto whole = one.generate("Once upon a time", g40, nullptr, {});
  CHECK(first.text + second.text == whole.text);
  // After a truncation the last token is unknown: an empty append prompt is an error.
  ctx.seq_truncate(0, 3);
  CHECK(test::error_status("last token", [&] { ctx.generate("", more, nullptr, {}); }) ==
        Status::invalid_argument);
}

TEST_CASE("generate: stop strings end the text before the match") {
  auto model = stories();
  if (!model) return;
  TextContext ctx(model, options());
  runtime::GenerateOptions g;
  g.max_tokens = 60;
  g.stop = {"Lily"};
  const auto r = ctx.generate("", g, nullptr, {});
  CHECK(r.text == "Once upon a time, there was a little girl named ");
  CHECK(r.stop_reason == runtime::StopReason::stop_string);
}

TEST_CASE("generate: the callback and cancel() stop generation") {
  auto model = stories();
  if (!model) return;
  TextContext ctx(model, options());
  runtime::GenerateOptions g;
  g.max_tokens = 60;
  int calls = 0;
  const auto r = ctx.generate("", g, nullptr, [&](std::string_view, int32_t) { return ++calls < 3; });
  CHECK(calls == 3);
  CHECK(r.stop_reason == runtime::StopReason::cancelled);
  ctx.cancel();  // before the call: it stops with the cancelled status, before evaluating
  CHECK(test::error_status("cancelled", [&] { ctx.generate("", g, nullptr, {}); }) == Status::cancelled);
  CHECK(test::error_status("cancelled", [&] { ctx.cancel(); ctx.decode({{0, {1}, false}}); }) == Status::cancelled);
  // The flag is consumed: the context works again.
  CHECK(ctx.generate("", g, nullptr, {}).text == kStory);
}

TEST_CASE("generate: cancel from another thread while generating") {
  auto model = stories();
  if (!model) return;
  TextContext ctx(model, options(1, 512));
  runtime::GenerateOptions g;
  g.max_tokens = -1;
  g.ignore_eos = true;
  std::atomic<int> pieces{0};
  std::thread canceller([&] {
    while (pieces.load() < 5) std::this_thread::yield();
    ctx.cancel();
  });
  const auto r = ctx.generate("", g, nullptr, [&](std::string_view, int32_t) { ++pieces; return true; });
  canceller.join();
  CHECK(r.stop_reason == runtime::StopReason::cancelled);
  CHECK(r.n_generated < 500);
}

TEST_CASE("generate: context limits and bad arguments are errors, not crashes") {
  auto model = stories();
  if (!model) return;
  TextContext small(model, options(1, 8));
  runtime::GenerateOptions g;
  g.max_tokens = 100;
  CHECK(test::error_status("context full", [&] {
          small.generate("Once upon a time there was a little girl named Lily", g, nullptr, {});
        }) == Status::context_full);
  const auto r = small.generate("", g, nullptr, {});  // fills the 8 positions, then stops
  CHECK(r.stop_reason == runtime::StopReason::context_full);
  CHECK(small.seq_length(0) == 8);
  CHECK(test::error_status("n_threads", [&] { TextContext(model, options(0)); }) == Status::invalid_argument);
  g.seq = 3;
  CHECK(test::error_status("sequence id", [&] { small.generate("", g, nullptr, {}); }) == Status::invalid_argument);
}

TEST_CASE("four threads generating at once on one shared model equal the serial runs") {
  auto model = stories();
  if (!model) return;
  runtime::GenerateOptions g;
  g.max_tokens = 80;
  const char *prompts[4] = {"Once upon a time", "The dog", "Lily and Ben", ""};
  std::string serial[4], parallel[4];
  for (int i = 0; i < 4; ++i) {
    TextContext ctx(model, options());
    auto s = sampler(uint64_t(100 + i));
    serial[i] = ctx.generate(prompts[i], g, s.get(), {}).text;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      TextContext ctx(model, options(1));
      auto s = sampler(uint64_t(100 + i));
      parallel[i] = ctx.generate(prompts[i], g, s.get(), {}).text;
    });
  }
  for (auto &t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(!serial[i].empty());
    CHECK(parallel[i] == serial[i]);
  }
  CHECK(serial[0] != serial[1]);
}
