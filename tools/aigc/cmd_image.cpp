// aigc image: generates images with an image model (GAN, VAE prior, diffusion,
// text-to-image; img2img and inpainting with --init/--mask) and writes one PNG (a grid when
// -n > 1) or one PNG per image (--separate), with the library's provenance text chunks.
#include <chrono>
#include <cstdio>
#include <optional>

#include "common.hpp"
#include "image_common.hpp"
#include "progress_bar.hpp"

namespace aigc_cli {

namespace {

// out.png -> out-3.png (index 1-based); no extension -> out-3.
std::string numbered_path(const std::string &path, int index) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
  const std::string stem = has_ext ? path.substr(0, dot) : path;
  return stem + "-" + std::to_string(index) + (has_ext ? path.substr(dot) : "");
}

[[noreturn]] void invalid(const std::string &message) {
  throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT, message);
}

bool is_diffusion(const aigc_image_model_info &info) {
  return info.kind == AIGC_IMAGE_MODEL_KIND_DIFFUSION || info.kind == AIGC_IMAGE_MODEL_KIND_TEXT_TO_IMAGE;
}

struct ProgressState {
  ProgressBar bar{stderr};
};

int32_t on_progress(int32_t step, int32_t total, void *user_data) {
  static_cast<ProgressState *>(user_data)->bar.update(step, total);
  return InterruptGuard::interrupted() ? 1 : 0;
}

}  // namespace

