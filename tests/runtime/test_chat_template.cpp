#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "aigc/core/error.hpp"
#include "runtime/chat_template.hpp"

using namespace aigc;
using namespace aigc::runtime;

namespace {

nlohmann::json load_goldens() {
  const std::string path = std::string(AIGC_TEST_DATA_DIR) + "/chat/chat_template_goldens.json";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::vector<ChatMessage> messages_of(const nlohmann::json &j) {
  std::vector<ChatMessage> out;
  for (const auto &m : j)
    out.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
  return out;
}

// Runs f and returns the Status of the aigc::Error it throws (ok when it throws nothing).
template <class F>
Status status_of(F &&f, std::string *message = nullptr) {
  try {
    f();
  } catch (const Error &e) {
    if (message) *message = e.what();
    return e.status();
  }
  return Status::ok;
}

const std::string kSmolSystem =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

}  // namespace

TEST_CASE("chat template: goldens rendered by the reference Jinja templates") {
  const nlohmann::json goldens = load_goldens();
  const auto &entries = goldens.at("entries");
  REQUIRE(entries.size() >= 6);
  size_t checked = 0;
  for (const auto &e : entries) {
    const std::string name = e.at("name");
    INFO("template " << name);
    const ChatTemplate t = detect_chat_template(e.at("template").get<std::string>());
    CHECK(std::string(chat_template_name(t.kind)) == e.at("family").get<std::string>());
    CHECK(t.default_system == e.at("default_system").get<std::string>());
    const std::string bos = e.at("bos"), eos = e.at("eos");
    for (const auto &c : e.at("cases")) {
      const bool gen = c.at("add_generation_prompt");
      INFO("conversation " << c.at("conversation").get<std::string>() << " gen=" << gen);
      const auto messages = messages_of(c.at("messages"));
      if (c.contains("error")) {
        CHECK(status_of([&] { apply_chat_template(t, messages, gen, bos, eos); }) ==
              Status::invalid_argument);
      } else {
        CHECK(apply_chat_template(t, messages, gen, bos, eos) ==
              c.at("expected").get<std::string>());
      }
      ++checked;
    }
  }
  CHECK(checked >= 100);
}

TEST_CASE("chat template: SmolLM2 GGUF template gives ChatML with its default system prompt") {
  const nlohmann::json goldens = load_goldens();
  for (const auto &e : goldens.at("entries")) {
    if (e.at("name") != "smollm2_chatml") continue;
    const ChatTemplate t = detect_chat_template(e.at("template").get<std::string>());
    CHECK(t.kind == ChatTemplateKind::chatml);
    CHECK(t.default_system == kSmolSystem);
    return;
  }
  FAIL("no smollm2_chatml entry in the goldens");
}

TEST_CASE("chat template: default system prompt is read from either string escape") {
  // Written with a Jinja "\n" escape instead of a raw newline, and in double quotes.
  const auto t = detect_chat_template(
      "{% if messages[0]['role'] != 'system' %}{{ \"<|im_start|>system\\nBe brief, don\\'t ramble."
      "<|im_end|>\\n\" }}{% endif %}{% for m in messages %}{{'<|im_start|>' + m['role']}}{% endfor "
      "%}");
  CHECK(t.kind == ChatTemplateKind::chatml);
  CHECK(t.default_system == "Be brief, don't ramble.");
  // A system turn built from the message itself is not a default prompt.
  const auto u = detect_chat_template(
      "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}");
  CHECK(u.kind == ChatTemplateKind::chatml);
  CHECK(u.default_system.empty());
}

TEST_CASE("chat template: ChatML default system prompt only without a system message") {
  ChatTemplate t = chat_template_from_name("chatml");
  t.default_system = "Default.";
  CHECK(apply_chat_template(t, {{"user", "Hi"}}, true, "", "") ==
        "<|im_start|>system\nDefault.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(apply_chat_template(t, {{"system", "Mine."}, {"user", "Hi"}}, false, "", "") ==
        "<|im_start|>system\nMine.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
}

TEST_CASE("chat template: unknown template names the --chat-template option") {
  std::string message;
  CHECK(status_of([] { detect_chat_template("{{ foo }}"); }, &message) == Status::unsupported);
  CHECK(message.find("--chat-template") != std::string::npos);
  CHECK(message.find("chatml") != std::string::npos);
  CHECK(message.find("phi3") != std::string::npos);
  CHECK(status_of([] { detect_chat_template(""); }) == Status::unsupported);
}

TEST_CASE("chat template: names round-trip; an unknown name lists the valid ones") {
  for (const char *name : {"chatml", "llama2", "llama3", "mistral", "gemma", "phi3"}) {
    const ChatTemplate t = chat_template_from_name(name);
    CHECK(std::string(chat_template_name(t.kind)) == name);
    CHECK(t.default_system.empty());
    CHECK_FALSE(chat_stop_strings(t.kind).empty());
  }
  std::string message;
  CHECK(status_of([] { chat_template_from_name("vicuna"); }, &message) == Status::invalid_argument);
  CHECK(message.find("llama3") != std::string::npos);
  CHECK(chat_stop_strings(ChatTemplateKind::chatml) == std::vector<std::string>{"<|im_end|>"});
  CHECK(chat_stop_strings(ChatTemplateKind::gemma) == std::vector<std::string>{"<end_of_turn>"});
}

TEST_CASE("chat template: unknown role is invalid_argument for every family") {
  for (const char *name : {"chatml", "llama2", "llama3", "mistral", "gemma", "phi3"}) {
    INFO(name);
    std::string message;
    CHECK(status_of(
              [&] {
                apply_chat_template(chat_template_from_name(name), {{"user", "a"}, {"tool", "b"}},
                                    true, "<s>", "</s>");
              },
              &message) == Status::invalid_argument);
    CHECK(message.find("tool") != std::string::npos);
  }
}

TEST_CASE("chat template: Mistral and Gemma-2 fold the system message into the first turn") {
  // The references raise on any system message; aigc follows Gemma-3's "system\n\nuser".
  const std::vector<ChatMessage> conv = {
      {"system", "Be terse."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "Bye"}};
  CHECK(apply_chat_template(chat_template_from_name("mistral"), conv, true, "<s>", "</s>") ==
        "<s>[INST] Be terse.\n\nHi [/INST]Hello.</s>[INST] Bye [/INST]");
  CHECK(apply_chat_template(chat_template_from_name("gemma"), conv, true, "<bos>", "<eos>") ==
        "<bos><start_of_turn>user\nBe terse.\n\nHi<end_of_turn>\n<start_of_turn>model\n"
        "Hello.<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
}

TEST_CASE("chat template: a late system message is rejected where the family cannot place it") {
  const std::vector<ChatMessage> conv = {{"user", "Hi"}, {"system", "x"}};
  for (const char *name : {"llama2", "mistral", "gemma"}) {
    INFO(name);
    CHECK(status_of([&] {
            apply_chat_template(chat_template_from_name(name), conv, true, "", "");
          }) == Status::invalid_argument);
  }
  CHECK_NOTHROW(apply_chat_template(chat_template_from_name("chatml"), conv, true, "", ""));
}

TEST_CASE("chat template: Jinja trim strips only Python whitespace, not broken UTF-8") {
  const ChatTemplate t = chat_template_from_name("llama3");
  // U+2003 EM SPACE is stripped; a lone continuation byte and a truncated sequence are kept.
  CHECK(apply_chat_template(t, {{"user", "\xE2\x80\x83x\xE2\x80\x83"}}, false, "", "") ==
        "<|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|>");
  CHECK(apply_chat_template(t, {{"user", "\x80 x \xE2\x80"}}, false, "", "") ==
        "<|start_header_id|>user<|end_header_id|>\n\n\x80 x \xE2\x80<|eot_id|>");
  CHECK(apply_chat_template(t, {{"user", " \t\n "}}, false, "", "") ==
        "<|start_header_id|>user<|end_header_id|>\n\n<|eot_id|>");
}
