/* Loaded against libaigc.so by tests/capi/check_cuda_less_load.sh: reports whether the
 * CUDA backend module is usable (and why not), then generates text on the CPU, to prove
 * that libaigc.so loads and works on a machine without the CUDA libraries.
 * Usage: backend_module_probe MODEL  -> prints "cuda: ok" or "cuda: unavailable: <why>",
 * then "text: <generated>"; exit 0 when text was generated. */
#include <aigc/aigc.h>
#include <stdio.h>
#include <string.h>

static int32_t print_piece(const char *piece, size_t len, int32_t token, void *user) {
  (void)token;
  size_t *total = (size_t *)user;
  *total += len;
  fwrite(piece, 1, len, stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: %s MODEL\n", argv[0]), 2;
  if (aigc_backend_check("cuda") == AIGC_STATUS_OK)
    printf("cuda: ok\n");
  else
    printf("cuda: unavailable: %s\n", aigc_last_error());
  aigc_model *model = NULL;
  aigc_context *ctx = NULL;
  if (aigc_model_load(argv[1], NULL, &model) != AIGC_STATUS_OK)
    return fprintf(stderr, "load: %s\n", aigc_last_error()), 1;
  if (aigc_context_new(model, NULL, &ctx) != AIGC_STATUS_OK)
    return fprintf(stderr, "context: %s\n", aigc_last_error()), 1;
  aigc_generate_params gp;
  aigc_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 24;
  size_t total = 0;
  printf("text: ");
  const aigc_status st = aigc_generate(ctx, "Once upon a time", &gp, NULL, print_piece, &total, NULL);
  printf("\n");
  aigc_context_free(ctx);
  aigc_model_free(model);
  if (st != AIGC_STATUS_OK) return fprintf(stderr, "generate: %s\n", aigc_last_error()), 1;
  return total > 0 ? 0 : 1;
}