int run_image(const std::vector<std::string> &args) {
  std::string model_path, backend, output, class_text, sampler, init_path, mask_path;
  std::optional<std::string> prompt, negative_prompt;
  std::optional<int32_t> steps, threads, width, height;
  std::optional<float> cfg, strength;
  std::optional<uint64_t> seed_option;
  int32_t count = 1, grid_columns = 0;
  bool separate = false, quiet = false;

  ArgParser p("image", "Generates images with an image model and writes them as PNG (with provenance).");
  p.option_string("-m, --model", "PATH", "image model: converted directory, diffusers folder or SD checkpoint",
                  &model_path);
  p.option_string("--backend", "NAME", "compute backend: cpu (default) or ref", &backend);
  p.option_string("-o, --output", "FILE", "output PNG (a grid when -n > 1 unless --separate)", &output);
  p.option("-p, --prompt", "TEXT", "prompt (text-to-image models)", [&](const std::string &v) { prompt = v; });
  p.option("--negative-prompt", "TEXT", "negative prompt (text-to-image models)",
           [&](const std::string &v) { negative_prompt = v; });
  p.option_string("--class", "C", "class: index or name (class-conditional models; default image k gets class k)",
                  &class_text);
  p.option("--steps", "N", "diffusion steps (default: the model's)",
           [&](const std::string &v) { steps = parse_int("--steps", v); });
  p.option_string("--sampler", "NAME",
                  "ddpm, ddim, euler, euler_a, heun, dpmpp_2m, lcm (+ _karras); default: the model's",
                  &sampler);
  p.option("--cfg", "S", "classifier-free guidance scale (default: the model's)",
           [&](const std::string &v) { cfg = parse_float("--cfg", v); });
  p.option("-s, --seed", "S", "seed; image k uses S + k (default: a random one, printed on stderr)",
           [&](const std::string &v) { seed_option = parse_u64("-s", v); });
  p.option_int("-n, --count", "N", "number of images (default 1)", &count);
  p.option("--width", "W", "image width (models with a free size; multiple of the model's factor)",
           [&](const std::string &v) { width = parse_int("--width", v); });
  p.option("--height", "H", "image height", [&](const std::string &v) { height = parse_int("--height", v); });
  p.option_string("--init", "IMAGE.png", "img2img: start from this image (its size is the output size)",
                  &init_path);
  p.option("--strength", "S", "img2img / inpainting strength, (0, 1] (default 0.8)",
           [&](const std::string &v) { strength = parse_float("--strength", v); });
  p.option_string("--mask", "MASK.png", "inpainting mask, the size of --init: white = generate, black = keep",
                  &mask_path);
  p.option_int("--grid-columns", "K", "columns of the grid (default ceil(sqrt(n)))", &grid_columns);
  p.flag("--separate", "write one file per image: OUT-1.png, OUT-2.png, ...", [&] { separate = true; });
  p.option("-t, --threads", "N", "threads (default: the library's)",
           [&](const std::string &v) { threads = parse_int("-t", v); });
  p.flag("-q, --quiet", "no progress or summary on stderr", [&] { quiet = true; });
  if (!p.parse(args, {"-m", "-o"})) return 0;
  if (!mask_path.empty() && init_path.empty()) throw UsageError("--mask needs --init");
  if (width.has_value() != height.has_value()) throw UsageError("give both --width and --height");
  const uint64_t seed = seed_option ? *seed_option : random_seed_announced(!quiet);

  const auto t0 = std::chrono::steady_clock::now();
  ImageModelPtr model = load_image_model(model_path, backend);
  const aigc_image_model_info info = image_model_info(model.get());
  const std::string name = image_model_meta(model.get(), "name");

  aigc_image_params ip{};
  aigc::check(aigc_image_params_init(&ip, sizeof ip));
  ip.seed = seed;
  ip.count = count;
  ip.grid_columns = grid_columns;
  if (threads) ip.n_threads = *threads;
  if (!class_text.empty()) ip.class_label = resolve_class(model.get(), info, class_text);

  const bool diffusion = is_diffusion(info);
  if (!diffusion) {
    const char *given = steps ? "--steps" : !sampler.empty() ? "--sampler" : cfg ? "--cfg"
                      : !init_path.empty() ? "--init" : strength ? "--strength" : nullptr;
    if (given)
      invalid(std::string(given) + ": model '" + name + "' is not a diffusion model (no steps, sampler, guidance or img2img)");
  }
  if ((prompt || negative_prompt) && !info.takes_prompt)
    invalid("--prompt: model '" + name + "' does not take a prompt");
  if (steps) ip.steps = *steps;  // 0 and negative values: the library's range check
  if (!sampler.empty()) ip.sampler = sampler.c_str();
  if (cfg) ip.cfg_scale = *cfg;
  if (strength) ip.strength = *strength;
  if (prompt) ip.prompt = prompt->c_str();
  if (negative_prompt) ip.negative_prompt = negative_prompt->c_str();
  if (width) {
    if (info.width > 0 && (*width != info.width || *height != info.height))
      invalid("--width/--height: model '" + name + "' makes " + std::to_string(info.width) + "x" +
              std::to_string(info.height) + " images, not " + std::to_string(*width) + "x" +
              std::to_string(*height));
    const int32_t f = std::max<int32_t>(1, info.size_factor);
    if (*width <= 0 || *height <= 0 || *width % f != 0 || *height % f != 0)
      invalid("--width/--height: " + std::to_string(*width) + "x" + std::to_string(*height) +
              " must be positive multiples of " + std::to_string(f) + " for model '" + name + "'");
    ip.width = *width;
    ip.height = *height;
  }

  PngPixels init, mask;
  std::vector<uint8_t> init_bytes, mask_bytes;
  if (!init_path.empty()) {
    init = read_png_file(init_path);
    init_bytes = init.channels == 2 ? convert_channels(init, 1) : init.pixels;  // drop gray alpha
    ip.init_image = init_bytes.data();
    ip.init_width = init.width;
    ip.init_height = init.height;
    ip.init_channels = init.channels == 2 ? 1 : init.channels;
    if (!mask_path.empty()) {
      mask = read_png_file(mask_path);
      if (mask.width != init.width || mask.height != init.height)
        invalid("--mask: " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                " does not match the --init image (" + std::to_string(init.width) + "x" +
                std::to_string(init.height) + ")");
      mask_bytes = convert_channels(mask, 1);
      ip.mask = mask_bytes.data();
    }
  }

  aigc_image_job *job_raw = nullptr;
  aigc::check(aigc_image_job_new(&job_raw));
  ImageJobPtr job(job_raw);
  ip.job = job.get();

  ProgressState progress;
  aigc_images *images_raw = nullptr;
  aigc_status st;
  const auto t1 = std::chrono::steady_clock::now();
  {
    InterruptGuard interrupt(job.get());
    st = aigc_image_generate(model.get(), &ip, quiet ? nullptr : on_progress, &progress, &images_raw);
    if (!quiet) progress.bar.finish();
    if (InterruptGuard::interrupted()) {
      aigc_images_free(images_raw);
      std::fprintf(stderr, "aigc: interrupted, nothing written\n");
      return kExitInterrupted;
    }
  }
  aigc::check(st);
  ImagesPtr images(images_raw);
  const double gen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  aigc_png_params pp{};
  aigc::check(aigc_png_params_init(&pp, sizeof pp));
  const int32_t n = int32_t(aigc_images_count(images.get()));
  std::vector<std::string> written;
  if (separate && n > 1) {
    for (int32_t k = 0; k < n; ++k) {
      written.push_back(numbered_path(output, k + 1));
      aigc::check(aigc_images_write_png(images.get(), k, written.back().c_str(), &pp));
    }
  } else {
    written.push_back(output);
    aigc::check(aigc_images_write_png(images.get(), n > 1 ? -1 : 0, output.c_str(), &pp));
  }
  if (!quiet) {
    int32_t w = 0, h = 0, c = 0;
    aigc::check(aigc_images_get(images.get(), 0, &w, &h, &c, nullptr));
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%d image%s %dx%d (%s), seed %llu: generated in %.2f s, %.2f s in all; wrote %s%s\n", n,
                 n == 1 ? "" : "s", w, h, name.c_str(), static_cast<unsigned long long>(seed), gen_seconds, total,
                 written.front().c_str(), written.size() > 1 ? " ..." : (n > 1 ? " (grid)" : ""));
  }
  return 0;
}

}  // namespace aigc_cli
