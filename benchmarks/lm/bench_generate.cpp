// Text-generation benchmark through the public C ABI (include/aigc/aigc.h only).
//
//   bench_generate MODEL [--threads N] [--prompt P] [--gen G] [--runs R]
//                        [--tokens FILE] [--seed S] [--no-bandwidth]
//                        [--backend NAME] [--bandwidth-gbs B]
//
// Prompt processing: one decode call of P tokens (median of R runs after a warm-up,
// the sequence cleared between runs). Generation: G tokens decoded one at a time after
// the prompt, greedy argmax (median tokens/s over R runs, the sequence cut back to the
// prompt between runs). The decode floor is weight bytes / streaming-read bandwidth,
// measured in this binary after the model is freed (so it does not count in peak RSS);
// on a GPU (--backend cuda) the caller passes the device's measured bandwidth instead
// (--bandwidth-gbs, from bench_gpu_bandwidth), since host RAM is not what decode reads.
//
// Prompt ids: from FILE (whitespace- or comma-separated) when given, otherwise random ids
// in [3, n_vocab) from a fixed LCG seed. Output: one JSON line, then a human-readable line.
#include <aigc/aigc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>

#include <omp.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace {

double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int64_t peak_rss_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return int64_t(ru.ru_maxrss) * 1024;  // Linux: kilobytes
}

// Best of 5 multi-threaded streaming reads over a 1 GiB buffer, in bytes/s.
double read_bandwidth(int threads) {
  const size_t bytes = size_t(1) << 30;
  const size_t n = bytes / sizeof(float);
  float *buf = static_cast<float *>(std::aligned_alloc(64, bytes));
  if (!buf) return 0;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) buf[i] = float(i & 7);
  double best = 1e30;
  volatile float sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now_s();
    float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
#if defined(__AVX__)
      __m256 acc[8];
      for (auto &a : acc) a = _mm256_setzero_ps();
#pragma omp for schedule(static)
      for (size_t i = 0; i < n; i += 64)
        for (int k = 0; k < 8; ++k) acc[k] = _mm256_add_ps(acc[k], _mm256_load_ps(buf + i + 8 * k));
      for (int k = 1; k < 8; ++k) acc[0] = _mm256_add_ps(acc[0], acc[k]);
      float lanes[8];
      _mm256_storeu_ps(lanes, acc[0]);
      for (float v : lanes) total += v;
#else
      float acc[16] = {};
#pragma omp for schedule(static)
      for (size_t i = 0; i < n; i += 16)
        for (int k = 0; k < 16; ++k) acc[k] += buf[i + k];
      for (float v : acc) total += v;
#endif
    }
    sink = total;
    best = std::min(best, now_s() - t0);
  }
  (void)sink;
  std::free(buf);
  return double(bytes) / best;
}

[[noreturn]] void fail(const char *what, const std::string &model) {
  std::string msg = aigc_last_error();
  for (auto &c : msg)
    if (c == '"' || c == '\\' || c == '\n') c = ' ';
  std::printf("{\"bench\":\"generate\",\"model\":\"%s\",\"error\":\"%s: %s\"}\n", model.c_str(), what,
              msg.c_str());
  std::fprintf(stderr, "bench_generate: %s failed: %s\n", what, msg.c_str());
  std::exit(2);
}

