// Area: models and contexts (aigc::Model, aigc::Context of aigc.hpp).
//
// Every call that computes or reads files runs with the GIL released. Context.logits()
// returns a read-only numpy view of the context's own buffer (no copy): its base object is
// the Context, which it keeps alive; its contents are valid until the next decode/generate
// on that context.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace aigc_py {

namespace {

py::dict info_dict(const aigc_model_info &i) {
  py::dict d;
  d["n_vocab"] = i.n_vocab;
  d["n_ctx_train"] = i.n_ctx_train;
  d["n_embd"] = i.n_embd;
  d["n_layers"] = i.n_layers;
  d["n_heads"] = i.n_heads;
  d["n_kv_heads"] = i.n_kv_heads;
  d["bos_token"] = i.bos_token;
  d["eos_token"] = i.eos_token;
  d["has_tokenizer"] = i.has_tokenizer != 0;
  d["n_params"] = i.n_params;
  d["weight_bytes"] = i.weight_bytes;
  return d;
}

// Token ids from a list/sequence of ints or an integer numpy array (converted to int32).
std::vector<int32_t> to_tokens(const py::handle &obj) {
  if (py::isinstance<py::array>(obj)) {
    auto a = py::array_t<int32_t, py::array::c_style | py::array::forcecast>::ensure(obj);
    if (!a) throw py::error_already_set();
    if (a.ndim() != 1)
      throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT, "tokens must be a 1-D sequence");
    return std::vector<int32_t>(a.data(), a.data() + a.size());
  }
  try {
    return py::cast<std::vector<int32_t>>(obj);
  } catch (const py::cast_error &) {
    throw py::type_error("tokens must be a sequence of ints or an integer numpy array");
  }
}

}  // namespace

