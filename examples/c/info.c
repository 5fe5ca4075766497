/* Prints the library version and which compute backends this build can use. */
#include <stdio.h>

#include "aigc/aigc.h"

int main(void) {
  static const char *backends[] = {"ref", "cpu", "cuda"};
  char info[1024];
  size_t i;
  if (aigc_system_info(info, sizeof info, NULL) != AIGC_STATUS_OK) {
    fprintf(stderr, "aigc_system_info: %s\n", aigc_last_error());
    return 1;
  }
  printf("%s\n", info);
  for (i = 0; i < sizeof backends / sizeof backends[0]; ++i) {
    const aigc_status st = aigc_backend_check(backends[i]);
    printf("  %-5s %s%s%s\n", backends[i], st == AIGC_STATUS_OK ? "available" : "unavailable",
           st == AIGC_STATUS_OK ? "" : ": ", st == AIGC_STATUS_OK ? "" : aigc_last_error());
  }
  return 0;
}