int32_t argmax(const float *row, size_t n) {
  return int32_t(std::max_element(row, row + n) - row);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    std::fprintf(stderr,
                 "usage: %s MODEL [--threads N] [--prompt P] [--gen G] [--runs R] [--tokens FILE] "
                 "[--seed S] [--no-bandwidth] [--backend NAME] [--bandwidth-gbs B]\n",
                 argv[0]);
    return 1;
  }
  const std::string model_path = argv[1];
  int threads = 0, n_prompt = 128, n_gen = 64, runs = 3;
  std::string backend = "cpu";
  double given_bw = 0;
  uint32_t seed = 42;
  std::string tokens_file;
  bool bandwidth = true;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--threads") threads = std::atoi(next());
    else if (a == "--prompt") n_prompt = std::atoi(next());
    else if (a == "--gen") n_gen = std::atoi(next());
    else if (a == "--runs") runs = std::max(1, std::atoi(next()));
    else if (a == "--tokens") tokens_file = next();
    else if (a == "--seed") seed = uint32_t(std::strtoul(next(), nullptr, 10));
    else if (a == "--no-bandwidth") bandwidth = false;
    else if (a == "--backend") backend = next();
    else if (a == "--bandwidth-gbs") given_bw = std::atof(next()) * 1e9;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 1;
    }
  }
  if (threads <= 0) threads = omp_get_num_procs();

  struct stat st {};
  const int64_t file_bytes = stat(model_path.c_str(), &st) == 0 ? int64_t(st.st_size) : -1;

  // Load.
  const double t_load0 = now_s();
  aigc_model *model = nullptr;
  aigc_model_params mp;
  aigc_model_params_init(&mp, sizeof(mp));
  mp.backend = backend.c_str();
  if (aigc_model_load(model_path.c_str(), &mp, &model) != AIGC_STATUS_OK) fail("load", model_path);
  const double load_s = now_s() - t_load0;
  aigc_model_info info{};
  info.struct_size = sizeof(info);
  if (aigc_model_get_info(model, &info) != AIGC_STATUS_OK) fail("get_info", model_path);

  // Tokenizer sanity check (ids come from --tokens or the seed, not from text).
  size_t n_text_tokens = 0;
  if (info.has_tokenizer) {
    int32_t buf[64];
    const char *text = "Hello world";
    if (aigc_tokenize(model, text, std::strlen(text), 1, 0, buf, 64, &n_text_tokens) != AIGC_STATUS_OK)
      fail("tokenize", model_path);
  }

  // Prompt ids.
  std::vector<int32_t> prompt;
  if (!tokens_file.empty()) {
    std::ifstream in(tokens_file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    std::replace(s.begin(), s.end(), ',', ' ');
    std::istringstream is(s);
    for (long v; is >> v;) prompt.push_back(int32_t(v));
    if (prompt.empty()) {
      std::fprintf(stderr, "no token ids in %s\n", tokens_file.c_str());
      return 1;
    }
    n_prompt = int(prompt.size());
  } else {
    uint32_t s = seed;
    for (int i = 0; i < n_prompt; ++i) {
      s = s * 1664525u + 1013904223u;
      prompt.push_back(3 + int32_t((s >> 8) % uint32_t(info.n_vocab - 3)));
    }
  }
  for (int32_t t : prompt)
    if (t < 0 || t >= info.n_vocab) {
      std::fprintf(stderr, "token id %d out of range [0, %d)\n", t, info.n_vocab);
      return 1;
    }

  aigc_context_params cp;
  aigc_context_params_init(&cp, sizeof(cp));
  cp.n_ctx = n_prompt + n_gen + 16;
  cp.n_seq_max = 1;
  cp.n_threads = threads;
  aigc_context *ctx = nullptr;
  if (aigc_context_new(model, &cp, &ctx) != AIGC_STATUS_OK) fail("context_new", model_path);

  auto eval_prompt = [&]() {
    aigc_batch_entry e{0, 0, prompt.data(), prompt.size()};
    if (aigc_context_decode(ctx, &e, 1) != AIGC_STATUS_OK) fail("decode (prompt)", model_path);
  };
  auto last_argmax = [&]() {
    const float *logits = nullptr;
    size_t rows = 0, nv = 0;
    if (aigc_context_logits(ctx, &logits, &rows, &nv) != AIGC_STATUS_OK) fail("logits", model_path);
    return argmax(logits + (rows - 1) * nv, nv);
  };

  // Prompt processing: warm-up, then `runs` timed runs from an empty sequence.
  std::vector<double> prompt_s;
  for (int r = 0; r <= runs; ++r) {
    aigc_context_seq_truncate(ctx, 0, 0);
    const double t0 = now_s();
    eval_prompt();
    const double dt = now_s() - t0;
    if (r > 0) prompt_s.push_back(dt);
  }
  const int32_t first = last_argmax();

  // Generation: G single-token decodes after the prompt, greedy; warm-up + `runs` runs.
  std::vector<double> gen_s;
  std::vector<int32_t> generated;
  for (int r = 0; r <= runs; ++r) {
    aigc_context_seq_truncate(ctx, 0, n_prompt);
    std::vector<int32_t> out;
    int32_t tok = first;
    const double t0 = now_s();
    for (int i = 0; i < n_gen; ++i) {
      aigc_batch_entry e{0, 0, &tok, 1};
      if (aigc_context_decode(ctx, &e, 1) != AIGC_STATUS_OK) fail("decode (token)", model_path);
      out.push_back(tok);
      tok = last_argmax();
    }
    const double dt = now_s() - t0;
    if (r > 0) gen_s.push_back(dt);
    if (r == 0) generated = out;
  }
  const int64_t rss = peak_rss_bytes();

  aigc_context_free(ctx);
  aigc_model_free(model);

  const double bw = given_bw > 0 ? given_bw : bandwidth ? read_bandwidth(threads) : 0;
  const double prompt_tps = n_prompt / median(prompt_s);
  const double gen_tps = n_gen / median(gen_s);
  const double floor_tps = bw > 0 && info.weight_bytes > 0 ? bw / double(info.weight_bytes) : 0;

  std::string model_json = model_path;
  for (auto &c : model_json)
    if (c == '"' || c == '\\') c = '_';
  std::printf("{\"bench\":\"generate\",\"backend\":\"%s\",\"model\":\"%s\",\"threads\":%d,\"n_prompt\":%d,\"n_gen\":%d,"
              "\"runs\":%d,\"file_bytes\":%lld,\"weight_bytes\":%lld,\"n_params\":%lld,\"n_vocab\":%d,"
              "\"load_s\":%.3f,\"prompt_tok_s\":%.2f,\"prompt_s\":[",
              backend.c_str(), model_json.c_str(), threads, n_prompt, n_gen, runs, (long long)file_bytes,
              (long long)info.weight_bytes, (long long)info.n_params, info.n_vocab, load_s, prompt_tps);
  for (size_t i = 0; i < prompt_s.size(); ++i) std::printf("%s%.4f", i ? "," : "", prompt_s[i]);
  std::printf("],\"decode_tok_s\":%.2f,\"decode_s\":[", gen_tps);
  for (size_t i = 0; i < gen_s.size(); ++i) std::printf("%s%.4f", i ? "," : "", gen_s[i]);
  std::printf("],\"peak_rss_bytes\":%lld,\"read_bw_bytes_s\":%.0f,\"decode_floor_tok_s\":%.2f,"
              "\"text_tokens\":%zu,\"first_token\":%d,\"generated\":[",
              (long long)rss, bw, floor_tps, n_text_tokens, first);
  for (size_t i = 0; i < generated.size(); ++i) std::printf("%s%d", i ? "," : "", generated[i]);
  std::printf("]}\n");
  std::printf("# %s: %d threads, prompt %d tok: %.1f tok/s; decode %d tok: %.2f tok/s "
              "(floor %.2f tok/s = %.2f GB weights / %.1f GB/s, %.0f%%); peak RSS %.0f MiB, file %.0f MiB\n",
              model_path.c_str(), threads, n_prompt, prompt_tps, n_gen, gen_tps, floor_tps,
              info.weight_bytes / 1e9, bw / 1e9, floor_tps > 0 ? 100.0 * gen_tps / floor_tps : 0.0,
              rss / 1048576.0, file_bytes / 1048576.0);
  return 0;
}
