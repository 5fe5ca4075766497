// aigc.h: contexts, batches, one-call generation.
#include <thread>

#include "capi/capi_error.hpp"
#include "capi/capi_handles.hpp"
#include "capi/capi_params.hpp"

using namespace aigc;
using capi::guard;

namespace {

aigc_context_params context_defaults() {
  const unsigned hw = std::thread::hardware_concurrency();
  return {sizeof(aigc_context_params), 0, 1, int32_t(hw == 0 ? 1 : std::min(hw, 64u))};
}

const aigc_generate_params kGenerateDefaults = {sizeof(aigc_generate_params), 128, 0, 0, -1, 0, 0, nullptr, 0};

runtime::TextContext &context_of(aigc_context *c, const char *what) {
  AIGC_CHECK(c != nullptr && c->context, Status::invalid_argument, "{}: context is NULL", what);
  return *c->context;
}

}  // namespace

extern "C" {

aigc_status aigc_context_params_init(aigc_context_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, context_defaults(), "aigc_context_params_init"); });
}

aigc_status aigc_context_new(const aigc_model *model, const aigc_context_params *params,
                             aigc_context **context) {
  if (context) *context = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(context, "aigc_context_new");
    AIGC_CHECK(model != nullptr && model->model, Status::invalid_argument, "aigc_context_new: model is NULL");
    const aigc_context_params p = capi::read_params(params, context_defaults(), "aigc_context_new");
    runtime::ContextOptions o;
    o.n_ctx = p.n_ctx;
    o.n_seq = p.n_seq_max;
    o.n_threads = p.n_threads;
    auto handle = std::make_unique<aigc_context>();
    handle->context = std::make_unique<runtime::TextContext>(model->model, o);
    *context = handle.release();
  });
}

void aigc_context_free(aigc_context *context) { delete context; }

aigc_status aigc_context_get_info(const aigc_context *context, aigc_context_info *info) {
  return guard([&] {
    AIGC_CHECK(context != nullptr && context->context, Status::invalid_argument,
               "aigc_context_get_info: context is NULL");
    const runtime::TextContext &c = *context->context;
    aigc_context_info out{};
    out.struct_size = sizeof(out);
    out.n_ctx = int32_t(c.n_ctx());
    out.n_seq_max = int32_t(c.n_seq());
    out.n_threads = c.n_threads();
    capi::write_struct(info, out, "aigc_context_get_info");
  });
}

aigc_status aigc_context_decode(aigc_context *context, const aigc_batch_entry *entries, size_t n_entries) {
  return guard([&] {
    runtime::TextContext &c = context_of(context, "aigc_context_decode");
    AIGC_CHECK(entries != nullptr && n_entries > 0, Status::invalid_argument,
               "aigc_context_decode: the batch is empty");
    std::vector<models::SeqSpan> spans;
    for (size_t i = 0; i < n_entries; ++i) {
      const aigc_batch_entry &e = entries[i];
      AIGC_CHECK(e.tokens != nullptr || e.n_tokens == 0, Status::invalid_argument,
                 "aigc_context_decode: entry {} has NULL tokens", i);
      spans.push_back({e.seq_id, std::vector<int32_t>(e.tokens, e.tokens + e.n_tokens), e.all_logits != 0});
    }
    c.decode(spans);
  });
}

aigc_status aigc_context_logits(const aigc_context *context, const float **logits, size_t *n_rows,
                                size_t *n_vocab) {
  return guard([&] {
    AIGC_CHECK(context != nullptr && context->context, Status::invalid_argument,
               "aigc_context_logits: context is NULL");
    AIGC_CAPI_NOT_NULL(logits, "aigc_context_logits");
    const Tensor &l = context->context->logits();
    AIGC_CHECK(l.defined(), Status::invalid_argument, "aigc_context_logits: nothing decoded yet");
    *logits = l.data_as<float>();
    if (n_rows) *n_rows = size_t(l.size(0));
    if (n_vocab) *n_vocab = size_t(l.size(1));
  });
}

aigc_status aigc_context_seq_length(const aigc_context *context, int32_t seq_id, int32_t *length) {
  return guard([&] {
    AIGC_CHECK(context != nullptr && context->context, Status::invalid_argument,
               "aigc_context_seq_length: context is NULL");
    AIGC_CAPI_NOT_NULL(length, "aigc_context_seq_length");
    *length = int32_t(context->context->seq_length(seq_id));
  });
}

aigc_status aigc_context_seq_truncate(aigc_context *context, int32_t seq_id, int32_t length) {
  return guard([&] { context_of(context, "aigc_context_seq_truncate").seq_truncate(seq_id, length); });
}

void aigc_context_cancel(aigc_context *context) {
  if (context && context->context) context->context->cancel();
}

aigc_status aigc_generate_params_init(aigc_generate_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, kGenerateDefaults, "aigc_generate_params_init"); });
}

aigc_status aigc_generate(aigc_context *context, const char *prompt, const aigc_generate_params *params,
                          aigc_sampler *sampler, aigc_token_callback callback, void *user_data,
                          aigc_generate_result *result) {
  return guard([&] {
    runtime::TextContext &c = context_of(context, "aigc_generate");
    AIGC_CAPI_NOT_NULL(prompt, "aigc_generate");
    const aigc_generate_params p = capi::read_params(params, kGenerateDefaults, "aigc_generate");
    runtime::GenerateOptions o;
    o.max_tokens = p.max_tokens;
    o.seq = p.seq_id;
    o.append = p.append != 0;
    o.add_bos = p.add_bos;
    o.parse_special = p.parse_special != 0;
    o.ignore_eos = p.ignore_eos != 0;
    AIGC_CHECK(p.stop != nullptr || p.n_stop == 0, Status::invalid_argument, "aigc_generate: stop is NULL");
    for (size_t i = 0; i < p.n_stop; ++i) {
      AIGC_CHECK(p.stop[i] != nullptr, Status::invalid_argument, "aigc_generate: stop[{}] is NULL", i);
      o.stop.emplace_back(p.stop[i]);
    }
    runtime::PieceCallback on_piece;
    if (callback) {
      on_piece = [&](std::string_view piece, int32_t token) {
        return callback(piece.data(), piece.size(), token, user_data) == 0;
      };
    }
    const runtime::GenerateResult r = c.generate(prompt, o, sampler ? &sampler->chain : nullptr, on_piece);
    if (result) {
      aigc_generate_result out{};
      out.struct_size = sizeof(out);
      out.stop_reason = int32_t(r.stop_reason);
      out.n_prompt_tokens = int32_t(r.n_prompt_tokens);
      out.n_generated = int32_t(r.n_generated);
      out.prompt_seconds = r.prompt_seconds;
      out.generate_seconds = r.generate_seconds;
      capi::write_struct(result, out, "aigc_generate");
    }
    AIGC_CHECK(r.stop_reason != runtime::StopReason::cancelled, Status::cancelled, "generation cancelled");
  });
}

}  // extern "C"
