// Chat templates for instruct models. GGUF files carry a Jinja template in
// `tokenizer.chat_template`; rather than embed a Jinja engine we recognise the common
// families from distinctive substrings (as llama.cpp's llama_chat_apply_template does) and
// render them with hand-written code that matches the reference templates byte for byte
// (tests/data/chat/chat_template_goldens.json, made by tests/reference/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aigc::runtime {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

enum class ChatTemplateKind { chatml, llama2, llama3, mistral, gemma, phi3 };

struct ChatTemplate {
  ChatTemplateKind kind = ChatTemplateKind::chatml;
  // System prompt the template inserts when the conversation has none (SmolLM2's ChatML
  // template does), else empty.
  std::string default_system;
};

// Recognises the family of a Jinja template from GGUF metadata. Throws Status::unsupported
// naming the `--chat-template NAME` option and the valid names when it is not recognised.
ChatTemplate detect_chat_template(std::string_view jinja);

// "chatml", "llama2", "llama3", "mistral", "gemma", "phi3"; throws Status::invalid_argument
// listing the valid names otherwise.
ChatTemplate chat_template_from_name(std::string_view name);

const char *chat_template_name(ChatTemplateKind kind);

// Renders the conversation like the reference template with add_generation_prompt. bos/eos
// are the tokenizer's BOS/EOS texts, which some templates write into the text: tokenize the
// result with special-token parsing and without adding another BOS.
// Throws Status::invalid_argument for a role other than system/user/assistant, and for a
// conversation the family cannot express (user/assistant not alternating for llama2,
// mistral and gemma; a system message anywhere but first for those three).
// Where the reference rejects any system message (Mistral v0.2, Gemma-2), the system text
// is folded into the first user turn as "system\n\nuser", as Gemma-3's template does.
std::string apply_chat_template(const ChatTemplate &t, const std::vector<ChatMessage> &messages,
                                bool add_generation_prompt, std::string_view bos,
                                std::string_view eos);

// Strings that end an assistant turn in that family (e.g. "<|im_end|>"), for text-level
// stopping alongside the EOS token id.
std::vector<std::string> chat_stop_strings(ChatTemplateKind kind);

}  // namespace aigc::runtime
