// The file formats a GPT-2 byte-level BPE vocabulary comes in: OpenAI's encoder.json +
// vocab.bpe (= Hugging Face vocab.json + merges.txt), a Hugging Face tokenizer.json,
// and GGUF metadata (tokenizer.ggml.*, see ggml docs/gguf.md).
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "io/gguf.hpp"
#include "tokenizer/gguf_vocab.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"

namespace aigc::tokenizer {
namespace {

using json = nlohmann::json;
using Merge = Gpt2BpeTokenizer::Merge;

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", path);
  std::ostringstream s;
  s << in.rdbuf();
  AIGC_CHECK(!in.bad(), Status::io_error, "{}: read failed", path);
  return s.str();
}

json parse_json(const std::string &text, const std::string &path) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!j.is_discarded(), Status::invalid_format, "{}: not valid JSON", path);
  return j;
}

// "left right" (one space) -> pair; anything else is malformed.
Merge split_merge(const std::string &line, const std::string &path, size_t line_no) {
  const size_t space = line.find(' ');
  AIGC_CHECK(space != std::string::npos && space > 0 && space + 1 < line.size() &&
                 line.find(' ', space + 1) == std::string::npos,
             Status::invalid_format, "{}:{}: merge line is not 'left right': '{}'", path,
             line_no, line);
  return {line.substr(0, space), line.substr(space + 1)};
}

// token -> id object -> tokens in id order; ids must cover 0..n-1 exactly once.
std::vector<std::string> tokens_from_vocab_object(const json &vocab, const std::string &path) {
  AIGC_CHECK(vocab.is_object() && !vocab.empty(), Status::invalid_format,
             "{}: vocabulary is not a non-empty JSON object of token -> id", path);
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size(), false);
  for (const auto &[token, id] : vocab.items()) {
    AIGC_CHECK(id.is_number_integer(), Status::invalid_format,
               "{}: id of token '{}' is not an integer", path, token);
    const int64_t i = id.get<int64_t>();
    AIGC_CHECK(i >= 0 && i < int64_t(tokens.size()) && !seen[size_t(i)],
               Status::invalid_format, "{}: token '{}' has id {}, not a unique id in [0, {})",
               path, token, i, tokens.size());
    tokens[size_t(i)] = token;
    seen[size_t(i)] = true;
  }
  return tokens;
}

int32_t last_id_of(const std::vector<std::string> &tokens, const std::string &t) {
  for (size_t i = tokens.size(); i-- > 0;)
    if (tokens[i] == t) return int32_t(i);
  return -1;
}

// Which of our pre-tokenizers a tokenizer.json "pre_tokenizer" object is: GPT-2's
// ByteLevel (regex on, no prefix space), optionally after Digits(individual_digits)
// (SmolLM / StarCoder). Anything else would give wrong ids silently, so it is refused.
PreTokenizer pre_tokenizer_of(const json &pre, const std::string &path) {
  auto is_gpt2_byte_level = [](const json &p) {
    return p.is_object() && p.value("type", std::string()) == "ByteLevel" &&
           p.value("use_regex", true) && !p.value("add_prefix_space", false);
  };
  if (is_gpt2_byte_level(pre)) return PreTokenizer::gpt2;
  if (pre.is_object() && pre.value("type", std::string()) == "Sequence") {
    const json seq = pre.value("pretokenizers", json());
    if (seq.is_array() && seq.size() == 2 && seq[0].is_object() &&
        seq[0].value("type", std::string()) == "Digits" &&
        seq[0].value("individual_digits", false) && is_gpt2_byte_level(seq[1]))
      return PreTokenizer::smollm;
  }
  fail(Status::unsupported,
       "{}: pre-tokenizer {} is neither GPT-2's ByteLevel (use_regex, no prefix space) nor "
       "Digits(individual_digits) + that",
       path, pre.dump());
}

// BOS is added when the post-processor's single-sequence template starts with a
// special token (e.g. Llama 3's "<|begin_of_text|> $A"); returns that token's text.
std::string template_bos(const json &post) {
  if (!post.is_object() || post.value("type", std::string()) != "TemplateProcessing")
    return {};
  const json single = post.value("single", json());
  if (!single.is_array() || single.empty() || !single[0].is_object()) return {};
  const json special = single[0].value("SpecialToken", json());
  if (!special.is_object()) return {};
  const json id = special.value("id", json());
  return id.is_string() ? id.get<std::string>() : std::string();
}

}  // namespace

