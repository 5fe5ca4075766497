/* aigc: embeddable generative AI. The stable C ABI.
 *
 * Conventions (see docs/ABI.md):
 *  - every function returns aigc_status or a plain value; on failure the message is in
 *    aigc_last_error() (thread-local, valid until the next failing call on that thread);
 *  - params structs start with uint32_t struct_size and are filled by *_params_init;
 *    fields are fixed-width and only ever appended;
 *  - everything the library allocates has an aigc_*_free that accepts NULL.
 */
#ifndef AIGC_AIGC_H
#define AIGC_AIGC_H

#include <stddef.h>
#include <stdint.h>

#define AIGC_VERSION_MAJOR 0
#define AIGC_VERSION_MINOR 1
#define AIGC_VERSION_PATCH 0
#define AIGC_VERSION_STRING "0.1.0"
/* Bumped when a released function or struct layout changes incompatibly. */
#define AIGC_ABI_VERSION 1

#if defined(_WIN32)
#if defined(AIGC_BUILDING_LIBRARY)
#define AIGC_API __declspec(dllexport)
#elif defined(AIGC_STATIC)
#define AIGC_API
#else
#define AIGC_API __declspec(dllimport)
#endif
#else
#define AIGC_API __attribute__((visibility("default")))
#endif

/* Marks a function that still works but will go away with the next ABI version (docs/ABI.md). */
#if defined(_MSC_VER)
#define AIGC_DEPRECATED(msg) __declspec(deprecated(msg))
#else
#define AIGC_DEPRECATED(msg) __attribute__((deprecated(msg)))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aigc_status {
  AIGC_STATUS_OK = 0,
  AIGC_STATUS_INVALID_ARGUMENT = 1,
  AIGC_STATUS_OUT_OF_MEMORY = 2,
  AIGC_STATUS_IO_ERROR = 3,
  AIGC_STATUS_INVALID_FORMAT = 4,
  AIGC_STATUS_UNSUPPORTED = 5,
  AIGC_STATUS_SHAPE_MISMATCH = 6,
  AIGC_STATUS_BACKEND_UNAVAILABLE = 7,
  AIGC_STATUS_BUFFER_TOO_SMALL = 8,
  AIGC_STATUS_CONTEXT_FULL = 9,
  AIGC_STATUS_CANCELLED = 10,
  AIGC_STATUS_DEVICE_ERROR = 11,
  AIGC_STATUS_INTERNAL = 12
} aigc_status;

typedef enum aigc_log_level {
  AIGC_LOG_LEVEL_DEBUG = 0,
  AIGC_LOG_LEVEL_INFO = 1,
  AIGC_LOG_LEVEL_WARN = 2,
  AIGC_LOG_LEVEL_ERROR = 3
} aigc_log_level;

/* "0.1.0": the library actually loaded (compare with AIGC_VERSION_STRING). */
AIGC_API const char *aigc_version(void);
/* The AIGC_ABI_VERSION the library was built with. */
AIGC_API uint32_t aigc_abi_version(void);

/* Message of the last failed call on this thread ("" if none). */
AIGC_API const char *aigc_last_error(void);
/* Static English name of a status ("invalid argument"). */
AIGC_API const char *aigc_status_string(aigc_status status);

/* Log sink: called for messages at or above min_level, one at a time, from any thread.
 * level is an aigc_log_level. Pass callback NULL to restore the default (stderr,
 * warnings and errors). */
typedef void (*aigc_log_callback)(int32_t level, const char *message, void *user_data);
AIGC_API void aigc_log_set(aigc_log_callback callback, void *user_data, int32_t min_level);

/* Compute backends by name: "ref", "cpu", "cuda". Returns AIGC_STATUS_OK when usable,
 * else AIGC_STATUS_BACKEND_UNAVAILABLE with the reason in aigc_last_error(). */
AIGC_API aigc_status aigc_backend_check(const char *name);

/* Text describing the build (version, backends, CPU features) into a caller buffer.
 * *needed (if non-NULL) receives the size including the terminating NUL; returns
 * AIGC_STATUS_BUFFER_TOO_SMALL when buffer_size is less than that. */
AIGC_API aigc_status aigc_system_info(char *buffer, size_t buffer_size, size_t *needed);

