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

#ifdef __cplusplus
}
#endif

#endif /* AIGC_AIGC_H */
