// Area: image models (the image section of aigc.h): generation (GAN, VAE prior, diffusion,
// text-to-image, img2img, inpainting), VAE encode/decode, GAN interpolation and scores,
// PNG output with provenance.
//
// Compute runs with the GIL released. The progress callback runs on the calling thread with
// the GIL taken back for the call; an exception it raises stops the run and is re-raised,
// returning False stops it with aigc.Cancelled. On the main thread Ctrl-C stops a diffusion
// run between steps (KeyboardInterrupt). ImageJob.cancel() may be called from any thread.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace aigc_py {

namespace {

struct ImageModelDeleter {
  void operator()(aigc_image_model *m) const { aigc_image_model_free(m); }
};
struct ImagesDeleter {
  void operator()(aigc_images *i) const { aigc_images_free(i); }
};
struct JobDeleter {
  void operator()(aigc_image_job *j) const { aigc_image_job_free(j); }
};

struct PyImageModel {
  std::shared_ptr<aigc_image_model> handle;
};
using ImageModelPtr = std::shared_ptr<PyImageModel>;

struct PyImageJob {
  std::shared_ptr<aigc_image_job> handle;
};

struct PyImages {
  std::shared_ptr<aigc_images> handle;
};

struct PyImageInfo {
  std::string kind, name, architecture, weights_sha256, default_sampler;
  int32_t num_classes = 0, width = 0, height = 0, channels = 0, size_factor = 1;
  int64_t latent_size = 0;
  int32_t latent_channels = 0, latent_factor = 0, default_steps = 0;
  bool has_discriminator = false, has_encoder = false, takes_prompt = false;
  std::vector<std::string> class_names;
};

const char *kind_name(int32_t kind) {
  switch (kind) {
    case AIGC_IMAGE_MODEL_KIND_GAN: return "gan";
    case AIGC_IMAGE_MODEL_KIND_VAE: return "vae";
    case AIGC_IMAGE_MODEL_KIND_DIFFUSION: return "diffusion";
    case AIGC_IMAGE_MODEL_KIND_TEXT_TO_IMAGE: return "text_to_image";
  }
  return "unknown";
}

[[noreturn]] void invalid(const std::string &message) {
  throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT, message);
}

aigc_image_model *get(const PyImageModel &m) {
  if (!m.handle) invalid("image model is not loaded");
  return m.handle.get();
}

aigc_image_model_info raw_info(const aigc_image_model *m) {
  aigc_image_model_info info{};
  info.struct_size = sizeof info;
  aigc::check(aigc_image_model_get_info(m, &info));
  return info;
}

std::string meta(const aigc_image_model *m, const std::string &key) {
  return aigc::detail::read_text(
      [&](char *b, size_t n, size_t *need) { return aigc_image_model_meta(m, key.c_str(), b, n, need); });
}

std::optional<std::string> meta_or_none(const aigc_image_model *m, const std::string &key) {
  try {
    return meta(m, key);
  } catch (const aigc::StatusError &) {
    return std::nullopt;
  }
}

PyImageInfo make_info(const aigc_image_model *m) {
  const aigc_image_model_info i = raw_info(m);
  PyImageInfo o;
  o.kind = kind_name(i.kind);
  o.name = meta(m, "name");
  o.architecture = meta(m, "architecture");
  o.weights_sha256 = meta(m, "weights_sha256");
  o.default_sampler = meta_or_none(m, "default_sampler").value_or("");
  o.num_classes = i.num_classes;
  o.width = i.width;
  o.height = i.height;
  o.channels = i.channels;
  o.size_factor = i.size_factor;
  o.latent_size = i.latent_size;
  o.latent_channels = i.latent_channels;
  o.latent_factor = i.latent_factor;
  o.default_steps = i.default_steps;
  o.has_discriminator = i.has_discriminator != 0;
  o.has_encoder = i.has_encoder != 0;
  o.takes_prompt = i.takes_prompt != 0;
  for (int32_t k = 0; k < i.num_classes; ++k) o.class_names.push_back(meta(m, "class:" + std::to_string(k)));
  return o;
}

using U8Array = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;
using F32Array = py::array_t<float, py::array::c_style | py::array::forcecast>;

// Image `index` (-1: the grid) as a new uint8 array (H, W, C).
py::array image_array(const aigc_images *images, int32_t index) {
  int32_t w = 0, h = 0, c = 0;
  const uint8_t *px = nullptr;
  aigc::check(aigc_images_get(images, index, &w, &h, &c, &px));
  U8Array a({py::ssize_t(h), py::ssize_t(w), py::ssize_t(c)});
  std::memcpy(a.mutable_data(), px, size_t(w) * size_t(h) * size_t(c));
  return std::move(a);
}

