// Helpers shared by the image subcommands (`aigc image`, `aigc vae`): RAII owners of the
// C image handles (aigc.h, image section), model facts, PNG input and Ctrl-C handling.
// Only the public C API is used.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aigc/aigc.hpp"
#include "png_read.hpp"

namespace aigc_cli {

struct ImageModelDeleter {
  void operator()(aigc_image_model *m) const { aigc_image_model_free(m); }
};
struct ImagesDeleter {
  void operator()(aigc_images *i) const { aigc_images_free(i); }
};
struct ImageJobDeleter {
  void operator()(aigc_image_job *j) const { aigc_image_job_free(j); }
};
using ImageModelPtr = std::unique_ptr<aigc_image_model, ImageModelDeleter>;
using ImagesPtr = std::unique_ptr<aigc_images, ImagesDeleter>;
using ImageJobPtr = std::unique_ptr<aigc_image_job, ImageJobDeleter>;

// Loads an image model (converted directory, diffusers folder, SD checkpoint).
ImageModelPtr load_image_model(const std::string &path, const std::string &backend);
aigc_image_model_info image_model_info(const aigc_image_model *model);
// aigc_image_model_meta as a string ("name", "class:3", ...).
std::string image_model_meta(const aigc_image_model *model, const std::string &key);
// --class: an index in [0, num_classes) or one of the model's class names (exact match,
// then case-insensitive). Throws StatusError(INVALID_ARGUMENT) listing the classes.
int32_t resolve_class(const aigc_image_model *model, const aigc_image_model_info &info,
                      const std::string &text);

// Pixels converted to `channels` (1 gray, 3 RGB; alpha dropped, RGB -> gray by BT.601 luma).
std::vector<uint8_t> convert_channels(const PngPixels &img, int channels);

// Ctrl-C while an image call runs: the first SIGINT cancels the job (a watcher thread calls
// aigc_image_job_cancel, since a signal handler may only touch a lock-free atomic); the
// call then returns AIGC_STATUS_CANCELLED. A second SIGINT gets the default action
// (terminate). The previous handler is restored on destruction.
class InterruptGuard {
 public:
  explicit InterruptGuard(aigc_image_job *job);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard &) = delete;
  InterruptGuard &operator=(const InterruptGuard &) = delete;
  static bool interrupted();

 private:
  aigc_image_job *job_;
  std::atomic<bool> stop_{false};
  std::thread watcher_;
  void *old_action_;  // struct sigaction, kept opaque here
};

// Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
constexpr int kExitInterrupted = 130;

int run_image(const std::vector<std::string> &args);
int run_vae(const std::vector<std::string> &args);

}  // namespace aigc_cli
