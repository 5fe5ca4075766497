#include "runtime/chat_template.hpp"

#include <array>
#include <cstdint>

#include "core/check.hpp"

namespace aigc::runtime {

namespace {

constexpr std::array<std::pair<const char *, ChatTemplateKind>, 6> kNames = {{
    {"chatml", ChatTemplateKind::chatml},
    {"llama2", ChatTemplateKind::llama2},
    {"llama3", ChatTemplateKind::llama3},
    {"mistral", ChatTemplateKind::mistral},
    {"gemma", ChatTemplateKind::gemma},
    {"phi3", ChatTemplateKind::phi3},
}};

constexpr const char *kNameList = "chatml, llama2, llama3, mistral, gemma, phi3";

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

// Python's str.isspace(): Jinja's `trim` and str.strip() remove these code points.
bool is_python_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Decodes the UTF-8 sequence of n bytes at s[i]; returns false when it is not well formed
// (such bytes are never whitespace, so strip leaves them alone).
bool decode_utf8(std::string_view s, size_t i, size_t n, uint32_t &cp) {
  if (i + n > s.size()) return false;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (n == 1) {
    cp = b0;
    return b0 < 0x80;
  }
  static constexpr unsigned char kLeadMask[5] = {0, 0, 0x1F, 0x0F, 0x07};
  static constexpr unsigned char kLeadTag[5] = {0, 0, 0xC0, 0xE0, 0xF0};
  if ((b0 & ~kLeadMask[n]) != kLeadTag[n]) return false;
  cp = b0 & kLeadMask[n];
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  return true;
}

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

std::string_view py_strip(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    const size_t n = utf8_length(static_cast<unsigned char>(s[begin]));
    uint32_t cp = 0;
    if (n == 0 || !decode_utf8(s, begin, n, cp) || !is_python_space(cp)) break;
    begin += n;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;  // back up to the lead byte of the last code point
    while (start > begin && end - start < 4 &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
      --start;
    uint32_t cp = 0;
    const size_t n = end - start;
    if (utf8_length(static_cast<unsigned char>(s[start])) != n || !decode_utf8(s, start, n, cp) ||
        !is_python_space(cp))
      break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Reads the Jinja string literal that holds "<|im_start|>system\n...<|im_end|>" (SmolLM2:
// `{{ '<|im_start|>system\nYou are ...<|im_end|>\n' }}`) and returns the unescaped prompt,
// or "" when the template has no such literal (plain ChatML builds the system turn from the
// message instead).
std::string chatml_default_system(std::string_view jinja) {
  constexpr std::string_view kOpen = "<|im_start|>system";
  constexpr std::string_view kClose = "<|im_end|>";
  for (size_t at = jinja.find(kOpen); at != std::string_view::npos;
       at = jinja.find(kOpen, at + 1)) {
    if (at == 0) continue;
    const char quote = jinja[at - 1];
    if (quote != '\'' && quote != '"') continue;
    size_t p = at + kOpen.size();
    if (jinja.substr(p, 1) == "\n")
      p += 1;
    else if (jinja.substr(p, 2) == "\\n")
      p += 2;
    else
      continue;
    const size_t close = jinja.find(kClose, p);
    if (close == std::string_view::npos) continue;
    std::string text;
    bool literal = true;
    for (size_t i = p; i < close && literal; ++i) {
      char c = jinja[i];
      if (c == quote) {
        literal = false;  // the literal ends before <|im_end|>: content comes from elsewhere
      } else if (c == '\\' && i + 1 < close) {
        const char e = jinja[++i];
        text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      } else {
        text += c;
      }
    }
    if (literal && !text.empty()) return text;
  }
  return {};
}

void check_roles(const std::vector<ChatMessage> &messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string &r = messages[i].role;
    AIGC_CHECK(r == "system" || r == "user" || r == "assistant", Status::invalid_argument,
               "unknown chat role '{}' in message {} (expected system, user or assistant)", r, i);
  }
}

// Llama-2, Mistral and Gemma: an optional leading system message, then strictly alternating
// user/assistant turns starting with user (the reference templates raise otherwise).
struct SplitConversation {
  const ChatMessage *system = nullptr;
  std::vector<const ChatMessage *> turns;
};

SplitConversation split_alternating(ChatTemplateKind kind,
                                    const std::vector<ChatMessage> &messages) {
  SplitConversation out;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") {
    out.system = &messages[0];
    first = 1;
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage &m = messages[i];
    AIGC_CHECK(m.role != "system", Status::invalid_argument,
               "{} chat template: a system message is only supported as the first message "
               "(message {})",
               chat_template_name(kind), i);
    const bool want_user = out.turns.size() % 2 == 0;
    AIGC_CHECK((m.role == "user") == want_user, Status::invalid_argument,
               "{} chat template: conversation roles must alternate user/assistant/user/"
               "assistant/... (message {} is '{}')",
               chat_template_name(kind), i, m.role);
    out.turns.push_back(&m);
  }
  return out;
}

void render_chatml(const ChatTemplate &t, const std::vector<ChatMessage> &messages,
                   std::string &out) {
  if (!t.default_system.empty() && !messages.empty() && messages[0].role != "system")
    out += "<|im_start|>system\n" + t.default_system + "<|im_end|>\n";
  for (const ChatMessage &m : messages)
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
}

void render_llama2(const SplitConversation &c, std::string_view bos, std::string_view eos,
                   std::string &out) {
  for (size_t i = 0; i < c.turns.size(); ++i) {
    std::string content = c.turns[i]->content;
    if (i == 0 && c.system) content = "<<SYS>>\n" + c.system->content + "\n<</SYS>>\n\n" + content;
    if (c.turns[i]->role == "user") {
      out.append(bos);
      out += "[INST] ";
      out.append(py_strip(content));
      out += " [/INST]";
    } else {
      out += ' ';
      out.append(py_strip(content));
      out += ' ';
      out.append(eos);
    }
  }
}

void render_llama3(const std::vector<ChatMessage> &messages, std::string_view bos,
                   std::string &out) {
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i == 0) out.append(bos);
    out += "<|start_header_id|>" + messages[i].role + "<|end_header_id|>\n\n";
    out.append(py_strip(messages[i].content));
    out += "<|eot_id|>";
  }
}

void render_mistral(const SplitConversation &c, std::string_view bos, std::string_view eos,
                    std::string &out) {
  out.append(bos);
  for (size_t i = 0; i < c.turns.size(); ++i) {
    if (c.turns[i]->role == "user") {
      out += "[INST] ";
      if (i == 0 && c.system) out += c.system->content + "\n\n";
      out += c.turns[i]->content + " [/INST]";
    } else {
      out += c.turns[i]->content;
      out.append(eos);
    }
  }
}

void render_gemma(const SplitConversation &c, std::string_view bos, std::string &out) {
  out.append(bos);
  for (size_t i = 0; i < c.turns.size(); ++i) {
    out += c.turns[i]->role == "user" ? "<start_of_turn>user\n" : "<start_of_turn>model\n";
    if (i == 0 && c.system) out += c.system->content + "\n\n";  // not trimmed, as Gemma-3
    out.append(py_strip(c.turns[i]->content));
    out += "<end_of_turn>\n";
  }
}

void render_phi3(const std::vector<ChatMessage> &messages, std::string &out) {
  for (const ChatMessage &m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
}

}  // namespace

const char *chat_template_name(ChatTemplateKind kind) {
  for (const auto &[name, k] : kNames)
    if (k == kind) return name;
  return "unknown";
}

ChatTemplate chat_template_from_name(std::string_view name) {
  for (const auto &[n, k] : kNames)
    if (name == n) return ChatTemplate{k, {}};
  fail(Status::invalid_argument, "unknown chat template name '{}' (valid names: {})", name,
       kNameList);
}

ChatTemplate detect_chat_template(std::string_view jinja) {
  // Order matters: look for each family's own turn markers; "[INST]" last since several
  // unrelated templates mention it.
  if (contains(jinja, "<|im_start|>") && !contains(jinja, "<|im_sep|>"))
    return ChatTemplate{ChatTemplateKind::chatml, chatml_default_system(jinja)};
  if (contains(jinja, "<|start_header_id|>") && contains(jinja, "<|end_header_id|>"))
    return ChatTemplate{ChatTemplateKind::llama3, {}};
  if (contains(jinja, "<start_of_turn>")) return ChatTemplate{ChatTemplateKind::gemma, {}};
  if (contains(jinja, "<|assistant|>") && contains(jinja, "<|end|>"))
    return ChatTemplate{ChatTemplateKind::phi3, {}};
  if (contains(jinja, "[INST]")) {
    if (contains(jinja, "<<SYS>>")) return ChatTemplate{ChatTemplateKind::llama2, {}};
    return ChatTemplate{ChatTemplateKind::mistral, {}};
  }
  constexpr size_t kShown = 60;
  const bool cut = jinja.size() > kShown;
  fail(Status::unsupported,
       "unknown chat template \"{}{}\" in the model: pass one with --chat-template NAME "
       "(NAME one of {})",
       jinja.substr(0, kShown), cut ? "..." : "", kNameList);
}

std::string apply_chat_template(const ChatTemplate &t, const std::vector<ChatMessage> &messages,
                                bool add_generation_prompt, std::string_view bos,
                                std::string_view eos) {
  check_roles(messages);
  std::string out;
  switch (t.kind) {
    case ChatTemplateKind::chatml:
      render_chatml(t, messages, out);
      if (add_generation_prompt) out += "<|im_start|>assistant\n";
      break;
    case ChatTemplateKind::llama2:
      // Llama-2 and Mistral open the assistant turn with [/INST]; they have no extra prompt.
      render_llama2(split_alternating(t.kind, messages), bos, eos, out);
      break;
    case ChatTemplateKind::llama3:
      render_llama3(messages, bos, out);
      if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      break;
    case ChatTemplateKind::mistral:
      render_mistral(split_alternating(t.kind, messages), bos, eos, out);
      break;
    case ChatTemplateKind::gemma:
      render_gemma(split_alternating(t.kind, messages), bos, out);
      if (add_generation_prompt) out += "<start_of_turn>model\n";
      break;
    case ChatTemplateKind::phi3:
      render_phi3(messages, out);
      if (add_generation_prompt)
        out += "<|assistant|>\n";
      else
        out.append(eos);
      break;
  }
  return out;
}

std::vector<std::string> chat_stop_strings(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::chatml:
      return {"<|im_end|>"};
    case ChatTemplateKind::llama2:
      return {"</s>", "[INST]"};
    case ChatTemplateKind::llama3:
      return {"<|eot_id|>", "<|end_of_text|>"};
    case ChatTemplateKind::mistral:
      return {"</s>", "[INST]"};
    case ChatTemplateKind::gemma:
      return {"<end_of_turn>"};
    case ChatTemplateKind::phi3:
      return {"<|end|>", "<|endoftext|>"};
  }
  return {};
}

}  // namespace aigc::runtime