bool on_main_thread() {
  py::module_ threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

// Python progress callback state; touched only with the GIL held.
struct Progress {
  py::object fn;
  bool check_signals = false;
  std::unique_ptr<py::error_already_set> error;
};

int32_t progress_trampoline(int32_t step, int32_t total, void *user_data) {
  auto *p = static_cast<Progress *>(user_data);
  py::gil_scoped_acquire gil;
  try {
    if (p->check_signals && PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!p->fn) return 0;
    py::object r = p->fn(step, total);
    return (r.is_none() || r.cast<bool>()) ? 0 : 1;
  } catch (py::error_already_set &e) {
    p->error = std::make_unique<py::error_already_set>(std::move(e));
    return 1;
  }
}

PyImages generate(const PyImageModel &self, uint64_t seed, int32_t count, std::optional<int32_t> class_label,
                  std::optional<std::vector<int32_t>> class_labels, std::optional<std::string> prompt,
                  std::optional<std::string> negative_prompt, std::optional<int32_t> steps,
                  std::optional<std::string> sampler, std::optional<float> cfg, std::optional<int32_t> width,
                  std::optional<int32_t> height, py::object init_image, float strength, py::object mask,
                  py::object progress, PyImageJob *job, py::object latents, int32_t grid_columns,
                  std::optional<int32_t> n_threads) {
  aigc_image_model *m = get(self);
  aigc_image_params p{};
  aigc::check(aigc_image_params_init(&p, sizeof p));
  p.seed = seed;
  p.count = count;
  if (class_label) p.class_label = *class_label;
  if (class_labels) {
    if (class_labels->size() != size_t(count > 0 ? count : 0))
      invalid("class_labels: " + std::to_string(class_labels->size()) + " labels for count=" + std::to_string(count));
    p.class_labels = class_labels->data();
  }
  if (prompt) p.prompt = prompt->c_str();
  if (negative_prompt) p.negative_prompt = negative_prompt->c_str();
  if (steps) p.steps = *steps;
  if (sampler) p.sampler = sampler->c_str();
  if (cfg) p.cfg_scale = *cfg;
  if (width) p.width = *width;
  if (height) p.height = *height;
  p.strength = strength;
  p.grid_columns = grid_columns;
  if (n_threads) p.n_threads = *n_threads;
  U8Array init, mask_arr;
  if (!init_image.is_none()) {
    init = U8Array::ensure(init_image);
    if (!init) throw py::error_already_set();
    if (init.ndim() != 2 && init.ndim() != 3) invalid("init_image must be a uint8 array (H, W) or (H, W, C)");
    p.init_image = init.data();
    p.init_height = int32_t(init.shape(0));
    p.init_width = int32_t(init.shape(1));
    p.init_channels = init.ndim() == 2 ? 1 : int32_t(init.shape(2));
  }
  if (!mask.is_none()) {
    mask_arr = U8Array::ensure(mask);
    if (!mask_arr) throw py::error_already_set();
    const bool shape_ok = (mask_arr.ndim() == 2 || (mask_arr.ndim() == 3 && mask_arr.shape(2) == 1)) &&
                          init && mask_arr.shape(0) == init.shape(0) && mask_arr.shape(1) == init.shape(1);
    if (!init) invalid("mask needs init_image (inpainting)");
    if (!shape_ok) invalid("mask must be a uint8 array (H, W) the size of init_image");
    p.mask = mask_arr.data();
  }
  F32Array lat;
  if (!latents.is_none()) {
    lat = F32Array::ensure(latents);
    if (!lat) throw py::error_already_set();
    p.latents = lat.data();
    p.n_latents = size_t(lat.size());
  }
  std::shared_ptr<aigc_image_job> job_keep;
  if (job) {
    job_keep = job->handle;
    p.job = job_keep.get();
  }
  Progress state;
  state.fn = progress.is_none() ? py::object() : progress;
  state.check_signals = on_main_thread();
  const bool use_cb = state.fn || state.check_signals;
  aigc_images *out = nullptr;
  aigc_status st;
  {
    py::gil_scoped_release release;
    st = aigc_image_generate(m, &p, use_cb ? progress_trampoline : nullptr, &state, &out);
  }
  std::shared_ptr<aigc_images> images(out, ImagesDeleter());
  if (state.error) {
    py::error_already_set e = std::move(*state.error);
    state.error.reset();
    throw e;
  }
  aigc::check(st);
  return PyImages{images};
}

// pixels: float32 (N, C, H, W) or (C, H, W).
F32Array nchw(py::object pixels, const char *what) {
  F32Array a = F32Array::ensure(pixels);
  if (!a) throw py::error_already_set();
  if (a.ndim() == 3) a = a.reshape({py::ssize_t(1), a.shape(0), a.shape(1), a.shape(2)});
  if (a.ndim() != 4) invalid(std::string(what) + ": expected a float32 array (N, C, H, W) or (C, H, W)");
  return a;
}

}  // namespace