std::unique_ptr<Gpt2BpeTokenizer> Gpt2BpeTokenizer::from_vocab_and_merges(
    const std::string &vocab_json, const std::string &merges_txt) {
  const std::string vocab_text = read_file(vocab_json);
  return from_vocab_and_merges_text(vocab_text, read_file(merges_txt),
                                    vocab_json + " + " + merges_txt);
}

std::unique_ptr<Gpt2BpeTokenizer> Gpt2BpeTokenizer::from_vocab_and_merges_text(
    const std::string &vocab_json, const std::string &merges_txt, const std::string &name) {
  std::vector<std::string> tokens =
      tokens_from_vocab_object(parse_json(vocab_json, name), name);
  std::vector<Merge> merges;
  std::istringstream lines(merges_txt);
  std::string line;
  for (size_t line_no = 1; std::getline(lines, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    merges.push_back(split_merge(line, name, line_no));
  }
  // GPT-2 vocabularies end with <|endoftext|>, which serves as both BOS and EOS and is
  // their one control token.
  const int32_t eot = last_id_of(tokens, "<|endoftext|>");
  Gpt2BpeOptions options;
  options.types.assign(tokens.size(), TokenType::normal);
  if (eot >= 0) options.types[size_t(eot)] = TokenType::control;
  return std::make_unique<Gpt2BpeTokenizer>(std::move(tokens), merges, eot, eot, name,
                                            std::move(options));
}

std::unique_ptr<Gpt2BpeTokenizer> Gpt2BpeTokenizer::from_tokenizer_json(const std::string &path) {
  return from_tokenizer_json_text(read_file(path), path);
}

std::unique_ptr<Gpt2BpeTokenizer> Gpt2BpeTokenizer::from_tokenizer_json_text(
    const std::string &text, const std::string &path) {
  const json j = parse_json(text, path);
  AIGC_CHECK(j.is_object() && j.contains("model") && j["model"].is_object(),
             Status::invalid_format, "{}: no \"model\" object", path);
  const json &model = j["model"];
  const json type_value = model.value("type", json("BPE"));
  AIGC_CHECK(type_value.is_string(), Status::invalid_format, "{}: model type is not a string",
             path);
  const std::string type = type_value.get<std::string>();
  AIGC_CHECK(type == "BPE", Status::unsupported,
             "{}: model type '{}' is not supported (only byte-level BPE)", path, type);
  Gpt2BpeOptions options;
  options.pre = pre_tokenizer_of(j.value("pre_tokenizer", json()), path);
  AIGC_CHECK(model.contains("vocab") && model.contains("merges") && model["merges"].is_array(),
             Status::invalid_format, "{}: model lacks \"vocab\" or \"merges\"", path);
  std::vector<std::string> tokens = tokens_from_vocab_object(model["vocab"], path);

  std::vector<Merge> merges;
  for (const json &m : model["merges"]) {
    if (m.is_string()) {
      merges.push_back(split_merge(m.get<std::string>(), path, merges.size() + 1));
    } else {
      AIGC_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(),
                 Status::invalid_format, "{}: merge {} is neither \"a b\" nor [\"a\", \"b\"]",
                 path, merges.size() + 1);
      merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    }
  }
  // Added tokens (e.g. <|endoftext|>) may extend the vocabulary past the model's;
  // special ones are control tokens, the others user-defined.
  const json added = j.value("added_tokens", json::array());
  AIGC_CHECK(added.is_array(), Status::invalid_format, "{}: added_tokens is not an array",
             path);
  options.types.assign(tokens.size(), TokenType::normal);
  for (const json &t : added) {
    AIGC_CHECK(t.is_object() && t.contains("id") && t["id"].is_number_integer() &&
                   t.contains("content") && t["content"].is_string(),
               Status::invalid_format, "{}: malformed added token {}", path, t.dump());
    const int64_t id = t["id"].get<int64_t>();
    AIGC_CHECK(id >= 0 && id < (int64_t(1) << 24), Status::invalid_format,
               "{}: added token id {} out of range", path, id);
    if (size_t(id) >= tokens.size()) {
      tokens.resize(size_t(id) + 1);
      options.types.resize(size_t(id) + 1, TokenType::normal);
    }
    tokens[size_t(id)] = t["content"].get<std::string>();
    const json special = t.value("special", json(false));
    options.types[size_t(id)] = special.is_boolean() && special.get<bool>()
                                    ? TokenType::control
                                    : TokenType::user_defined;
  }
  for (size_t i = 0; i < tokens.size(); ++i)
    AIGC_CHECK(!tokens[i].empty(), Status::invalid_format, "{}: no token has id {}", path, i);
  const int32_t eot = last_id_of(tokens, "<|endoftext|>");
  int32_t bos = eot;
  const std::string bos_text = template_bos(j.value("post_processor", json()));
  if (!bos_text.empty()) {
    bos = last_id_of(tokens, bos_text);
    AIGC_CHECK(bos >= 0, Status::invalid_format,
               "{}: post-processor adds '{}', which is not in the vocabulary", path, bos_text);
    options.add_bos = true;
  }
  return std::make_unique<Gpt2BpeTokenizer>(std::move(tokens), merges, bos, eot, path,
                                            std::move(options));
}

