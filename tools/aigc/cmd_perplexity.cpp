// aigc perplexity: llama.cpp-style perplexity over non-overlapping windows of a text file.
//
// The whole file is tokenized once (no BOS, no special tokens). It is cut into
// floor(n_tokens / ctx) windows of ctx tokens; the tail that does not fill a window is
// dropped. When the model has a BOS token, the first token of every window is replaced by
// BOS (what llama.cpp's perplexity does). Each window is evaluated from an empty sequence
// with logits for every position; positions j in [ctx/2, ctx-1) score the next token:
//   nll += -log softmax(logits[j])[window[j+1]]
// so the first half of each window is context only. Perplexity = exp(sum nll / count),
// count = n_windows * (ctx - 1 - ctx/2). Sums are in double.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common.hpp"

namespace aigc_cli {

namespace {

// -log p(target) under softmax(logits), computed stably in double.
double nll(const float *logits, size_t n_vocab, int32_t target) {
  double mx = logits[0];
  for (size_t i = 1; i < n_vocab; ++i) mx = std::max(mx, static_cast<double>(logits[i]));
  double sum = 0.0;
  for (size_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  return -(static_cast<double>(logits[target]) - mx - std::log(sum));
}

}  // namespace

int run_perplexity(const std::vector<std::string> &args) {
  ModelArgs m;
  std::string file;
  int32_t window = 0;

  ArgParser p("perplexity",
              "Perplexity of a text file: windows of --ctx tokens, second half of each scored.");
  m.add_to(p, /*with_ctx=*/false);
  p.option_string("-f, --file", "FILE", "UTF-8 text to score", &file);
  p.option_int("-c, --ctx", "N", "window length in tokens (default 512, or the model's if smaller)",
               &window);
  if (!p.parse(args, {"-m", "-f"})) return 0;

  const std::string text = read_file(file);
  aigc::Model model = m.load_model();
  const aigc_model_info info = model.info();
  if (window == 0) window = std::min<int32_t>(512, info.n_ctx_train > 0 ? info.n_ctx_train : 512);
  if (window < 2) throw UsageError("--ctx must be at least 2");

  const std::vector<int32_t> tokens = model.tokenize(text, /*add_bos=*/0, /*parse_special=*/false);
  const size_t n_windows = tokens.size() / static_cast<size_t>(window);
  if (n_windows == 0)
    throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                            "'" + file + "' has " + std::to_string(tokens.size()) +
                                " tokens, fewer than one window of " + std::to_string(window) +
                                " (use a smaller --ctx)");

  ModelArgs cm = m;
  cm.n_ctx = window;
  aigc::Context ctx = cm.make_context(model);

  const size_t first = static_cast<size_t>(window) / 2;
  double sum = 0.0;
  size_t count = 0;
  std::fprintf(stderr, "perplexity: %zu tokens, %zu windows of %d, scoring positions %zu..%d\n",
               tokens.size(), n_windows, window, first + 1, window - 1);
  for (size_t w = 0; w < n_windows; ++w) {
    std::vector<int32_t> chunk(tokens.begin() + w * window, tokens.begin() + (w + 1) * window);
    if (info.bos_token >= 0) chunk[0] = info.bos_token;
    ctx.seq_clear(0);
    ctx.decode(chunk, /*seq_id=*/0, /*all_logits=*/true);
    const aigc::Logits logits = ctx.logits();
    if (logits.n_rows != chunk.size())
      throw aigc::StatusError(AIGC_STATUS_INTERNAL, "decode returned " +
                                                        std::to_string(logits.n_rows) +
                                                        " logits rows for " +
                                                        std::to_string(chunk.size()) + " tokens");
    for (size_t j = first; j + 1 < chunk.size(); ++j) {
      sum += nll(logits.row(j), logits.n_vocab, chunk[j + 1]);
      ++count;
    }
    std::fprintf(stderr, "[%zu/%zu] %.4f\n", w + 1, n_windows, std::exp(sum / count));
  }
  std::printf("perplexity: %.4f\n", std::exp(sum / count));
  return 0;
}

}  // namespace aigc_cli
