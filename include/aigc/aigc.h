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
  const char *backend;         /* "cpu" (default when NULL) or "ref" */
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

#ifdef __cplusplus
}
#endif

#endif /* AIGC_AIGC_H */
