// aigc chat: a conversation on stdin (one user turn per line), replies streamed to stdout.
//
// Each turn renders the whole conversation with the chat template, and only the text the
// context has not seen yet is evaluated (generate with append=1): the KV cache is reused
// across turns. `seen` is exactly the text in the context (rendered prompt + the reply as
// generated), so the end-of-turn markup the template adds after a reply is fed next turn.
// If a template re-renders earlier turns differently (so `seen` is no longer a prefix),
// the context is cleared and the whole rendering is evaluated again.
//
// Ctrl-C stops a reply through the piece callback (a non-zero return is the library's
// cancellation; aigc_context_cancel from a watcher thread could land after the call has
// returned and cancel the next reply instead). The partial reply stays in the history,
// since the context holds it already and it is what the user saw.
#include <unistd.h>

#include <cstdio>

#include "chat_input.hpp"
#include "common.hpp"

namespace aigc_cli {

namespace {

const char kChatHelp[] =
    "/clear  forget the conversation (the --system message stays)\n"
    "/help   this text\n"
    "Ctrl-C stops a reply (the part shown stays in the conversation); Ctrl-C at the prompt\n"
    "or end of input (Ctrl-D) ends the chat.\n";

}  // namespace

int run_chat(const std::vector<std::string> &args) {
  ModelArgs m;
  SamplingArgs s;
  std::string system_prompt;
  std::string template_name;
  int32_t n_predict = -1;
  bool verbose = false;

  ArgParser p("chat", "Chats with an instruction model: one user turn per stdin line (/help: commands);\n"
              "Ctrl-C stops a reply; Ctrl-C at the prompt or end of input ends the chat.");
  m.add_to(p);
  p.option_string("--system", "TEXT", "system message", &system_prompt);
  p.option_string("--chat-template", "NAME",
                  "built-in template: chatml, llama2, llama3, mistral, gemma, phi3 "
                  "(default: the model's)",
                  &template_name);
  p.option_int("-n, --n-predict", "N", "most tokens per reply; < 0 until end of turn (default)",
               &n_predict);
  s.add_to(p);
  p.flag("-v, --verbose", "per-turn token counts and speed on stderr", [&] { verbose = true; });
  if (!p.parse(args, {"-m"})) return 0;

  aigc::Model model = m.load_model();
  aigc::Context ctx = m.make_context(model);
  aigc::Sampler sampler = s.make_sampler();

  std::vector<aigc::ChatMessage> messages;
  if (!system_prompt.empty()) messages.push_back({"system", system_prompt});
  // Checked before reading stdin so a bad --chat-template fails at once.
  model.apply_chat_template(messages.empty() ? std::vector<aigc::ChatMessage>{{"user", "hi"}}
                                             : messages,
                            true, template_name);

  const size_t n_system_messages = messages.size();
  ChatInput input;  // from here on Ctrl-C is ours
  const bool interactive = isatty(STDIN_FILENO);
  std::string seen;  // text the context holds
  std::string line;
  while (true) {
    if (interactive) std::fputs("> ", stderr);
    const ChatInput::Event event = input.read_line(&line);
    if (event != ChatInput::Event::line) {
      if (interactive) std::fputc('\n', stderr);  // the shell's prompt on a line of its own
      break;  // Ctrl-C at the prompt or end of input: a normal end, exit code 0
    }
    if (line.empty()) continue;
    if (line == "/help") {
      std::fputs(kChatHelp, stderr);
      continue;
    }
    if (line == "/clear") {
      messages.resize(n_system_messages);
      seen.clear();  // the next turn is evaluated from an empty context
      ctx.seq_clear();
      std::fputs("aigc: conversation cleared\n", stderr);
      continue;
    }
    messages.push_back({"user", line});
    const std::string rendered = model.apply_chat_template(messages, true, template_name);

    aigc::GenerateOptions go;
    go.max_tokens = n_predict;
    go.add_bos = 0;  // the rendered text carries any BOS text itself
    go.parse_special = true;
    std::string fresh;
    if (rendered.compare(0, seen.size(), seen) == 0) {
      fresh = rendered.substr(seen.size());
      go.append = !seen.empty();
    } else {
      fresh = rendered;  // earlier turns changed: start over
      go.append = false;
    }
    const aigc::GenerateResult r =
        aigc::generate(ctx, fresh, go, &sampler, [](std::string_view piece, int32_t) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
          return !ChatInput::interrupted();  // printed first: the history holds this piece
        });
    // Spent on this reply; a Ctrl-C from here on (after the note below) ends the chat.
    input.forget_interrupts();
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (r.stop_reason == AIGC_STOP_REASON_CANCELLED)
      std::fputs("aigc: reply interrupted\n", stderr);
    if (r.stop_reason == AIGC_STOP_REASON_CONTEXT_FULL)
      std::fputs("aigc: note: the context is full; the reply was cut short\n", stderr);
    if (verbose)
      std::fprintf(stderr, "[%s %d new prompt tokens, %d generated, %.2f tok/s, context holds %d tokens]\n",
                   go.append ? "appended" : "evaluated", r.n_prompt_tokens, r.n_generated,
                   r.generate_seconds > 0 ? r.n_generated / r.generate_seconds : 0.0,
                   ctx.seq_length());
    seen = rendered + r.text;
    messages.push_back({"assistant", r.text});
  }
  return 0;
}

}  // namespace aigc_cli
