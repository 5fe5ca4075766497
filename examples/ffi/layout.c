/* Prints the size and field offsets of the params structs the FFI examples mirror, as the
 * C compiler lays them out from the installed aigc.h. One line each: "STRUCT FIELD N",
 * FIELD being "sizeof" for the size. The Rust, Go and C# tests compute the same lines from
 * their own declarations and compare (scripts/test-ffi.sh passes this output to them). */
#include <stddef.h>
#include <stdio.h>

#include <aigc/aigc.h>

#define SIZE(s) printf("%s sizeof %zu\n", #s, sizeof(s))
#define FIELD(s, f) printf("%s %s %zu\n", #s, #f, offsetof(s, f))

int main(void) {
  SIZE(aigc_model_params);
  FIELD(aigc_model_params, struct_size);
  FIELD(aigc_model_params, backend);
  FIELD(aigc_model_params, tokenizer_path);

  SIZE(aigc_context_params);
  FIELD(aigc_context_params, struct_size);
  FIELD(aigc_context_params, n_ctx);
  FIELD(aigc_context_params, n_seq_max);
  FIELD(aigc_context_params, n_threads);

  SIZE(aigc_sampler_params);
  FIELD(aigc_sampler_params, struct_size);
  FIELD(aigc_sampler_params, temperature);
  FIELD(aigc_sampler_params, top_k);
  FIELD(aigc_sampler_params, top_p);
  FIELD(aigc_sampler_params, min_p);
  FIELD(aigc_sampler_params, typical_p);
  FIELD(aigc_sampler_params, penalty_last_n);
  FIELD(aigc_sampler_params, repeat_penalty);
  FIELD(aigc_sampler_params, frequency_penalty);
  FIELD(aigc_sampler_params, presence_penalty);
  FIELD(aigc_sampler_params, seed);

  SIZE(aigc_generate_params);
  FIELD(aigc_generate_params, struct_size);
  FIELD(aigc_generate_params, max_tokens);
  FIELD(aigc_generate_params, seq_id);
  FIELD(aigc_generate_params, append);
  FIELD(aigc_generate_params, add_bos);
  FIELD(aigc_generate_params, parse_special);
  FIELD(aigc_generate_params, ignore_eos);
  FIELD(aigc_generate_params, stop);
  FIELD(aigc_generate_params, n_stop);

  SIZE(aigc_generate_result);
  FIELD(aigc_generate_result, struct_size);
  FIELD(aigc_generate_result, stop_reason);
  FIELD(aigc_generate_result, n_prompt_tokens);
  FIELD(aigc_generate_result, n_generated);
  FIELD(aigc_generate_result, prompt_seconds);
  FIELD(aigc_generate_result, generate_seconds);
  return 0;
}