/* ===================================================================================
 * Text generation: models, contexts, tokenizers, samplers (docs/TEXT.md).
 * A model is immutable after loading and may be shared by any number of contexts and
 * threads. A context (KV cache, logits, scratch) is used by one thread at a time;
 * aigc_context_cancel may be called from any thread.
 * =================================================================================== */

typedef struct aigc_model aigc_model;
typedef struct aigc_context aigc_context;
typedef struct aigc_sampler aigc_sampler;

typedef struct aigc_model_params {
  uint32_t struct_size;        /* sizeof(aigc_model_params) */
  const char *backend;         /* "cpu" (default when NULL), "ref" or "cuda" */
  const char *tokenizer_path;  /* NULL: from the model file, or a tokenizer file beside it */
} aigc_model_params;

/* Fills defaults; struct_size is the caller's sizeof (older, shorter structs are accepted). */
AIGC_API aigc_status aigc_model_params_init(aigc_model_params *params, uint32_t struct_size);

/* Loads GGUF, safetensors (file or directory with config.json) or a llama2.c checkpoint.
 * Weights are memory-mapped read-only where their type is computed with directly (f32,
 * f16, bf16, q8_0, q4_0, q4_1); other GGUF types are dequantized to f32 at load.
 * params may be NULL (defaults). On failure *model is NULL. */
AIGC_API aigc_status aigc_model_load(const char *path, const aigc_model_params *params,
                                     aigc_model **model);
AIGC_API void aigc_model_free(aigc_model *model);

typedef struct aigc_model_info {
  uint32_t struct_size;
  int32_t n_vocab;
  int32_t n_ctx_train;    /* context length the model was trained with */
  int32_t n_embd;
  int32_t n_layers;
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t bos_token;      /* -1 when none */
  int32_t eos_token;
  int32_t has_tokenizer;  /* 0: token ids only */
  int64_t n_params;
  int64_t weight_bytes;   /* bytes of the weights as stored (mapped or copied) */
} aigc_model_info;

AIGC_API aigc_status aigc_model_get_info(const aigc_model *model, aigc_model_info *info);

/* A metadata value as text: "general.architecture", "tokenizer.chat_template", ... (GGUF
 * keys; config.json keys for safetensors models). AIGC_STATUS_INVALID_ARGUMENT when absent.
 * Caller buffer convention as aigc_system_info. */
AIGC_API aigc_status aigc_model_meta(const aigc_model *model, const char *key, char *buffer,
                                     size_t buffer_size, size_t *needed);

/* Text -> token ids. add_bos: 1, 0, or -1 for the model's default. parse_special: 1 turns
 * control-token texts such as "<|im_start|>" into their ids. *n_tokens receives the count
 * needed; AIGC_STATUS_BUFFER_TOO_SMALL when max_tokens is less. */
AIGC_API aigc_status aigc_tokenize(const aigc_model *model, const char *text, size_t text_len,
                                   int32_t add_bos, int32_t parse_special, int32_t *tokens,
                                   size_t max_tokens, size_t *n_tokens);

/* Token ids -> UTF-8 bytes (byte tokens are joined; may end in a partial character). */
AIGC_API aigc_status aigc_detokenize(const aigc_model *model, const int32_t *tokens,
                                     size_t n_tokens, char *buffer, size_t buffer_size,
                                     size_t *needed);

typedef struct aigc_context_params {
  uint32_t struct_size;
  int32_t n_ctx;      /* KV-cache length per sequence; 0: min(model's, 4096) */
  int32_t n_seq_max;  /* independent sequences (each with n_ctx positions); default 1 */
  int32_t n_threads;  /* >= 1; default: physical cores */
} aigc_context_params;

AIGC_API aigc_status aigc_context_params_init(aigc_context_params *params, uint32_t struct_size);
AIGC_API aigc_status aigc_context_new(const aigc_model *model, const aigc_context_params *params,
                                      aigc_context **context);
AIGC_API void aigc_context_free(aigc_context *context);

typedef struct aigc_context_info {
  uint32_t struct_size;
  int32_t n_ctx;      /* positions per sequence actually allocated */
  int32_t n_seq_max;
  int32_t n_threads;
} aigc_context_info;

AIGC_API aigc_status aigc_context_get_info(const aigc_context *context, aigc_context_info *info);

/* One entry of a batch: tokens appended to sequence seq_id at its next positions. */
typedef struct aigc_batch_entry {
  int32_t seq_id;
  int32_t all_logits;  /* 1: logits for every token, 0: for the last one only */
  const int32_t *tokens;
  size_t n_tokens;
} aigc_batch_entry;