void bind_model(py::module_ &m) {
  // ---- ModelInfo ----
  py::class_<aigc_model_info>(m, "ModelInfo",
                              "Sizes and special tokens of a loaded model (Model.info).")
      .def_readonly("n_vocab", &aigc_model_info::n_vocab, "Vocabulary size (logits per row).")
      .def_readonly("n_ctx_train", &aigc_model_info::n_ctx_train,
                    "Context length the model was trained with.")
      .def_readonly("n_embd", &aigc_model_info::n_embd, "Embedding width.")
      .def_readonly("n_layers", &aigc_model_info::n_layers, "Transformer blocks.")
      .def_readonly("n_heads", &aigc_model_info::n_heads, "Attention heads.")
      .def_readonly("n_kv_heads", &aigc_model_info::n_kv_heads, "Key/value heads (GQA).")
      .def_readonly("bos_token", &aigc_model_info::bos_token, "BOS id, -1 when none.")
      .def_readonly("eos_token", &aigc_model_info::eos_token, "EOS id, -1 when none.")
      .def_property_readonly("has_tokenizer",
                             [](const aigc_model_info &i) { return i.has_tokenizer != 0; },
                             "False when the model works on token ids only.")
      .def_readonly("n_params", &aigc_model_info::n_params, "Number of parameters.")
      .def_readonly("weight_bytes", &aigc_model_info::weight_bytes,
                    "Bytes of the weights as stored (mapped or copied).")
      .def("as_dict", &info_dict, "The fields as a dict.")
      .def("__repr__", [](const aigc_model_info &i) {
        std::string r = "ModelInfo(";
        bool first = true;
        for (auto kv : info_dict(i)) {
          if (!first) r += ", ";
          first = false;
          r += py::str(kv.first).cast<std::string>() + "=" + py::repr(kv.second).cast<std::string>();
        }
        return r + ")";
      });

  // ---- Model ----
  py::class_<aigc::Model, ModelPtr>(
      m, "Model",
      "A loaded model: immutable, shareable by any number of contexts and threads.\n\n"
      "Model(path, backend='cpu', tokenizer=None) loads GGUF, safetensors (file or folder "
      "with config.json) or a llama2.c checkpoint; the weights are memory-mapped where "
      "possible. Raises IoError (missing file), InvalidFormat, Unsupported, ShapeMismatch, "
      "BackendUnavailable.")
      .def(py::init([](const std::string &path, const std::string &backend,
                       const std::optional<std::string> &tokenizer) {
             aigc::ModelOptions o;
             o.backend = backend;
             o.tokenizer_path = tokenizer.value_or("");
             py::gil_scoped_release release;  // only the load: instance set-up needs the GIL
             return std::make_shared<aigc::Model>(aigc::Model::load(path, o));
           }),
           py::arg("path"), py::arg("backend") = "cpu", py::arg("tokenizer") = py::none(),
           "Loads the model at `path` on `backend` ('cpu' or 'ref'); `tokenizer` overrides "
           "the tokenizer file.")
      .def_property_readonly("info", &aigc::Model::info,
                             "ModelInfo: n_vocab, n_ctx_train, n_embd, n_layers, n_heads, "
                             "n_kv_heads, bos_token, eos_token, has_tokenizer, n_params, "
                             "weight_bytes.")
      .def("meta", &aigc::Model::meta, py::arg("key"),
           "Metadata value as text ('general.architecture', 'tokenizer.chat_template', ...). "
           "Raises InvalidArgument when the key is absent.")
      .def(
          "tokenize",
          [](const aigc::Model &self, const std::string &text, std::optional<bool> add_bos,
             bool special) {
            const int32_t bos = add_bos ? (*add_bos ? 1 : 0) : -1;
            py::gil_scoped_release release;
            return self.tokenize(text, bos, special);
          },
          py::arg("text"), py::arg("add_bos") = py::none(), py::arg("special") = false,
          "Text -> token ids. add_bos None: the model's default. special=True turns "
          "control-token texts such as '<|im_start|>' into their ids.")
      .def(
          "detokenize_bytes",
          [](const aigc::Model &self, const py::handle &ids) {
            std::vector<int32_t> t = to_tokens(ids);
            std::string s;
            {
              py::gil_scoped_release release;
              s = self.detokenize(t);
            }
            return py::bytes(s);
          },
          py::arg("ids"),
          "Token ids -> the raw UTF-8 bytes (may end in a partial character).")
      .def(
          "detokenize",
          [](const aigc::Model &self, const py::handle &ids) {
            std::vector<int32_t> t = to_tokens(ids);
            std::string s;
            {
              py::gil_scoped_release release;
              s = self.detokenize(t);
            }
            return decode_utf8(s.data(), s.size());
          },
          py::arg("ids"),
          "Token ids -> text; bytes that are not valid UTF-8 (a partial character) become "
          "U+FFFD (errors='replace').")
      .def(
          "apply_chat_template",
          [](const aigc::Model &self, const std::vector<std::pair<std::string, std::string>> &msgs,
             bool add_generation_prompt, const std::optional<std::string> &template_name) {
            std::vector<aigc::ChatMessage> v;
            for (const auto &rc : msgs) v.push_back({rc.first, rc.second});
            py::gil_scoped_release release;
            return self.apply_chat_template(v, add_generation_prompt, template_name.value_or(""));
          },
          py::arg("messages"), py::arg("add_generation_prompt") = true,
          py::arg("template") = py::none(),
          "Renders [(role, content), ...] with the model's chat template, or the built-in one "
          "named by `template` ('chatml', 'llama2', 'llama3', 'mistral', 'gemma', 'phi3'). "
          "The text holds control-token texts: tokenize it with special=True, add_bos=False.");

  // ---- Context ----
  py::class_<ContextHandle, ContextPtr>(
      m, "Context",
      "KV cache, logits and scratch memory for one model: one thread at a time (a second "
      "thread calling into a busy context gets InvalidArgument); cancel() from any thread.\n\n"
      "Context(model, n_ctx=0, n_threads=None, n_seq_max=1): n_ctx 0 means min(model's, "
      "4096) positions per sequence; n_threads None means the physical cores.")
      .def(py::init([](ModelPtr model, int32_t n_ctx, std::optional<int32_t> n_threads,
                       int32_t n_seq_max) {
             if (!model || !*model)
               throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT, "model is not loaded");
             aigc_context_params p = aigc::context_params();
             p.n_ctx = n_ctx;
             p.n_seq_max = n_seq_max;
             if (n_threads) p.n_threads = *n_threads;
             auto h = std::make_shared<ContextHandle>();
             {
               py::gil_scoped_release release;  // allocates the KV cache
               h->ctx = aigc::Context(*model, p);
             }
             h->model = std::move(model);
             return h;
           }),
           py::arg("model"), py::arg("n_ctx") = 0, py::arg("n_threads") = py::none(),
           py::arg("n_seq_max") = 1)
      .def_property_readonly(
          "model", [](const ContextHandle &h) { return h.model; }, "The Model it was made from.")
      .def_property_readonly(
          "n_ctx",
          [](const ContextHandle &h) {
            aigc_context_info i{};
            i.struct_size = sizeof i;
            aigc::check(aigc_context_get_info(h.ctx.get(), &i));
            return i.n_ctx;
          },
          "Positions per sequence actually allocated.")
      .def_property_readonly(
          "n_seq_max",
          [](const ContextHandle &h) {
            aigc_context_info i{};
            i.struct_size = sizeof i;
            aigc::check(aigc_context_get_info(h.ctx.get(), &i));
            return i.n_seq_max;
          },
          "Independent sequences.")
      .def_property_readonly(
          "n_threads",
          [](const ContextHandle &h) {
            aigc_context_info i{};
            i.struct_size = sizeof i;
            aigc::check(aigc_context_get_info(h.ctx.get(), &i));
            return i.n_threads;
          },
          "Threads the context computes with.")
      .def(
          "decode",
          [](ContextHandle &h, const py::handle &tokens, int32_t seq_id, bool all_logits) {
            std::vector<int32_t> t = to_tokens(tokens);
            BusyGuard busy(h);
            py::gil_scoped_release release;
            h.ctx.decode(t, seq_id, all_logits);
          },
          py::arg("tokens"), py::arg("seq_id") = 0, py::arg("all_logits") = false,
          "Appends tokens to sequence seq_id and evaluates them (GIL released). "
          "all_logits=True keeps a logits row per token, else only the last. Raises "
          "ContextFull (nothing changes) when the sequence would exceed n_ctx.")
      .def(
          "logits",
          [](py::object self) {
            ContextHandle &h = self.cast<ContextHandle &>();
            if (h.busy.load())
              throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                                      "context is in use by another thread");
            const aigc::Logits l = h.ctx.logits();
            const auto rows = static_cast<py::ssize_t>(l.n_rows);
            const auto cols = static_cast<py::ssize_t>(l.n_vocab);
            py::array_t<float> a({rows, cols},
                                 {cols * static_cast<py::ssize_t>(sizeof(float)),
                                  static_cast<py::ssize_t>(sizeof(float))},
                                 l.data, self);  // base = the Context: no copy
            py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
            return a;
          },
          "Logits of the last decode as a read-only float32 array of shape (rows, n_vocab), "
          "a view of the context's buffer (no copy; .base is this Context). Valid only until "
          "the next decode/generate on this context: copy it (np.array(x)) to keep it.")
      .def("seq_length", [](const ContextHandle &h, int32_t seq_id) { return h.ctx.seq_length(seq_id); },
           py::arg("seq_id") = 0, "Positions sequence seq_id holds.")
      .def(
          "seq_truncate",
          [](ContextHandle &h, int32_t seq_id, int32_t length) {
            BusyGuard busy(h);
            h.ctx.seq_truncate(seq_id, length);
          },
          py::arg("seq_id"), py::arg("length"), "Forgets positions >= length of sequence seq_id.")
      .def(
          "seq_clear",
          [](ContextHandle &h, int32_t seq_id) {
            BusyGuard busy(h);
            h.ctx.seq_clear(seq_id);
          },
          py::arg("seq_id") = 0, "Empties sequence seq_id.")
      .def("cancel", [](ContextHandle &h) { h.ctx.cancel(); },
           "Asks the running (or next) decode/generate on this context to stop with "
           "Cancelled. Safe from any thread.");
}

}  // namespace aigc_py
