// Shared helpers of the tokenizer tests: model paths ($AIGC_MODELS), the golden cases
// written by tests/reference/make_tokenizer_goldens.py, and a minimal GGUF writer for
// vocabulary-only files.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aigc/core/error.hpp"
#include "model_paths.hpp"

namespace tok_test {

inline std::string models_dir() { return aigc::test::shared_models_dir(); }

inline std::string model_path(const std::string &rel) { return models_dir() + "/" + rel; }

// Real models the user supplies (not in the repository): $AIGC_USER_MODELS, else the
// folder `models` beside the checkout.
inline std::string user_models_dir() { return aigc::test::user_models_dir(); }

inline std::string smollm2_path() { return aigc::test::smollm2_path(); }

// aigc::test::require_model with the fetch hint for `path`: CLIP's vocabulary and SmolLM2
// have their scripts/fetch-*.sh, everything else is in the shared model folder. False: skip.
inline bool have(const std::string &path) {
  const char *hint = aigc::test::kSharedModelsHint;
  if (path.rfind(user_models_dir() + "/clip/", 0) == 0) hint = aigc::test::kClipVocabHint;
  else if (path == smollm2_path()) hint = aigc::test::kUserModelsHint;
  return aigc::test::require_model(path, hint);
}

struct GoldenCase {
  std::string label;
  std::string text;  // raw bytes
  bool valid_utf8 = true;
  std::vector<int32_t> gpt2, llama32k, tok512;
  bool has_smollm2 = false;
  std::vector<int32_t> smollm2;
};

// Prompts with chat markers, encoded with special tokens parsed.
struct SpecialCase {
  std::string label, text;
  std::vector<int32_t> smollm2;
};

inline nlohmann::json goldens_json() {
  std::ifstream in(std::string(AIGC_TEST_DATA_DIR) + "/tokenizer/goldens.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

inline std::vector<SpecialCase> load_special_goldens() {
  std::vector<SpecialCase> cases;
  const nlohmann::json all = goldens_json();  // a range-for over at() of a temporary dangles
  for (const auto &c : all.at("special_cases"))
    cases.push_back({c.at("label").get<std::string>(), c.at("text").get<std::string>(),
                     c.at("smollm2").get<std::vector<int32_t>>()});
  return cases;
}

inline std::string from_hex(const std::string &hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

inline std::vector<GoldenCase> load_goldens() {
  const nlohmann::json j = goldens_json();
  std::vector<GoldenCase> cases;
  for (const auto &c : j.at("cases")) {
    GoldenCase g;
    g.label = c.at("label").get<std::string>();
    g.text = from_hex(c.at("hex").get<std::string>());
    g.valid_utf8 = c.at("valid_utf8").get<bool>();
    if (c.contains("gpt2")) g.gpt2 = c["gpt2"].get<std::vector<int32_t>>();
    if (c.contains("llama32k")) g.llama32k = c["llama32k"].get<std::vector<int32_t>>();
    g.tok512 = c.at("tok512").get<std::vector<int32_t>>();
    g.has_smollm2 = c.contains("smollm2");
    if (g.has_smollm2) g.smollm2 = c["smollm2"].get<std::vector<int32_t>>();
    cases.push_back(std::move(g));
  }
  return cases;
}

inline std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// GGUF v3 with metadata only (no tensors).
class GgufWriter {
 public:
  void str(const std::string &key, const std::string &v) { kv(key, 8); put_str(v); }
  void u32(const std::string &key, uint32_t v) { kv(key, 4); put(v); }
  void boolean(const std::string &key, bool v) { kv(key, 7); put(uint8_t(v)); }
  void strings(const std::string &key, const std::vector<std::string> &v) {
    array_header(key, 8, v.size());
    for (const auto &s : v) put_str(s);
  }
  void floats(const std::string &key, const std::vector<float> &v) {
    array_header(key, 6, v.size());
    for (float f : v) put(f);
  }
  void i32s(const std::string &key, const std::vector<int32_t> &v) {
    array_header(key, 5, v.size());
    for (int32_t x : v) put(x);
  }
  void save(const std::string &path) const {
    std::string out = "GGUF";
    auto put_to = [&](auto v) { out.append(reinterpret_cast<const char *>(&v), sizeof v); };
    put_to(uint32_t(3));
    put_to(uint64_t(0));
    put_to(n_kv_);
    out += body_;
    out.append((32 - out.size() % 32) % 32, '\0');
    write_file(path, out);
  }

 private:
  template <class T>
  void put(T v) { body_.append(reinterpret_cast<const char *>(&v), sizeof v); }
  void put_str(const std::string &s) {
    put(uint64_t(s.size()));
    body_ += s;
  }
  void kv(const std::string &key, uint32_t type) {
    put_str(key);
    put(type);
    ++n_kv_;
  }
  void array_header(const std::string &key, uint32_t elem, size_t n) {
    kv(key, 9);
    put(elem);
    put(uint64_t(n));
  }
  std::string body_;
  uint64_t n_kv_ = 0;
};

template <class F>
aigc::Status status_of(F &&f, std::string *message = nullptr) {
  try {
    f();
    return aigc::Status::ok;
  } catch (const aigc::Error &e) {
    if (message) *message = e.what();
    return e.status();
  }
}

}  // namespace tok_test
