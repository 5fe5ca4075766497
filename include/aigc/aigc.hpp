// Header-only C++ wrapper over the C ABI (aigc.h): RAII and exceptions for C++ programs
// that link the shared library. It adds no exported symbols, so it cannot break the ABI.
//
// Handles (Model, Context, Sampler) are move-only and free their C object on destruction.
// Every failing C call becomes a StatusError carrying the status and aigc_last_error().
// A Model must outlive the Contexts made from it (the C API shares, not copies, it).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aigc/aigc.h"

namespace aigc {

// A failed C call: its status and aigc_last_error() at the time of the failure.
class StatusError : public std::runtime_error {
 public:
  StatusError(aigc_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  aigc_status status() const noexcept { return status_; }

 private:
  aigc_status status_;
};

// Throws StatusError unless `status` is AIGC_STATUS_OK.
inline void check(aigc_status status) {
  if (status != AIGC_STATUS_OK) {
    const char *msg = aigc_last_error();
    throw StatusError(status, msg && *msg ? msg : aigc_status_string(status));
  }
}

inline std::string version() { return aigc_version(); }

inline bool backend_available(const std::string &name) {
  return aigc_backend_check(name.c_str()) == AIGC_STATUS_OK;
}

namespace detail {

// Runs a C function that follows the caller-buffer convention (fill(buffer, size, &needed)):
// first with a small stack buffer, then once more with exactly the size it asked for.
template <class Fill>
std::string read_text(Fill &&fill) {
  char small[256];
  size_t needed = 0;
  aigc_status st = fill(small, sizeof small, &needed);
  if (st == AIGC_STATUS_OK) return std::string(small, needed > 0 ? needed - 1 : 0);
  if (st != AIGC_STATUS_BUFFER_TOO_SMALL) check(st);
  std::string text(needed, '\0');
  check(fill(&text[0], text.size(), &needed));
  text.resize(needed > 0 ? needed - 1 : 0);  // drop the terminating NUL
  return text;
}

}  // namespace detail

// Build description (version, backends and why any is unavailable).
inline std::string system_info() {
  return detail::read_text([](char *b, size_t n, size_t *need) {
    return aigc_system_info(b, n, need);
  });
}

// ---- defaults of the C params structs (filled by the library, so they never drift) ----

inline aigc_model_params model_params() {
  aigc_model_params p{};
  check(aigc_model_params_init(&p, sizeof p));
  return p;
}
inline aigc_context_params context_params() {
  aigc_context_params p{};
  check(aigc_context_params_init(&p, sizeof p));
  return p;
}
inline aigc_sampler_params sampler_params() {
  aigc_sampler_params p{};
  check(aigc_sampler_params_init(&p, sizeof p));
  return p;
}

// ---- Model ----------------------------------------------------------------------------

// Owned-string form of aigc_model_params; empty strings mean "library default".
struct ModelOptions {
  std::string backend;         // "" -> "cpu"
  std::string tokenizer_path;  // "" -> from the model file or a tokenizer file beside it
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

class Model {
 public:
  Model() noexcept = default;
  explicit Model(aigc_model *adopt) noexcept : handle_(adopt) {}
  ~Model() { aigc_model_free(handle_); }
  Model(Model &&o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Model &operator=(Model &&o) noexcept {
    if (this != &o) {
      aigc_model_free(handle_);
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  static Model load(const std::string &path, const ModelOptions &options = {}) {
    aigc_model_params p = model_params();
    p.backend = options.backend.empty() ? nullptr : options.backend.c_str();
    p.tokenizer_path = options.tokenizer_path.empty() ? nullptr : options.tokenizer_path.c_str();
    return load(path, p);
  }
  static Model load(const std::string &path, const aigc_model_params &params) {
    aigc_model *m = nullptr;
    check(aigc_model_load(path.c_str(), &params, &m));
    return Model(m);
  }

  aigc_model *get() const noexcept { return handle_; }
  aigc_model *release() noexcept { return std::exchange(handle_, nullptr); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }

  aigc_model_info info() const {
    aigc_model_info info{};
    info.struct_size = sizeof info;
    check(aigc_model_get_info(handle_, &info));
    return info;
  }

  // Metadata value as text; StatusError (invalid argument) when the key is absent.
  std::string meta(const std::string &key) const {
    return detail::read_text([&](char *b, size_t n, size_t *need) {
      return aigc_model_meta(handle_, key.c_str(), b, n, need);
    });
  }

  // add_bos: 1, 0, or -1 for the model's default.
  std::vector<int32_t> tokenize(std::string_view text, int32_t add_bos = -1,
                                bool parse_special = false) const {
    const char *data = text.data() ? text.data() : "";
    // A token covers at least one byte, plus room for BOS/EOS: usually one call suffices.
    std::vector<int32_t> ids(text.size() + 4);
    size_t n = 0;
    aigc_status st = aigc_tokenize(handle_, data, text.size(), add_bos, parse_special ? 1 : 0,
                                   ids.data(), ids.size(), &n);
    if (st == AIGC_STATUS_BUFFER_TOO_SMALL) {
      ids.resize(n);
      st = aigc_tokenize(handle_, data, text.size(), add_bos, parse_special ? 1 : 0, ids.data(),
                         ids.size(), &n);
    }
    check(st);
    ids.resize(n);
    return ids;
  }

  // Raw bytes of the tokens joined (may end in a partial UTF-8 character).
  std::string detokenize(const int32_t *tokens, size_t n_tokens) const {
    return detail::read_text([&](char *b, size_t n, size_t *need) {
      return aigc_detokenize(handle_, tokens, n_tokens, b, n, need);
    });
  }
  std::string detokenize(const std::vector<int32_t> &tokens) const {
    return detokenize(tokens.data(), tokens.size());
  }

  // Renders a conversation; template_name "" uses the model's own template.
  std::string apply_chat_template(const std::vector<ChatMessage> &messages,
                                  bool add_generation_prompt = true,
                                  const std::string &template_name = "") const {
    std::vector<aigc_chat_message> msgs;
    msgs.reserve(messages.size());
    for (const ChatMessage &m : messages) msgs.push_back({m.role.c_str(), m.content.c_str()});
    const char *tmpl = template_name.empty() ? nullptr : template_name.c_str();
    return detail::read_text([&](char *b, size_t n, size_t *need) {
      return aigc_chat_apply_template(handle_, tmpl, msgs.data(), msgs.size(),
                                      add_generation_prompt ? 1 : 0, b, n, need);
    });
  }

 private:
  aigc_model *handle_ = nullptr;
};

// ---- Context --------------------------------------------------------------------------

// Logits of the last decode, owned by the context: valid until its next change.
struct Logits {
  const float *data = nullptr;
  size_t n_rows = 0;
  size_t n_vocab = 0;
  const float *row(size_t i) const { return data + i * n_vocab; }
};

class Context {
 public:
  Context() noexcept = default;
  explicit Context(const Model &model, const aigc_context_params &params = context_params()) {
    check(aigc_context_new(model.get(), &params, &handle_));
  }
  explicit Context(aigc_context *adopt) noexcept : handle_(adopt) {}
  ~Context() { aigc_context_free(handle_); }
  Context(Context &&o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Context &operator=(Context &&o) noexcept {
    if (this != &o) {
      aigc_context_free(handle_);
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  aigc_context *get() const noexcept { return handle_; }
  aigc_context *release() noexcept { return std::exchange(handle_, nullptr); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }

  // Appends tokens to one sequence; all_logits: a logits row for every token.
  void decode(const int32_t *tokens, size_t n_tokens, int32_t seq_id = 0,
              bool all_logits = false) {
    aigc_batch_entry e{seq_id, all_logits ? 1 : 0, tokens, n_tokens};
    check(aigc_context_decode(handle_, &e, 1));
  }
  void decode(const std::vector<int32_t> &tokens, int32_t seq_id = 0, bool all_logits = false) {
    decode(tokens.data(), tokens.size(), seq_id, all_logits);
  }
  // Several sequences in one batch; logits rows follow the entries' order.
  void decode_batch(const std::vector<aigc_batch_entry> &entries) {
    check(aigc_context_decode(handle_, entries.data(), entries.size()));
  }

  Logits logits() const {
    Logits l;
    check(aigc_context_logits(handle_, &l.data, &l.n_rows, &l.n_vocab));
    return l;
  }

  int32_t seq_length(int32_t seq_id = 0) const {
    int32_t n = 0;
    check(aigc_context_seq_length(handle_, seq_id, &n));
    return n;
  }
  // Forgets positions >= length of sequence seq_id (argument order as the C function).
  void seq_truncate(int32_t seq_id, int32_t length) {
    check(aigc_context_seq_truncate(handle_, seq_id, length));
  }
  void seq_clear(int32_t seq_id = 0) { seq_truncate(seq_id, 0); }

  // Safe from any thread: the running (or next) decode/generate stops as cancelled.
  void cancel() noexcept { aigc_context_cancel(handle_); }

 private:
  aigc_context *handle_ = nullptr;
};

// ---- Sampler --------------------------------------------------------------------------

class Sampler {
 public:
  Sampler() noexcept = default;
  // The standard chain for params (see aigc_sampler_new).
  explicit Sampler(const aigc_sampler_params &params) { check(aigc_sampler_new(&params, &handle_)); }
  explicit Sampler(aigc_sampler *adopt) noexcept : handle_(adopt) {}
  ~Sampler() { aigc_sampler_free(handle_); }
  Sampler(Sampler &&o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Sampler &operator=(Sampler &&o) noexcept {
    if (this != &o) {
      aigc_sampler_free(handle_);
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  Sampler(const Sampler &) = delete;
  Sampler &operator=(const Sampler &) = delete;

  // Stages; a chain is built with chain() then add(stage)...
  static Sampler chain() { return make([](aigc_sampler **s) { return aigc_sampler_new_chain(s); }); }
  static Sampler greedy() { return make([](aigc_sampler **s) { return aigc_sampler_new_greedy(s); }); }
  static Sampler temperature(float t) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_temperature(t, s); });
  }
  static Sampler top_k(int32_t k) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_top_k(k, s); });
  }
  static Sampler top_p(float p, size_t min_keep = 1) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_top_p(p, min_keep, s); });
  }
  static Sampler min_p(float p, size_t min_keep = 1) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_min_p(p, min_keep, s); });
  }
  static Sampler typical(float p, size_t min_keep = 1) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_typical(p, min_keep, s); });
  }
  static Sampler penalties(int32_t last_n, float repeat, float frequency = 0.0f,
                           float presence = 0.0f) {
    return make([&](aigc_sampler **s) {
      return aigc_sampler_new_penalties(last_n, repeat, frequency, presence, s);
    });
  }
  static Sampler logit_bias(const std::vector<int32_t> &tokens, const std::vector<float> &biases) {
    if (tokens.size() != biases.size())
      throw StatusError(AIGC_STATUS_INVALID_ARGUMENT, "logit_bias: tokens and biases differ in size");
    return make([&](aigc_sampler **s) {
      return aigc_sampler_new_logit_bias(tokens.data(), biases.data(), tokens.size(), s);
    });
  }
  static Sampler dist(uint64_t seed) {
    return make([&](aigc_sampler **s) { return aigc_sampler_new_dist(seed, s); });
  }

  // Appends a stage to this chain; the chain owns it afterwards (also on failure).
  Sampler &add(Sampler &&stage) {
    check(aigc_sampler_chain_add(handle_, stage.release()));
    return *this;
  }

  int32_t sample(const float *logits, int32_t n_vocab) {
    int32_t token = -1;
    check(aigc_sampler_sample(handle_, logits, n_vocab, &token));
    return token;
  }
  // Samples from row `row` of a context's last logits.
  int32_t sample(const Logits &logits, size_t row) {
    return sample(logits.row(row), static_cast<int32_t>(logits.n_vocab));
  }
  void accept(int32_t token) { check(aigc_sampler_accept(handle_, token)); }
  void reset() { check(aigc_sampler_reset(handle_)); }

  aigc_sampler *get() const noexcept { return handle_; }
  aigc_sampler *release() noexcept { return std::exchange(handle_, nullptr); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }

 private:
  template <class Fn>
  static Sampler make(Fn &&fn) {
    aigc_sampler *s = nullptr;
    check(fn(&s));
    return Sampler(s);
  }
  aigc_sampler *handle_ = nullptr;
};