/* Evaluates a batch (one or more sequences). AIGC_STATUS_CONTEXT_FULL, and nothing
 * changes, when a sequence would exceed n_ctx. Logits rows follow the entries' order. */
AIGC_API aigc_status aigc_context_decode(aigc_context *context, const aigc_batch_entry *entries,
                                         size_t n_entries);
/* Logits of the last decode: *logits points to n_rows x n_vocab floats owned by the context,
 * valid until the next call that changes it. */
AIGC_API aigc_status aigc_context_logits(const aigc_context *context, const float **logits,
                                         size_t *n_rows, size_t *n_vocab);
AIGC_API aigc_status aigc_context_seq_length(const aigc_context *context, int32_t seq_id,
                                             int32_t *length);
/* Forgets positions >= length of a sequence (0 clears it). */
AIGC_API aigc_status aigc_context_seq_truncate(aigc_context *context, int32_t seq_id,
                                               int32_t length);
/* Asks the running (or next) decode/generate on this context to stop with
 * AIGC_STATUS_CANCELLED. Safe from any thread; cleared when that call returns. */
AIGC_API void aigc_context_cancel(aigc_context *context);

/* Samplers: each aigc_sampler_new_* makes one stage; a chain is a sampler made of stages
 * (aigc_sampler_chain_add takes ownership). See docs/SAMPLING.md for the exact order,
 * the seeded RNG and the parameter ranges (out-of-range values: INVALID_ARGUMENT). */
typedef struct aigc_sampler_params {
  uint32_t struct_size;
  float temperature;       /* 0: greedy. default 0.8 */
  int32_t top_k;           /* <= 0: off. default 40 */
  float top_p;             /* (0, 1]. default 0.95 */
  float min_p;             /* [0, 1]. default 0.05 */
  float typical_p;         /* (0, 1]; 1: off */
  int32_t penalty_last_n;  /* tokens of history the penalties look at. default 64 */
  float repeat_penalty;    /* 1: off */
  float frequency_penalty;
  float presence_penalty;
  uint64_t seed;
} aigc_sampler_params;