std::unique_ptr<Gpt2BpeTokenizer> Gpt2BpeTokenizer::from_gguf(const io::GgufFile &gguf) {
  const std::string &name = gguf.name();
  const std::string model = gguf.get_string("tokenizer.ggml.model");
  AIGC_CHECK(model == "gpt2", Status::unsupported,
             "{}: tokenizer.ggml.model '{}' is not a GPT-2 BPE vocabulary", name, model);
  // Later GGUF files name model-specific pre-tokenizer regexes (llama-bpe, qwen2, ...);
  // encoding with the wrong one would give wrong ids silently, so unknown ones fail.
  const std::string pre = gguf.get_string("tokenizer.ggml.pre", "default");
  Gpt2BpeOptions options;
  AIGC_CHECK(pretokenizer_from_gguf_name(pre, &options.pre), Status::unsupported,
             "{}: pre-tokenizer tokenizer.ggml.pre = '{}' is not supported (supported: "
             "default, gpt2, gpt-2, smollm)",
             name, pre);
  const io::GgufValue *tokens = gguf.find("tokenizer.ggml.tokens");
  AIGC_CHECK(tokens && tokens->is_array() && tokens->elem_type == io::GgufValueType::string,
             Status::invalid_format, "{}: tokenizer.ggml.tokens is missing or not strings",
             name);
  const io::GgufValue *merge_lines = gguf.find("tokenizer.ggml.merges");
  AIGC_CHECK(merge_lines && merge_lines->is_array() &&
                 merge_lines->elem_type == io::GgufValueType::string,
             Status::invalid_format, "{}: tokenizer.ggml.merges is missing or not strings",
             name);
  std::vector<Merge> merges;
  merges.reserve(merge_lines->strings.size());
  for (size_t i = 0; i < merge_lines->strings.size(); ++i)
    merges.push_back(split_merge(merge_lines->strings[i], name, i + 1));
  const int64_t n = int64_t(tokens->strings.size());
  const int64_t bos = gguf.get_int("tokenizer.ggml.bos_token_id", -1);
  const int64_t eos = gguf.get_int("tokenizer.ggml.eos_token_id", -1);
  AIGC_CHECK(bos >= -1 && bos < n && eos >= -1 && eos < n, Status::invalid_format,
             "{}: bos/eos token id ({}, {}) outside the vocabulary of {}", name, bos, eos, n);
  options.types = gguf_token_types(gguf, size_t(n));
  options.add_bos = gguf_add_bos(gguf, false);
  options.extra_eog = gguf_extra_eog(gguf);
  return std::make_unique<Gpt2BpeTokenizer>(tokens->strings, merges, int32_t(bos),
                                            int32_t(eos), name, std::move(options));
}

}  // namespace aigc::tokenizer