// ---- generate -------------------------------------------------------------------------

// aigc_generate_params with owned stop strings; defaults as aigc_generate_params_init.
struct GenerateOptions {
  int32_t max_tokens = 128;  // < 0: until end of generation or a full context
  int32_t seq_id = 0;
  bool append = false;       // true: continue the sequence (chat) instead of clearing it
  int32_t add_bos = -1;      // -1: the model's default
  bool parse_special = false;
  bool ignore_eos = false;
  std::vector<std::string> stop;
};

struct GenerateResult {
  aigc_stop_reason stop_reason = AIGC_STOP_REASON_MAX_TOKENS;
  int32_t n_prompt_tokens = 0;
  int32_t n_generated = 0;
  double prompt_seconds = 0.0;
  double generate_seconds = 0.0;
  std::string text;  // every streamed piece joined (stop strings excluded)
};

// Receives each piece of valid UTF-8 text and the token that completed it (-1 for text
// released at the end). Return false to stop generating.
using PieceCallback = std::function<bool(std::string_view piece, int32_t token)>;

namespace detail {

struct GenerateState {
  const PieceCallback *on_piece;
  std::string text;
  bool stopped = false;                 // the callback asked to stop
  std::exception_ptr error;             // thrown by the callback; rethrown after the C call
};

// Never lets an exception cross the C frames of aigc_generate.
inline int32_t generate_trampoline(const char *piece, size_t len, int32_t token, void *user) {
  auto *st = static_cast<GenerateState *>(user);
  try {
    st->text.append(piece, len);
    if (*st->on_piece && !(*st->on_piece)(std::string_view(piece, len), token)) {
      st->stopped = true;
      return 1;
    }
    return 0;
  } catch (...) {
    st->error = std::current_exception();
    return 1;
  }
}

}  // namespace detail