AIGC_API aigc_status aigc_sampler_params_init(aigc_sampler_params *params, uint32_t struct_size);
/* The standard chain for params (penalties, top-k, typical, top-p, min-p, temperature, dist). */
AIGC_API aigc_status aigc_sampler_new(const aigc_sampler_params *params, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_chain(aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_greedy(aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_temperature(float temperature, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_top_k(int32_t k, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_top_p(float p, size_t min_keep, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_min_p(float p, size_t min_keep, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_typical(float p, size_t min_keep, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_penalties(int32_t last_n, float repeat, float frequency,
                                                float presence, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_logit_bias(const int32_t *tokens, const float *biases,
                                                 size_t n, aigc_sampler **sampler);
AIGC_API aigc_status aigc_sampler_new_dist(uint64_t seed, aigc_sampler **sampler);
/* Appends stage to chain and takes ownership of it (also on failure). */
AIGC_API aigc_status aigc_sampler_chain_add(aigc_sampler *chain, aigc_sampler *stage);
/* Picks a token from n_vocab logits (not modified). */
AIGC_API aigc_status aigc_sampler_sample(aigc_sampler *sampler, const float *logits,
                                         int32_t n_vocab, int32_t *token);
/* Tells the sampler a token joined the sequence (penalty history). */
AIGC_API aigc_status aigc_sampler_accept(aigc_sampler *sampler, int32_t token);
/* Clears history and re-seeds. */
AIGC_API aigc_status aigc_sampler_reset(aigc_sampler *sampler);
AIGC_API void aigc_sampler_free(aigc_sampler *sampler);

/* Streaming callback: piece is valid UTF-8 text (never a split character), len bytes, not
 * NUL-terminated; token is the id that completed it (-1 for text released at the end).
 * Return non-zero to stop: the call then returns AIGC_STATUS_CANCELLED. */
typedef int32_t (*aigc_token_callback)(const char *piece, size_t len, int32_t token,
                                       void *user_data);

typedef enum aigc_stop_reason {
  AIGC_STOP_REASON_MAX_TOKENS = 0,
  AIGC_STOP_REASON_END_OF_GENERATION = 1, /* the model produced EOS / an end-of-turn token */
  AIGC_STOP_REASON_STOP_STRING = 2,
  AIGC_STOP_REASON_CANCELLED = 3,
  AIGC_STOP_REASON_CONTEXT_FULL = 4
} aigc_stop_reason;

typedef struct aigc_generate_params {
  uint32_t struct_size;
  int32_t max_tokens;       /* default 128; < 0: until end of generation or context full */
  int32_t seq_id;           /* default 0 */
  int32_t append;           /* 0 (default): clear the sequence first; 1: continue it (chat;
                               an empty prompt then just continues generating) */
  int32_t add_bos;          /* -1 (default): the model's default for a new sequence, no BOS
                               when appending to a non-empty one; 0 or 1 */
  int32_t parse_special;    /* 1: control-token texts in the prompt become their ids */
  int32_t ignore_eos;       /* 1: do not stop at end-of-generation tokens */
  const char *const *stop;  /* n_stop stop strings (not emitted); may be NULL */
  size_t n_stop;
} aigc_generate_params;

typedef struct aigc_generate_result {
  uint32_t struct_size;
  int32_t stop_reason;       /* aigc_stop_reason */
  int32_t n_prompt_tokens;
  int32_t n_generated;       /* tokens sampled */
  double prompt_seconds;
  double generate_seconds;
} aigc_generate_result;

AIGC_API aigc_status aigc_generate_params_init(aigc_generate_params *params, uint32_t struct_size);

/* Tokenizes prompt (UTF-8; "" starts from BOS), evaluates it and samples up to max_tokens,
 * streaming text through callback (may be NULL). sampler NULL: greedy. result may be NULL.
 * A full context ends generation with stop_reason CONTEXT_FULL (status OK) once tokens
 * were produced; a prompt that does not fit is AIGC_STATUS_CONTEXT_FULL. */
AIGC_API aigc_status aigc_generate(aigc_context *context, const char *prompt,
                                   const aigc_generate_params *params, aigc_sampler *sampler,
                                   aigc_token_callback callback, void *user_data,
                                   aigc_generate_result *result);

/* Chat: renders a conversation with the model's chat template (GGUF tokenizer.chat_template)
 * or, when template_name is non-NULL, a built-in one: "chatml", "llama2", "llama3",
 * "mistral", "gemma", "phi3". A template that is not recognised is AIGC_STATUS_UNSUPPORTED
 * (pass template_name). The text holds control-token texts: tokenize it with
 * parse_special = 1 and add_bos = 0. Caller buffer convention as aigc_system_info. */
typedef struct aigc_chat_message {
  const char *role;     /* "system", "user", "assistant" */
  const char *content;
} aigc_chat_message;

AIGC_API aigc_status aigc_chat_apply_template(const aigc_model *model, const char *template_name,
                                              const aigc_chat_message *messages, size_t n_messages,
                                              int32_t add_generation_prompt, char *buffer,
                                              size_t buffer_size, size_t *needed);

/* ===================================================================================
 * Image generation: GANs, VAEs, diffusion and text-to-image models (docs/ABI.md,
 * section "Image generation").
 * An image model is immutable after loading and may be used by any number of threads at
 * once. Pixels given to and returned by the library as bytes are 8-bit, row-major, channels
 * interleaved (pixel (x, y) channel c at [(y * width + x) * channels + c]). Float pixel
 * buffers are NCHW with 0 = black and 1 = white (not clamped).
 * Seeds: image k of a call with seed s uses seed s + k for everything random, so image k
 * of a batch equals image 0 of a call with seed s + k.
 * =================================================================================== */

typedef struct aigc_image_model aigc_image_model;
typedef struct aigc_images aigc_images;      /* the images one call produced */
typedef struct aigc_image_job aigc_image_job; /* a cancellation handle */

typedef enum aigc_image_model_kind {
  AIGC_IMAGE_MODEL_KIND_GAN = 0,
  AIGC_IMAGE_MODEL_KIND_VAE = 1,
  AIGC_IMAGE_MODEL_KIND_DIFFUSION = 2,
  AIGC_IMAGE_MODEL_KIND_TEXT_TO_IMAGE = 3
} aigc_image_model_kind;

typedef struct aigc_image_model_params {
  uint32_t struct_size;
  const char *backend; /* "cpu" (default when NULL) or "ref" */
} aigc_image_model_params;

AIGC_API aigc_status aigc_image_model_params_init(aigc_image_model_params *params,
                                                  uint32_t struct_size);
/* Loads a converted model directory (config.json + model.safetensors), a diffusers
 * folder or a single-file Stable Diffusion checkpoint. params may be NULL. On failure
 * *model is NULL. */
AIGC_API aigc_status aigc_image_model_load(const char *path, const aigc_image_model_params *params,
                                           aigc_image_model **model);
AIGC_API void aigc_image_model_free(aigc_image_model *model);

typedef struct aigc_image_model_info {
  uint32_t struct_size;
  int32_t kind;              /* aigc_image_model_kind */
  int32_t num_classes;       /* 0: unconditional */
  int32_t width;             /* output size; 0 when any multiple of size_factor works */
  int32_t height;
  int32_t channels;          /* 1 gray, 3 RGB */
  int32_t size_factor;       /* width and height must be multiples of it */
  int64_t latent_size;       /* floats in one image's latent (GAN, flat VAE); 0 when it
                                depends on the image size (latent = latent_channels x
                                height / latent_factor x width / latent_factor) */
  int32_t latent_channels;   /* VAE / latent diffusion; GAN: latent_size */
  int32_t latent_factor;     /* spatial VAEs: image size / latent size; 0 for flat latents */
  int32_t default_steps;     /* diffusion; 0 otherwise */
  int32_t has_discriminator; /* GAN: aigc_gan_score works */
  int32_t has_encoder;       /* VAE: aigc_vae_encode works */
  int32_t takes_prompt;      /* text-to-image */
} aigc_image_model_info;

AIGC_API aigc_status aigc_image_model_get_info(const aigc_image_model *model,
                                               aigc_image_model_info *info);
/* Text facts about the model: key "name", "architecture", "weights_sha256",
 * "default_sampler" (diffusion), "class:N" (the name of class N). Caller buffer convention
 * as aigc_system_info; AIGC_STATUS_INVALID_ARGUMENT for an unknown key or class. */
AIGC_API aigc_status aigc_image_model_meta(const aigc_image_model *model, const char *key,
                                           char *buffer, size_t buffer_size, size_t *needed);

/* Cancellation: pass a job in aigc_image_params.job; aigc_image_job_cancel (any thread,
 * any time) makes the running (or next) call using it return AIGC_STATUS_CANCELLED. The
 * request is cleared when that call returns. */
AIGC_API aigc_status aigc_image_job_new(aigc_image_job **job);
AIGC_API void aigc_image_job_cancel(aigc_image_job *job);
AIGC_API void aigc_image_job_free(aigc_image_job *job);

/* Called after each diffusion step with the steps done and the total (img2img: only the
 * steps run). Return non-zero to stop: the call then returns AIGC_STATUS_CANCELLED. */
typedef int32_t (*aigc_image_progress_callback)(int32_t step, int32_t total, void *user_data);

typedef struct aigc_image_params {
  uint32_t struct_size;
  uint64_t seed;               /* default 0 */
  int32_t count;               /* images; default 1 */
  int32_t class_label;         /* class-conditional models; -1 (default): image k gets
                                  class k % num_classes */
  const char *prompt;          /* text-to-image; NULL = "" */
  const char *negative_prompt; /* the unconditional branch of guidance; NULL = "" */
  int32_t steps;               /* diffusion; -1 (default): the model's; 0 is invalid */
  const char *sampler;         /* "ddpm", "ddim", "euler", "euler_a", "heun", "dpmpp_2m",
                                  "lcm" (+ "_karras"); NULL: the model's default */
  float cfg_scale;             /* classifier-free guidance; < 0 (default): the model's
                                  (7.5 text-to-image, else 1; others accept only 1) */
  float strength;              /* img2img / inpainting, (0, 1]; default 0.8 */
  int32_t width;               /* 0 (default): the model's size (512 for SD) */
  int32_t height;
  const uint8_t *init_image;   /* img2img: init_width x init_height x init_channels (1, 3
                                  or 4; alpha ignored), the output size */
  int32_t init_width;
  int32_t init_height;
  int32_t init_channels;
  const uint8_t *mask;         /* inpainting: init_width x init_height bytes, 255 =
                                  generate, 0 = keep the init image; NULL: none */
  int32_t n_threads;           /* >= 1; default: physical cores */
  int32_t grid_columns;        /* aigc_images grid; 0 (default): ceil(sqrt(count)) */
  const float *latents;        /* optional explicit latents (GAN, VAE) or initial noise
                                  (diffusion), n_latents floats = count x one image's */
  size_t n_latents;
  const float *step_noise;     /* optional explicit diffusion step noise: for each step
                                  that adds noise, count x one image's floats */
  size_t n_step_noise;
  aigc_image_job *job;         /* optional; see aigc_image_job_cancel */
  const int32_t *class_labels; /* optional: count labels, one per image (overrides
                                  class_label) */
} aigc_image_params;

AIGC_API aigc_status aigc_image_params_init(aigc_image_params *params, uint32_t struct_size);

/* Generates params->count images: GAN samples, VAE prior samples, diffusion samples,
 * img2img / inpainting, text-to-image. callback may be NULL. On failure *images is NULL. */
AIGC_API aigc_status aigc_image_generate(const aigc_image_model *model,
                                         const aigc_image_params *params,
                                         aigc_image_progress_callback callback, void *user_data,
                                         aigc_images **images);

typedef enum aigc_interpolation {
  AIGC_INTERPOLATION_LERP = 0,
  AIGC_INTERPOLATION_SLERP = 1
} aigc_interpolation;

/* GAN latent walk: frames >= 2 images from seed_a's latent to seed_b's (both included).
 * method is an aigc_interpolation; class_label as in aigc_image_params (class-conditional
 * models need one >= 0). params (may be NULL) gives n_threads and grid_columns. */
AIGC_API aigc_status aigc_gan_interpolate(const aigc_image_model *model, uint64_t seed_a,
                                          uint64_t seed_b, int32_t frames, int32_t method,
                                          int32_t class_label, const aigc_image_params *params,
                                          aigc_images **images);

/* GAN discriminator logits (probability = sigmoid) of count float images of the model's
 * size (NCHW, 0..1), n_pixels = count x channels x height x width. logits: count floats. */
AIGC_API aigc_status aigc_gan_score(const aigc_image_model *model, const float *pixels,
                                    size_t n_pixels, int32_t count, float *logits);

/* VAE encoder: count float images (NCHW, 0..1) of width x height -> latents. mode 0: the
 * posterior mean; 1: a sample with seed (image k: seed + k). *needed receives the floats
 * needed; AIGC_STATUS_BUFFER_TOO_SMALL when latent_capacity is less. */
AIGC_API aigc_status aigc_vae_encode(const aigc_image_model *model, const float *pixels,
                                     int32_t count, int32_t channels, int32_t height,
                                     int32_t width, int32_t mode, uint64_t seed, float *latents,
                                     size_t latent_capacity, size_t *needed);
/* VAE decoder: count latents (n_latents floats; spatial models: latent_channels x
 * latent_height x latent_width each) -> float images NCHW 0..1 (not clamped) into pixels,
 * caller buffer convention as aigc_vae_encode. class_label as in aigc_image_params. */
AIGC_API aigc_status aigc_vae_decode(const aigc_image_model *model, const float *latents,
                                     size_t n_latents, int32_t count, int32_t latent_height,
                                     int32_t latent_width, int32_t class_label, float *pixels,
                                     size_t pixel_capacity, size_t *needed);

AIGC_API size_t aigc_images_count(const aigc_images *images);
/* Image index: its size and 8-bit pixels (owned by images, valid until aigc_images_free).
 * index -1: the grid of all images. Output pointers may be NULL. */
AIGC_API aigc_status aigc_images_get(const aigc_images *images, int32_t index, int32_t *width,
                                     int32_t *height, int32_t *channels, const uint8_t **pixels);
AIGC_API void aigc_images_free(aigc_images *images);

typedef struct aigc_png_params {
  uint32_t struct_size;
  int32_t provenance;        /* 1 (default): text chunks saying how the image was made
                                (model, weights SHA-256, seed, sampler, steps, cfg, prompt,
                                library version), "AI-generated" and IPTC XMP; 0: none */
  int32_t compression_level; /* zlib 0..9, default 6 */
} aigc_png_params;

AIGC_API aigc_status aigc_png_params_init(aigc_png_params *params, uint32_t struct_size);
/* Writes image index (-1: the grid) as a PNG file: the whole file or nothing (written to a
 * temporary file beside it, then renamed). params may be NULL. */
AIGC_API aigc_status aigc_images_write_png(const aigc_images *images, int32_t index,
                                           const char *path, const aigc_png_params *params);

#ifdef __cplusplus
}
#endif

#endif /* AIGC_AIGC_H */
