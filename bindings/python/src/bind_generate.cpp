// Area: text generation (aigc::generate of aigc.hpp).
//
// generate() runs the whole generation with the GIL released. The optional on_piece
// callback is called on the calling thread with the GIL taken back for the call only;
// an exception it raises stops the generation and is re-raised. On the main thread,
// Ctrl-C (a pending signal) stops the generation too and raises KeyboardInterrupt.
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace aigc_py {

namespace {

const char *stop_reason_name(aigc_stop_reason r) {
  switch (r) {
    case AIGC_STOP_REASON_MAX_TOKENS: return "max_tokens";
    case AIGC_STOP_REASON_END_OF_GENERATION: return "end_of_generation";
    case AIGC_STOP_REASON_STOP_STRING: return "stop_string";
    case AIGC_STOP_REASON_CANCELLED: return "cancelled";
    case AIGC_STOP_REASON_CONTEXT_FULL: return "context_full";
  }
  return "unknown";
}

struct PyResult {
  std::string text;  // kept as bytes; decoded for Python on access
  std::string stop_reason;
  int32_t n_prompt_tokens = 0;
  int32_t n_generated = 0;
  double prompt_seconds = 0.0;
  double generate_seconds = 0.0;
};

bool on_main_thread() {
  py::module_ threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

}  // namespace

void bind_generate(py::module_ &m) {
  py::class_<PyResult>(m, "GenerateResult", "Outcome of generate(): text and statistics.")
      .def_property_readonly(
          "text", [](const PyResult &r) { return decode_utf8(r.text.data(), r.text.size()); },
          "Every generated piece joined (stop strings excluded).")
      .def_readonly("stop_reason", &PyResult::stop_reason,
                    "'max_tokens', 'end_of_generation', 'stop_string', 'cancelled' or "
                    "'context_full'.")
      .def_readonly("n_prompt_tokens", &PyResult::n_prompt_tokens,
                    "Prompt tokens evaluated (BOS included).")
      .def_readonly("n_generated", &PyResult::n_generated, "Tokens sampled.")
      .def_readonly("prompt_seconds", &PyResult::prompt_seconds, "Time evaluating the prompt.")
      .def_readonly("generate_seconds", &PyResult::generate_seconds, "Time sampling.")
      .def("__repr__", [](const PyResult &r) {
        return "GenerateResult(stop_reason='" + r.stop_reason +
               "', n_prompt_tokens=" + std::to_string(r.n_prompt_tokens) +
               ", n_generated=" + std::to_string(r.n_generated) + ", text=" +
               py::repr(decode_utf8(r.text.data(), r.text.size())).cast<std::string>() + ")";
      });

  m.def(
      "generate",
      [](ContextHandle &h, const std::string &prompt, aigc::Sampler *sampler, int32_t max_tokens,
         int32_t seq_id, bool append, std::optional<bool> add_bos, bool special, bool ignore_eos,
         std::optional<std::vector<std::string>> stop, py::object on_piece) {
        if (sampler && !*sampler)
          throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                                  "this sampler was added to a chain: use the chain instead");
        aigc::GenerateOptions o;
        o.max_tokens = max_tokens;
        o.seq_id = seq_id;
        o.append = append;
        o.add_bos = add_bos ? (*add_bos ? 1 : 0) : -1;
        o.parse_special = special;
        o.ignore_eos = ignore_eos;
        if (stop) o.stop = *stop;

        // Python-side state, touched only while holding the GIL.
        struct CallbackState {
          py::object fn;
          bool check_signals = false;
          std::chrono::steady_clock::time_point last_check = std::chrono::steady_clock::now();
          std::unique_ptr<py::error_already_set> error;
        } state;
        state.fn = on_piece.is_none() ? py::object() : on_piece;
        state.check_signals = on_main_thread();

        aigc::PieceCallback cb;
        if (state.fn || state.check_signals) {
          cb = [&state](std::string_view piece, int32_t token) -> bool {
            // Without a Python callback the GIL is taken only every 50 ms, to see Ctrl-C.
            bool check = false;
            if (state.check_signals) {
              const auto now = std::chrono::steady_clock::now();
              check = now - state.last_check >= std::chrono::milliseconds(50);
              if (check) state.last_check = now;
            }
            if (!state.fn && !check) return true;
            py::gil_scoped_acquire gil;
            try {
              if (check && PyErr_CheckSignals() != 0) throw py::error_already_set();
              if (!state.fn) return true;
              py::object r = state.fn(decode_utf8(piece.data(), piece.size()), token);
              return r.is_none() || r.cast<bool>();
            } catch (py::error_already_set &e) {
              state.error = std::make_unique<py::error_already_set>(std::move(e));
              return false;
            }
          };
        }

        BusyGuard busy(h);
        aigc::GenerateResult r;
        {
          py::gil_scoped_release release;
          r = aigc::generate(h.ctx, prompt, o, sampler, cb);
        }
        if (state.error) {
          py::error_already_set e = std::move(*state.error);
          state.error.reset();
          throw e;
        }
        PyResult out;
        out.text = std::move(r.text);
        out.stop_reason = stop_reason_name(r.stop_reason);
        out.n_prompt_tokens = r.n_prompt_tokens;
        out.n_generated = r.n_generated;
        out.prompt_seconds = r.prompt_seconds;
        out.generate_seconds = r.generate_seconds;
        return out;
      },
      py::arg("context"), py::arg("prompt"), py::arg("sampler") = nullptr,
      py::arg("max_tokens") = 128, py::arg("seq_id") = 0, py::arg("append") = false,
      py::arg("add_bos") = py::none(), py::arg("special") = false, py::arg("ignore_eos") = false,
      py::arg("stop") = py::none(), py::arg("on_piece") = py::none(),
      "Tokenizes and evaluates `prompt` on `context`, then samples up to max_tokens tokens "
      "with `sampler` (None: greedy), GIL released. on_piece(piece: str, token: int) is "
      "called for every piece of text (whole UTF-8 characters); returning False stops "
      "(stop_reason 'cancelled'). append=True continues the sequence instead of clearing it; "
      "special=True parses control-token texts in the prompt; stop: strings that end the "
      "generation (not emitted). Returns GenerateResult. A prompt longer than the context "
      "raises ContextFull.");
}

}  // namespace aigc_py