// Tokenizes and evaluates prompt, then samples (sampler nullptr: greedy), streaming pieces.
// A stop requested by on_piece or by Context::cancel() is not an error: the result then
// has stop_reason AIGC_STOP_REASON_CANCELLED. Other failures throw StatusError.
inline GenerateResult generate(Context &context, std::string_view prompt,
                               const GenerateOptions &options = {}, Sampler *sampler = nullptr,
                               const PieceCallback &on_piece = {}) {
  aigc_generate_params p{};
  check(aigc_generate_params_init(&p, sizeof p));
  std::vector<const char *> stops;
  for (const std::string &s : options.stop) stops.push_back(s.c_str());
  p.max_tokens = options.max_tokens;
  p.seq_id = options.seq_id;
  p.append = options.append ? 1 : 0;
  p.add_bos = options.add_bos;
  p.parse_special = options.parse_special ? 1 : 0;
  p.ignore_eos = options.ignore_eos ? 1 : 0;
  p.stop = stops.empty() ? nullptr : stops.data();
  p.n_stop = stops.size();

  const std::string prompt_z(prompt);  // the C function takes a NUL-terminated string
  detail::GenerateState state{&on_piece, {}, false, nullptr};
  aigc_generate_result r{};
  r.struct_size = sizeof r;
  r.stop_reason = AIGC_STOP_REASON_CANCELLED;  // kept if the library leaves r unset
  const aigc_status st =
      aigc_generate(context.get(), prompt_z.c_str(), &p, sampler ? sampler->get() : nullptr,
                    &detail::generate_trampoline, &state, &r);
  if (state.error) std::rethrow_exception(state.error);
  if (st != AIGC_STATUS_CANCELLED) check(st);

  GenerateResult out;
  out.stop_reason = st == AIGC_STATUS_CANCELLED ? AIGC_STOP_REASON_CANCELLED
                                                : static_cast<aigc_stop_reason>(r.stop_reason);
  out.n_prompt_tokens = r.n_prompt_tokens;
  out.n_generated = r.n_generated;
  out.prompt_seconds = r.prompt_seconds;
  out.generate_seconds = r.generate_seconds;
  out.text = std::move(state.text);
  return out;
}

}  // namespace aigc

