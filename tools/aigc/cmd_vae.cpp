// aigc vae encode | decode: a PNG to a latent file (safetensors, tools/aigc/latent_file.hpp)
// with the model's encoder, and a latent file back to a PNG with its decoder.
#include <cstdio>

#include "common.hpp"
#include "image_common.hpp"
#include "latent_file.hpp"

namespace aigc_cli {

namespace {

[[noreturn]] void invalid(const std::string &message) {
  throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT, message);
}

std::string dims(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int run_encode(const std::vector<std::string> &args) {
  std::string model_path, backend, input, output;
  std::optional<uint64_t> seed_option;
  bool sample = false, quiet = false;
  ArgParser p("vae encode", "Encodes a PNG image into a latent file (safetensors, tensor 'latent').");
  p.option_string("-m, --model", "PATH", "VAE model (converted directory)", &model_path);
  p.option_string("--backend", "NAME", "compute backend: cpu (default) or ref", &backend);
  p.option_string("-i, --input", "IMAGE.png", "image to encode (size: a multiple of the model's factor)", &input);
  p.option_string("-o, --output", "LATENT.safetensors", "latent file to write", &output);
  p.flag("--sample", "sample the posterior (default: its mean)", [&] { sample = true; });
  p.option("-s, --seed", "S", "seed of --sample (default: a random one, printed on stderr)",
           [&](const std::string &v) { seed_option = parse_u64("-s", v); });
  p.flag("-q, --quiet", "no summary on stderr", [&] { quiet = true; });
  if (!p.parse(args, {"-m", "-i", "-o"})) return 0;
  // The posterior mean draws nothing: only --sample needs (and reports) a seed.
  const uint64_t seed = !sample ? 0 : seed_option ? *seed_option : random_seed_announced(!quiet);

  ImageModelPtr model = load_image_model(model_path, backend);
  const aigc_image_model_info info = image_model_info(model.get());
  const std::string name = image_model_meta(model.get(), "name");
  if (!info.has_encoder) invalid("model '" + name + "' has no encoder");
  const PngPixels img = read_png_file(input);
  const int channels = info.channels == 1 ? 1 : 3;
  if (info.latent_factor > 0) {
    const int f = info.latent_factor;
    if (img.width % f != 0 || img.height % f != 0)
      invalid("'" + input + "' is " + std::to_string(img.width) + "x" + std::to_string(img.height) +
              "; model '" + name + "' needs sizes that are multiples of " + std::to_string(f));
  } else if (info.width > 0 && (img.width != info.width || img.height != info.height)) {
    invalid("'" + input + "' is " + std::to_string(img.width) + "x" + std::to_string(img.height) + "; model '" +
            name + "' encodes " + std::to_string(info.width) + "x" + std::to_string(info.height) + " images");
  }
  // 8-bit interleaved -> float NCHW in 0..1.
  const std::vector<uint8_t> bytes = convert_channels(img, channels);
  const size_t hw = size_t(img.width) * size_t(img.height);
  std::vector<float> pixels(hw * size_t(channels));
  for (size_t i = 0; i < hw; ++i)
    for (int c = 0; c < channels; ++c) pixels[size_t(c) * hw + i] = bytes[i * size_t(channels) + size_t(c)] / 255.f;

  size_t needed = 0;
  aigc_status st = aigc_vae_encode(model.get(), pixels.data(), 1, channels, img.height, img.width, sample ? 1 : 0,
                                   seed, nullptr, 0, &needed);
  if (st != AIGC_STATUS_BUFFER_TOO_SMALL) aigc::check(st);
  LatentFile latent;
  latent.data.resize(needed);
  aigc::check(aigc_vae_encode(model.get(), pixels.data(), 1, channels, img.height, img.width, sample ? 1 : 0, seed,
                              latent.data.data(), latent.data.size(), &needed));
  if (info.latent_factor > 0) {
    latent.shape = {1, info.latent_channels, img.height / info.latent_factor, img.width / info.latent_factor};
  } else {
    latent.shape = {1, int64_t(needed)};
  }
  if (size_t(latent.shape.size() == 4 ? latent.shape[1] * latent.shape[2] * latent.shape[3] : latent.shape[1]) != needed)
    throw aigc::StatusError(AIGC_STATUS_INTERNAL, "the encoder returned " + std::to_string(needed) +
                                                      " floats, expected " + dims(latent.shape));
  latent.metadata = {{"format", "aigc-latent"},
                     {"model", name},
                     {"image_width", std::to_string(img.width)},
                     {"image_height", std::to_string(img.height)},
                     {"mode", sample ? "sample" : "mean"}};
  if (sample) latent.metadata["seed"] = std::to_string(seed);
  write_latent_file(output, latent);
  if (!quiet)
    std::fprintf(stderr, "encoded %dx%d '%s' with %s -> latent %s, wrote %s\n", img.width, img.height,
                 input.c_str(), name.c_str(), dims(latent.shape).c_str(), output.c_str());
  return 0;
}

int run_decode(const std::vector<std::string> &args) {
  std::string model_path, backend, input, output, class_text;
  int32_t grid_columns = 0;
  bool quiet = false;
  ArgParser p("vae decode", "Decodes a latent file (from 'aigc vae encode') into a PNG image.");
  p.option_string("-m, --model", "PATH", "VAE model (converted directory)", &model_path);
  p.option_string("--backend", "NAME", "compute backend: cpu (default) or ref", &backend);
  p.option_string("-i, --input", "LATENT.safetensors", "latent file", &input);
  p.option_string("-o, --output", "OUT.png", "PNG to write (a grid when the file holds several latents)", &output);
  p.option_string("--class", "C", "class: index or name (class-conditional decoders)", &class_text);
  p.option_int("--grid-columns", "K", "columns of the grid (default ceil(sqrt(n)))", &grid_columns);
  p.flag("-q, --quiet", "no summary on stderr", [&] { quiet = true; });
  if (!p.parse(args, {"-m", "-i", "-o"})) return 0;

  ImageModelPtr model = load_image_model(model_path, backend);
  const aigc_image_model_info info = image_model_info(model.get());
  const std::string name = image_model_meta(model.get(), "name");
  if (info.kind != AIGC_IMAGE_MODEL_KIND_VAE) invalid("model '" + name + "' is not a VAE");
  const LatentFile latent = read_latent_file(input);

  aigc_image_params ip{};
  aigc::check(aigc_image_params_init(&ip, sizeof ip));
  ip.count = int32_t(latent.shape[0]);
  ip.grid_columns = grid_columns;
  if (!class_text.empty()) ip.class_label = resolve_class(model.get(), info, class_text);
  if (info.latent_factor > 0) {
    if (latent.shape.size() != 4 || latent.shape[1] != info.latent_channels)
      invalid("'" + input + "' holds a latent of shape " + dims(latent.shape) + "; model '" + name +
              "' decodes [N, " + std::to_string(info.latent_channels) + ", h, w]");
    ip.height = int32_t(latent.shape[2] * info.latent_factor);
    ip.width = int32_t(latent.shape[3] * info.latent_factor);
  } else if (latent.shape.size() != 2 || latent.shape[1] != info.latent_size) {
    invalid("'" + input + "' holds a latent of shape " + dims(latent.shape) + "; model '" + name + "' decodes [N, " +
            std::to_string(info.latent_size) + "]");
  }
  ip.latents = latent.data.data();
  ip.n_latents = latent.data.size();
  aigc_images *raw = nullptr;
  aigc::check(aigc_image_generate(model.get(), &ip, nullptr, nullptr, &raw));
  ImagesPtr images(raw);
  aigc_png_params pp{};
  aigc::check(aigc_png_params_init(&pp, sizeof pp));
  aigc::check(aigc_images_write_png(images.get(), ip.count > 1 ? -1 : 0, output.c_str(), &pp));
  if (!quiet) {
    int32_t w = 0, h = 0;
    aigc::check(aigc_images_get(images.get(), 0, &w, &h, nullptr, nullptr));
    std::fprintf(stderr, "decoded latent %s with %s -> %dx%d, wrote %s\n", dims(latent.shape).c_str(), name.c_str(),
                 w, h, output.c_str());
  }
  return 0;
}

}  // namespace

int run_vae(const std::vector<std::string> &args) {
  const std::string usage =
      "usage: aigc vae encode -m MODEL -i IMAGE.png -o LATENT.safetensors [--sample --seed S]\n"
      "       aigc vae decode -m MODEL -i LATENT.safetensors -o OUT.png\n"
      "'aigc vae encode --help' and 'aigc vae decode --help' list the options.\n";
  if (args.empty()) throw UsageError("missing subcommand: encode or decode");
  const std::string sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "encode") return run_encode(rest);
  if (sub == "decode") return run_decode(rest);
  if (sub == "-h" || sub == "--help") {
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  throw UsageError("unknown subcommand '" + sub + "' (encode or decode)");
}

}  // namespace aigc_cli
