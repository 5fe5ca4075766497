/* Compiled as strict C99 with -pedantic-errors -Werror: aigc.h must be plain C. */
#include <stdio.h>
#include <string.h>

#include "aigc/aigc.h"

static int g_calls;
static void on_log(int32_t level, const char *message, void *user_data) {
  (void)level;
  (void)message;
  ++*(int *)user_data;
}

int main(void) {
  char buffer[512];
  size_t needed = 0;
  aigc_status st;
  if (strcmp(aigc_version(), AIGC_VERSION_STRING) != 0) return 1;
  if (aigc_abi_version() != AIGC_ABI_VERSION) return 2;
  st = aigc_system_info(buffer, sizeof buffer, &needed);
  if (st != AIGC_STATUS_OK || needed != strlen(buffer) + 1) return 3;
  if (aigc_backend_check("no-such-backend") != AIGC_STATUS_BACKEND_UNAVAILABLE) return 4;
  if (aigc_last_error()[0] == '\0') return 5;
  aigc_log_set(on_log, &g_calls, AIGC_LOG_LEVEL_DEBUG);
  aigc_log_set(NULL, NULL, AIGC_LOG_LEVEL_WARN);
  printf("c99 consumer ok: %s\n", buffer);
  return 0;
}
