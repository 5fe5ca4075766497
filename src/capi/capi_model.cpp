// aigc.h: models, tokenization, chat templates.

#include "capi/capi_error.hpp"
#include "capi/capi_handles.hpp"
#include "capi/capi_params.hpp"
#include "runtime/chat_template.hpp"

using namespace aigc;
using capi::guard;

namespace {

const aigc_model_params kModelDefaults = {sizeof(aigc_model_params), "cpu", nullptr};

const runtime::TextModel &model_of(const aigc_model *m, const char *what) {
  AIGC_CHECK(m != nullptr && m->model, Status::invalid_argument, "{}: model is NULL", what);
  return *m->model;
}

}  // namespace

extern "C" {

aigc_status aigc_model_params_init(aigc_model_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, kModelDefaults, "aigc_model_params_init"); });
}

aigc_status aigc_model_load(const char *path, const aigc_model_params *params, aigc_model **model) {
  if (model) *model = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(model, "aigc_model_load");
    AIGC_CAPI_NOT_NULL(path, "aigc_model_load");
    const aigc_model_params p = capi::read_params(params, kModelDefaults, "aigc_model_load");
    runtime::TextModelOptions o;
    o.backend = p.backend ? p.backend : "cpu";
    o.tokenizer_path = p.tokenizer_path ? p.tokenizer_path : "";
    auto handle = std::make_unique<aigc_model>();
    handle->model = runtime::TextModel::load(path, o);
    *model = handle.release();
  });
}

void aigc_model_free(aigc_model *model) { delete model; }

aigc_status aigc_model_get_info(const aigc_model *model, aigc_model_info *info) {
  return guard([&] {
    const runtime::TextModel &m = model_of(model, "aigc_model_get_info");
    AIGC_CAPI_NOT_NULL(info, "aigc_model_get_info");
    aigc_model_info out{};
    out.struct_size = sizeof(out);
    const models::LmInfo &i = m.info();
    out.n_vocab = int32_t(i.vocab_size);
    out.n_ctx_train = int32_t(i.context_length);
    out.n_embd = int32_t(i.hidden_size);
    out.n_layers = int32_t(i.n_layers);
    out.n_heads = int32_t(i.n_heads);
    out.n_kv_heads = int32_t(i.n_kv_heads);
    out.bos_token = m.tokenizer() ? m.tokenizer()->bos_id() : -1;
    out.eos_token = m.tokenizer() ? m.tokenizer()->eos_id() : -1;
    out.has_tokenizer = m.tokenizer() != nullptr;
    out.n_params = i.n_params;
    out.weight_bytes = i.weight_bytes;
    capi::write_struct(info, out, "aigc_model_get_info");
  });
}

aigc_status aigc_model_meta(const aigc_model *model, const char *key, char *buffer,
                            size_t buffer_size, size_t *needed) {
  return guard([&] {
    const runtime::TextModel &m = model_of(model, "aigc_model_meta");
    AIGC_CAPI_NOT_NULL(key, "aigc_model_meta");
    const auto value = m.meta(key);
    AIGC_CHECK(value.has_value(), Status::invalid_argument, "aigc_model_meta: the model has no '{}'", key);
    capi::copy_out(*value, buffer, buffer_size, needed, "aigc_model_meta");
  });
}

aigc_status aigc_tokenize(const aigc_model *model, const char *text, size_t text_len,
                          int32_t add_bos, int32_t parse_special, int32_t *tokens,
                          size_t max_tokens, size_t *n_tokens) {
  return guard([&] {
    const runtime::TextModel &m = model_of(model, "aigc_tokenize");
    AIGC_CHECK(text != nullptr || text_len == 0, Status::invalid_argument, "aigc_tokenize: text is NULL");
    AIGC_CHECK(add_bos >= -1 && add_bos <= 1, Status::invalid_argument,
               "aigc_tokenize: add_bos must be -1, 0 or 1, got {}", add_bos);
    const tokenizer::Tokenizer &tok = m.require_tokenizer();
    const bool bos = add_bos < 0 ? tok.add_bos_by_default() : add_bos == 1;
    const std::vector<int32_t> ids = tok.encode(std::string_view(text ? text : "", text_len), bos, parse_special != 0);
    if (n_tokens) *n_tokens = ids.size();
    AIGC_CHECK(max_tokens >= ids.size(), Status::buffer_too_small,
               "aigc_tokenize: room for {} tokens, {} needed", max_tokens, ids.size());
    AIGC_CHECK(tokens != nullptr || ids.empty(), Status::invalid_argument, "aigc_tokenize: tokens is NULL");
    std::copy(ids.begin(), ids.end(), tokens);
  });
}

aigc_status aigc_detokenize(const aigc_model *model, const int32_t *tokens, size_t n_tokens,
                            char *buffer, size_t buffer_size, size_t *needed) {
  return guard([&] {
    const runtime::TextModel &m = model_of(model, "aigc_detokenize");
    AIGC_CHECK(tokens != nullptr || n_tokens == 0, Status::invalid_argument, "aigc_detokenize: tokens is NULL");
    const std::string text = m.require_tokenizer().decode(std::vector<int32_t>(tokens, tokens + n_tokens));
    capi::copy_out(text, buffer, buffer_size, needed, "aigc_detokenize");
  });
}

aigc_status aigc_chat_apply_template(const aigc_model *model, const char *template_name,
                                     const aigc_chat_message *messages, size_t n_messages,
                                     int32_t add_generation_prompt, char *buffer,
                                     size_t buffer_size, size_t *needed) {
  return guard([&] {
    const runtime::TextModel &m = model_of(model, "aigc_chat_apply_template");
    AIGC_CHECK(messages != nullptr || n_messages == 0, Status::invalid_argument,
               "aigc_chat_apply_template: messages is NULL");
    runtime::ChatTemplate t;
    if (template_name) {
      t = runtime::chat_template_from_name(template_name);
    } else {
      const auto jinja = m.meta("tokenizer.chat_template");
      AIGC_CHECK(jinja.has_value(), Status::unsupported,
                 "the model has no chat template (tokenizer.chat_template); name a built-in one "
                 "(chatml, llama2, llama3, mistral, gemma, phi3): template_name in the API, "
                 "--chat-template NAME in the CLI");
      t = runtime::detect_chat_template(*jinja);
    }
    std::vector<runtime::ChatMessage> msgs;
    for (size_t i = 0; i < n_messages; ++i) {
      AIGC_CHECK(messages[i].role && messages[i].content, Status::invalid_argument,
                 "aigc_chat_apply_template: message {} has a NULL role or content", i);
      msgs.push_back({messages[i].role, messages[i].content});
    }
    const tokenizer::Tokenizer *tok = m.tokenizer();
    auto piece = [&](int32_t id) { return tok && id >= 0 ? tok->token_to_piece(id) : std::string(); };
    const std::string text = runtime::apply_chat_template(
        t, msgs, add_generation_prompt != 0, piece(tok ? tok->bos_id() : -1), piece(tok ? tok->eos_id() : -1));
    capi::copy_out(text, buffer, buffer_size, needed, "aigc_chat_apply_template");
  });
}

}  // extern "C"
