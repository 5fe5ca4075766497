#include "image_common.hpp"

#include <signal.h>

#include <cctype>
#include <chrono>

namespace aigc_cli {

ImageModelPtr load_image_model(const std::string &path, const std::string &backend) {
  aigc_image_model_params p{};
  aigc::check(aigc_image_model_params_init(&p, sizeof p));
  if (!backend.empty()) p.backend = backend.c_str();
  aigc_image_model *m = nullptr;
  aigc::check(aigc_image_model_load(path.c_str(), &p, &m));
  return ImageModelPtr(m);
}

aigc_image_model_info image_model_info(const aigc_image_model *model) {
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  aigc::check(aigc_image_model_get_info(model, &info));
  return info;
}

std::string image_model_meta(const aigc_image_model *model, const std::string &key) {
  return aigc::detail::read_text([&](char *b, size_t n, size_t *need) {
    return aigc_image_model_meta(model, key.c_str(), b, n, need);
  });
}

namespace {
std::string lower(std::string s) {
  for (char &c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

int32_t resolve_class(const aigc_image_model *model, const aigc_image_model_info &info,
                      const std::string &text) {
  const std::string name = image_model_meta(model, "name");
  if (info.num_classes <= 0)
    throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                            "--class: model '" + name + "' is not class-conditional");
  char *end = nullptr;
  const long index = std::strtol(text.c_str(), &end, 10);
  const bool numeric = !text.empty() && *end == '\0';
  if (numeric && index >= 0 && index < info.num_classes) return int32_t(index);
  std::vector<std::string> names;
  for (int32_t i = 0; i < info.num_classes; ++i) names.push_back(image_model_meta(model, "class:" + std::to_string(i)));
  if (!numeric) {
    for (int32_t i = 0; i < info.num_classes; ++i)
      if (names[size_t(i)] == text) return i;
    for (int32_t i = 0; i < info.num_classes; ++i)
      if (lower(names[size_t(i)]) == lower(text)) return i;
  }
  std::string list;
  for (size_t i = 0; i < names.size() && i < 60; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 60) list += ", ...";
  throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                          "--class: unknown class '" + text + "' for model '" + name + "' (" +
                              std::to_string(info.num_classes) + " classes, 0.." +
                              std::to_string(info.num_classes - 1) + ": " + list + ")");
}

std::vector<uint8_t> convert_channels(const PngPixels &img, int channels) {
  const size_t n = size_t(img.width) * size_t(img.height);
  std::vector<uint8_t> out(n * size_t(channels));
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *px = img.pixels.data() + i * size_t(img.channels);
    const bool color = img.channels >= 3;
    if (channels == 1) {
      out[i] = color ? uint8_t(0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2] + 0.5f) : px[0];
    } else {
      for (int c = 0; c < 3; ++c) out[i * 3 + size_t(c)] = color ? px[c] : px[0];
    }
  }
  return out;
}

// ---- Ctrl-C -----------------------------------------------------------------------------

namespace {
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
extern "C" void on_sigint(int) { g_interrupted.store(true); }
}  // namespace

InterruptGuard::InterruptGuard(aigc_image_job *job) : job_(job) {
  g_interrupted.store(false);
  auto *old = new struct sigaction();
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C terminates at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, old);
  old_action_ = old;
  watcher_ = std::thread([this] {
    while (!stop_.load()) {
      if (g_interrupted.load()) {
        aigc_image_job_cancel(job_);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

InterruptGuard::~InterruptGuard() {
  stop_.store(true);
  watcher_.join();
  auto *old = static_cast<struct sigaction *>(old_action_);
  sigaction(SIGINT, old, nullptr);
  delete old;
}

bool InterruptGuard::interrupted() { return g_interrupted.load(); }

}  // namespace aigc_cli
