/* A C program using the installed library through its public header only. */
#include <stdio.h>
#include <string.h>

#include <aigc/aigc.h>

int main(void) {
  char info[512];
  if (strcmp(aigc_version(), AIGC_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s but library %s\n", AIGC_VERSION_STRING, aigc_version());
    return 1;
  }
  if (aigc_system_info(info, sizeof info, NULL) != AIGC_STATUS_OK) {
    fprintf(stderr, "aigc_system_info: %s\n", aigc_last_error());
    return 1;
  }
  if (aigc_backend_check("cpu") != AIGC_STATUS_OK) {
    fprintf(stderr, "cpu backend: %s\n", aigc_last_error());
    return 1;
  }
  printf("consumer (C, shared) ok: %s\n", info);
  return 0;
}