// ---- Image generation ------------------------------------------------------------------
// RAII over aigc_image_model / aigc_images / aigc_image_job (aigc.h "Image generation").
namespace aigc {

inline aigc_image_params image_params() {
  aigc_image_params p{};
  check(aigc_image_params_init(&p, sizeof p));
  return p;
}

class ImageJob {
 public:
  ImageJob() { check(aigc_image_job_new(&handle_)); }
  ~ImageJob() { aigc_image_job_free(handle_); }
  ImageJob(const ImageJob &) = delete;
  ImageJob &operator=(const ImageJob &) = delete;
  void cancel() noexcept { aigc_image_job_cancel(handle_); }  // any thread
  aigc_image_job *get() const noexcept { return handle_; }

 private:
  aigc_image_job *handle_ = nullptr;
};

// One 8-bit image copied out of an aigc_images set.
struct Image {
  int32_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // row-major, channels interleaved
};

class Images {
 public:
  Images() noexcept = default;
  explicit Images(aigc_images *adopt) noexcept : handle_(adopt) {}
  ~Images() { aigc_images_free(handle_); }
  Images(Images &&o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Images &operator=(Images &&o) noexcept {
    if (this != &o) {
      aigc_images_free(handle_);
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  Images(const Images &) = delete;
  Images &operator=(const Images &) = delete;

  size_t size() const noexcept { return aigc_images_count(handle_); }
  // index -1: the grid.
  Image get(int32_t index) const {
    Image img;
    const uint8_t *px = nullptr;
    check(aigc_images_get(handle_, index, &img.width, &img.height, &img.channels, &px));
    img.pixels.assign(px, px + size_t(img.width) * size_t(img.height) * size_t(img.channels));
    return img;
  }
  void write_png(int32_t index, const std::string &path, bool provenance = true) const {
    aigc_png_params p{};
    check(aigc_png_params_init(&p, sizeof p));
    p.provenance = provenance ? 1 : 0;
    check(aigc_images_write_png(handle_, index, path.c_str(), &p));
  }
  aigc_images *get() const noexcept { return handle_; }

 private:
  aigc_images *handle_ = nullptr;
};

namespace detail {
struct ImageProgressState {
  const std::function<bool(int32_t, int32_t)> *fn;
  std::exception_ptr error;
};
inline int32_t image_progress_trampoline(int32_t step, int32_t total, void *user) {
  auto *s = static_cast<ImageProgressState *>(user);
  try {
    return (*s->fn)(step, total) ? 0 : 1;
  } catch (...) {
    s->error = std::current_exception();
    return 1;
  }
}
}  // namespace detail

class ImageModel {
 public:
  ImageModel() noexcept = default;
  explicit ImageModel(aigc_image_model *adopt) noexcept : handle_(adopt) {}
  ~ImageModel() { aigc_image_model_free(handle_); }
  ImageModel(ImageModel &&o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  ImageModel &operator=(ImageModel &&o) noexcept {
    if (this != &o) {
      aigc_image_model_free(handle_);
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  ImageModel(const ImageModel &) = delete;
  ImageModel &operator=(const ImageModel &) = delete;

  static ImageModel load(const std::string &path, const std::string &backend = "") {
    aigc_image_model_params p{};
    check(aigc_image_model_params_init(&p, sizeof p));
    p.backend = backend.empty() ? nullptr : backend.c_str();
    aigc_image_model *m = nullptr;
    check(aigc_image_model_load(path.c_str(), &p, &m));
    return ImageModel(m);
  }

  aigc_image_model_info info() const {
    aigc_image_model_info info{};
    info.struct_size = sizeof info;
    check(aigc_image_model_get_info(handle_, &info));
    return info;
  }
  // "name", "architecture", "weights_sha256", "default_sampler", "class:N".
  std::string meta(const std::string &key) const {
    return detail::read_text([&](char *b, size_t n, size_t *need) {
      return aigc_image_model_meta(handle_, key.c_str(), b, n, need);
    });
  }

  // on_step (may be empty) returns false to stop (StatusError with AIGC_STATUS_CANCELLED).
  Images generate(const aigc_image_params &params,
                  const std::function<bool(int32_t step, int32_t total)> &on_step = {}) const {
    aigc_images *out = nullptr;
    detail::ImageProgressState state{&on_step, nullptr};
    const aigc_status st = aigc_image_generate(handle_, &params,
                                               on_step ? &detail::image_progress_trampoline : nullptr,
                                               &state, &out);
    if (state.error) std::rethrow_exception(state.error);
    check(st);
    return Images(out);
  }
  Images interpolate(uint64_t seed_a, uint64_t seed_b, int32_t frames, bool slerp = true,
                     int32_t class_label = -1) const {
    aigc_images *out = nullptr;
    check(aigc_gan_interpolate(handle_, seed_a, seed_b, frames,
                               slerp ? AIGC_INTERPOLATION_SLERP : AIGC_INTERPOLATION_LERP, class_label,
                               nullptr, &out));
    return Images(out);
  }
  std::vector<float> vae_decode(const std::vector<float> &latents, int32_t count, int32_t latent_height = 0,
                                int32_t latent_width = 0, int32_t class_label = -1) const {
    size_t needed = 0;
    const aigc_status st = aigc_vae_decode(handle_, latents.data(), latents.size(), count, latent_height,
                                           latent_width, class_label, nullptr, 0, &needed);
    if (st != AIGC_STATUS_BUFFER_TOO_SMALL) check(st);
    std::vector<float> out(needed);
    check(aigc_vae_decode(handle_, latents.data(), latents.size(), count, latent_height, latent_width,
                          class_label, out.data(), out.size(), &needed));
    return out;
  }
  std::vector<float> vae_encode(const std::vector<float> &pixels, int32_t count, int32_t channels,
                                int32_t height, int32_t width, bool sample = false, uint64_t seed = 0) const {
    size_t needed = 0;
    const aigc_status st = aigc_vae_encode(handle_, pixels.data(), count, channels, height, width,
                                           sample ? 1 : 0, seed, nullptr, 0, &needed);
    if (st != AIGC_STATUS_BUFFER_TOO_SMALL) check(st);
    std::vector<float> out(needed);
    check(aigc_vae_encode(handle_, pixels.data(), count, channels, height, width, sample ? 1 : 0, seed,
                          out.data(), out.size(), &needed));
    return out;
  }

  aigc_image_model *get() const noexcept { return handle_; }

 private:
  aigc_image_model *handle_ = nullptr;
};

}  // namespace aigc