void bind_images(py::module_ &m) {
  py::class_<PyImageInfo>(m, "ImageModelInfo", "What an image model makes (ImageModel.info).")
      .def_readonly("kind", &PyImageInfo::kind, "'gan', 'vae', 'diffusion' or 'text_to_image'.")
      .def_readonly("name", &PyImageInfo::name, "Model name (config.json 'name').")
      .def_readonly("architecture", &PyImageInfo::architecture, "Architecture ('dcgan', 'dit', ...).")
      .def_readonly("weights_sha256", &PyImageInfo::weights_sha256, "SHA-256 of the weights file.")
      .def_readonly("default_sampler", &PyImageInfo::default_sampler, "Diffusion: the default sampler; '' otherwise.")
      .def_readonly("num_classes", &PyImageInfo::num_classes, "Classes; 0: unconditional.")
      .def_readonly("class_names", &PyImageInfo::class_names, "Name of each class (the index as text when unnamed).")
      .def_readonly("width", &PyImageInfo::width, "Output width; 0 when any multiple of size_factor works.")
      .def_readonly("height", &PyImageInfo::height, "Output height; 0 when any multiple of size_factor works.")
      .def_readonly("channels", &PyImageInfo::channels, "1 gray, 3 RGB.")
      .def_readonly("size_factor", &PyImageInfo::size_factor, "Width and height must be multiples of it.")
      .def_readonly("latent_size", &PyImageInfo::latent_size,
                    "Floats in one image's latent (GAN, flat VAE); 0 when it depends on the image size.")
      .def_readonly("latent_channels", &PyImageInfo::latent_channels, "Latent channels (VAE, latent diffusion).")
      .def_readonly("latent_factor", &PyImageInfo::latent_factor, "Spatial VAEs: image size / latent size; 0 flat.")
      .def_readonly("default_steps", &PyImageInfo::default_steps, "Diffusion: the default number of steps.")
      .def_readonly("has_discriminator", &PyImageInfo::has_discriminator, "GAN: gan_score works.")
      .def_readonly("has_encoder", &PyImageInfo::has_encoder, "VAE: vae_encode works.")
      .def_readonly("takes_prompt", &PyImageInfo::takes_prompt, "Text-to-image: generate takes a prompt.")
      .def("__repr__", [](const PyImageInfo &i) {
        return "ImageModelInfo(name='" + i.name + "', kind='" + i.kind + "', size=" + std::to_string(i.width) + "x" +
               std::to_string(i.height) + "x" + std::to_string(i.channels) +
               ", num_classes=" + std::to_string(i.num_classes) + ")";
      });

  py::class_<PyImageJob>(m, "ImageJob",
                         "Cancellation handle: pass it as generate(job=...), call cancel() from any thread; "
                         "the running (or next) call using it raises aigc.Cancelled.")
      .def(py::init([] {
        aigc_image_job *j = nullptr;
        aigc::check(aigc_image_job_new(&j));
        return PyImageJob{std::shared_ptr<aigc_image_job>(j, JobDeleter())};
      }))
      .def("cancel", [](PyImageJob &j) { aigc_image_job_cancel(j.handle.get()); },
           "Asks the call using this job to stop (thread-safe, returns at once).");

  py::class_<PyImages>(m, "Images", "Images one call produced (native; aigc.ImageModel.generate wraps it).")
      .def("__len__", [](const PyImages &i) { return aigc_images_count(i.handle.get()); })
      .def("image", [](const PyImages &i, int32_t index) { return image_array(i.handle.get(), index); },
           py::arg("index"), "Image `index` as a new uint8 array (H, W, C); -1: the grid.")
      .def("grid", [](const PyImages &i) { return image_array(i.handle.get(), -1); },
           "All images side by side (grid_columns per row) as a uint8 array (H, W, C).")
      .def(
          "save_png",
          [](const PyImages &i, const std::string &path, int32_t index, bool provenance, int32_t compression_level) {
            aigc_png_params pp{};
            aigc::check(aigc_png_params_init(&pp, sizeof pp));
            pp.provenance = provenance ? 1 : 0;
            pp.compression_level = compression_level;
            py::gil_scoped_release release;
            aigc::check(aigc_images_write_png(i.handle.get(), index, path.c_str(), &pp));
          },
          py::arg("path"), py::arg("index") = -1, py::arg("provenance") = true, py::arg("compression_level") = 6,
          "Writes image `index` (-1: the grid) as a PNG file, whole or not at all, with provenance text "
          "chunks (model, weights hash, seed, sampler, steps, prompt, 'AI-generated', IPTC XMP).");

  py::class_<PyImageModel, ImageModelPtr>(
      m, "ImageModel",
      "An image model (GAN, VAE, diffusion, text-to-image): immutable, usable from many threads at once.\n\n"
      "ImageModel(path, backend='cpu') loads a converted model directory (config.json + "
      "model.safetensors), a diffusers folder or a single-file Stable Diffusion checkpoint.")
      .def(py::init([](const std::string &path, const std::string &backend) {
             aigc_image_model_params p{};
             aigc::check(aigc_image_model_params_init(&p, sizeof p));
             p.backend = backend.c_str();
             aigc_image_model *raw = nullptr;
             {
               py::gil_scoped_release release;
               aigc::check(aigc_image_model_load(path.c_str(), &p, &raw));
             }
             return std::make_shared<PyImageModel>(
                 PyImageModel{std::shared_ptr<aigc_image_model>(raw, ImageModelDeleter())});
           }),
           py::arg("path"), py::arg("backend") = "cpu")
      .def_property_readonly("info", [](const PyImageModel &s) { return make_info(get(s)); },
                             "ImageModelInfo: kind, size, classes, latent layout, ...")
      .def("meta", [](const PyImageModel &s, const std::string &key) { return meta(get(s), key); }, py::arg("key"),
           "Text fact: 'name', 'architecture', 'weights_sha256', 'default_sampler', 'class:N'.")
      .def("_generate", &generate, py::arg("seed") = 0, py::arg("count") = 1, py::arg("class_label") = py::none(),
           py::arg("class_labels") = py::none(), py::arg("prompt") = py::none(),
           py::arg("negative_prompt") = py::none(), py::arg("steps") = py::none(), py::arg("sampler") = py::none(),
           py::arg("cfg") = py::none(), py::arg("width") = py::none(), py::arg("height") = py::none(),
           py::arg("init_image") = py::none(), py::arg("strength") = 0.8f, py::arg("mask") = py::none(),
           py::arg("progress") = py::none(), py::arg("job") = nullptr, py::arg("latents") = py::none(),
           py::arg("grid_columns") = 0, py::arg("n_threads") = py::none(),
           "Native generate (aigc_image_generate); returns Images. Use ImageModel.generate.")
      .def(
          "_gan_interpolate",
          [](const PyImageModel &s, uint64_t seed_a, uint64_t seed_b, int32_t frames, const std::string &method,
             int32_t class_label, int32_t grid_columns) {
            int32_t mt;
            if (method == "lerp") mt = AIGC_INTERPOLATION_LERP;
            else if (method == "slerp") mt = AIGC_INTERPOLATION_SLERP;
            else invalid("method must be 'lerp' or 'slerp', got '" + method + "'");
            aigc_image_params p{};
            aigc::check(aigc_image_params_init(&p, sizeof p));
            p.grid_columns = grid_columns;
            aigc_images *out = nullptr;
            aigc_status st;
            {
              py::gil_scoped_release release;
              st = aigc_gan_interpolate(get(s), seed_a, seed_b, frames, mt, class_label, &p, &out);
            }
            std::shared_ptr<aigc_images> images(out, ImagesDeleter());
            aigc::check(st);
            return PyImages{images};
          },
          py::arg("seed_a"), py::arg("seed_b"), py::arg("frames"), py::arg("method") = "slerp",
          py::arg("class_label") = -1, py::arg("grid_columns") = 0)
      .def(
          "gan_score",
          [](const PyImageModel &s, py::object pixels) {
            F32Array a = nchw(pixels, "gan_score");
            const int32_t count = int32_t(a.shape(0));
            // Shape as a vector: a braced single size picks a constructor that leaves stride 0.
            py::array_t<float> logits(std::vector<py::ssize_t>{py::ssize_t(count)});
            float *dst = logits.mutable_data();
            {
              py::gil_scoped_release release;
              aigc::check(aigc_gan_score(get(s), a.data(), size_t(a.size()), count, dst));
            }
            return logits;
          },
          py::arg("pixels"),
          "Discriminator logits (probability = sigmoid) of float32 images (N, C, H, W) in 0..1 of the "
          "model's size; returns float32 (N,).")
      .def(
          "vae_encode",
          [](const PyImageModel &s, py::object pixels, bool sample, uint64_t seed) {
            F32Array a = nchw(pixels, "vae_encode");
            aigc_image_model *mm = get(s);
            const aigc_image_model_info info = raw_info(mm);
            const auto n = int32_t(a.shape(0)), c = int32_t(a.shape(1)), h = int32_t(a.shape(2)),
                       w = int32_t(a.shape(3));
            size_t needed = 0;
            aigc_status st = aigc_vae_encode(mm, a.data(), n, c, h, w, sample, seed, nullptr, 0, &needed);
            if (st != AIGC_STATUS_BUFFER_TOO_SMALL) aigc::check(st);
            std::vector<py::ssize_t> shape;
            if (info.latent_factor > 0)
              shape = {n, info.latent_channels, h / info.latent_factor, w / info.latent_factor};
            else
              shape = {n, py::ssize_t(needed / size_t(n))};
            py::array_t<float> out(shape);
            if (size_t(out.size()) != needed)
              throw aigc::StatusError(AIGC_STATUS_INTERNAL, "vae_encode: unexpected latent size");
            float *dst = out.mutable_data();
            {
              py::gil_scoped_release release;
              aigc::check(aigc_vae_encode(mm, a.data(), n, c, h, w, sample, seed, dst, needed, &needed));
            }
            return out;
          },
          py::arg("pixels"), py::arg("sample") = false, py::arg("seed") = 0,
          "Encodes float32 images (N, C, H, W) in 0..1: the posterior mean (sample=True: a sample, "
          "image k with seed + k). Returns float32 latents (N, C, h, w), or (N, D) for flat latents.")
      .def(
          "vae_decode",
          [](const PyImageModel &s, py::object latents, int32_t class_label) {
            F32Array a = F32Array::ensure(latents);
            if (!a) throw py::error_already_set();
            aigc_image_model *mm = get(s);
            const aigc_image_model_info info = raw_info(mm);
            if (info.latent_factor > 0 && a.ndim() == 3) a = a.reshape({py::ssize_t(1), a.shape(0), a.shape(1), a.shape(2)});
            if (info.latent_factor == 0 && a.ndim() == 1) a = a.reshape({py::ssize_t(1), a.shape(0)});
            if (a.ndim() != (info.latent_factor > 0 ? 4 : 2))
              invalid(info.latent_factor > 0 ? "vae_decode: latents must be (N, C, h, w)" : "vae_decode: latents must be (N, D)");
            const auto n = int32_t(a.shape(0));
            const int32_t lh = a.ndim() == 4 ? int32_t(a.shape(2)) : 0, lw = a.ndim() == 4 ? int32_t(a.shape(3)) : 0;
            size_t needed = 0;
            aigc_status st =
                aigc_vae_decode(mm, a.data(), size_t(a.size()), n, lh, lw, class_label, nullptr, 0, &needed);
            if (st != AIGC_STATUS_BUFFER_TOO_SMALL) aigc::check(st);
            const int32_t ch = info.channels > 0 ? info.channels : 3;
            py::ssize_t H = info.height, W = info.width;
            if (info.latent_factor > 0) {
              H = py::ssize_t(lh) * info.latent_factor;
              W = py::ssize_t(lw) * info.latent_factor;
            }
            py::array_t<float> out({py::ssize_t(n), py::ssize_t(ch), H, W});
            if (size_t(out.size()) != needed)
              throw aigc::StatusError(AIGC_STATUS_INTERNAL, "vae_decode: unexpected image size");
            float *dst = out.mutable_data();
            {
              py::gil_scoped_release release;
              aigc::check(aigc_vae_decode(mm, a.data(), size_t(a.size()), n, lh, lw, class_label, dst, needed, &needed));
            }
            return out;
          },
          py::arg("latents"), py::arg("class_label") = -1,
          "Decodes float32 latents (N, C, h, w) or (N, D) to float32 images (N, C, H, W), 0..1 (not "
          "clamped). class_label: class-conditional decoders (-1: image k gets class k).");
}

}  // namespace aigc_py
