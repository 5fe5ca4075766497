#include "models/lm_loader.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "core/check.hpp"
#include "io/llama2c.hpp"
#include "io/safetensors.hpp"
#include "models/gpt2.hpp"
#include "models/llama.hpp"

namespace aigc::models {
namespace {

bool is_directory(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parent_dir(const std::string &path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_magic(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "cannot open model file '{}'", path);
  char magic[4] = {};
  in.read(magic, 4);
  return std::string(magic, size_t(in.gcount()));
}

bool is_llama_family(const std::string &arch) {
  return arch == "llama" || arch == "mistral" || arch == "qwen2";
}

std::map<std::string, std::string> gguf_metadata(const io::GgufFile &f) {
  std::map<std::string, std::string> out;
  for (const auto &[key, v] : f.metadata()) {
    if (v.is_array()) continue;
    if (v.type == io::GgufValueType::string) out[key] = v.s;
    else if (v.is_float()) out[key] = fmt::format("{}", v.f);
    else if (v.type == io::GgufValueType::boolean) out[key] = v.i ? "true" : "false";
    else out[key] = std::to_string(v.i);
  }
  return out;
}

LoadedLanguageModel load_gguf(const std::string &path) {
  LoadedLanguageModel r;
  r.gguf = io::GgufFile::open(path);
  r.format = "gguf";
  r.metadata = gguf_metadata(*r.gguf);
  const std::string arch = r.gguf->get_string("general.architecture");
  auto weights = nn::make_gguf_weights(r.gguf);
  if (is_llama_family(arch)) {
    r.model = std::make_shared<LlamaModel>(LlamaConfig::from_gguf(*r.gguf), *weights);
  } else if (arch == "gpt2") {
    r.model = std::make_shared<Gpt2Model>(Gpt2Config::from_gguf(*r.gguf), *weights);
  } else {
    throw Error(Status::unsupported, fmt::format("{}: unknown architecture '{}' (supported: {})",
                                                 path, arch, supported_language_architectures()));
  }
  return r;
}

LoadedLanguageModel load_safetensors(const std::string &path, const std::string &dir) {
  const std::string config_path = dir + "/config.json";
  std::ifstream in(config_path);
  AIGC_CHECK(in.good(), Status::io_error,
             "{}: safetensors models need the Hugging Face config.json beside them ('{}' not found)",
             path, config_path);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception &e) {
    throw Error(Status::invalid_format, fmt::format("{}: not valid JSON: {}", config_path, e.what()));
  }
  AIGC_CHECK(config.is_object(), Status::invalid_format, "{}: not a JSON object", config_path);
  LoadedLanguageModel r;
  r.format = "safetensors";
  for (const auto &[key, v] : config.items()) {
    if (v.is_string()) r.metadata[key] = v.get<std::string>();
    else if (v.is_primitive()) r.metadata[key] = v.dump();
  }
  const std::string arch = config.value("model_type", std::string());
  auto weights = nn::make_safetensors_weights(io::SafetensorsSet::open(path), path);
  try {
    if (is_llama_family(arch)) {
      r.model = std::make_shared<LlamaModel>(LlamaConfig::from_hf_config(config), *weights);
    } else if (arch == "gpt2") {
      r.model = std::make_shared<Gpt2Model>(Gpt2Config::from_hf_config(config), *weights);
    } else {
      throw Error(Status::unsupported,
                  fmt::format("{}: unknown model_type '{}' (supported: {})", config_path, arch,
                              supported_language_architectures()));
    }
  } catch (const nlohmann::json::exception &e) {
    throw Error(Status::invalid_format, fmt::format("{}: bad value: {}", config_path, e.what()));
  }
  return r;
}

LoadedLanguageModel load_llama2c(const std::string &path) {
  LoadedLanguageModel r;
  r.format = "llama2c";
  const io::Llama2cCheckpoint ckpt = io::load_llama2c_checkpoint(path);
  auto weights = llama2c_weights(ckpt, path);
  r.model = std::make_shared<LlamaModel>(LlamaConfig::from_llama2c(ckpt.config), *weights);
  r.metadata["general.architecture"] = "llama";
  r.metadata["llama2c.seq_len"] = std::to_string(ckpt.config.seq_len);
  return r;
}

}  // namespace

const char *supported_language_architectures() { return "llama, mistral, qwen2, gpt2"; }

LoadedLanguageModel load_language_model(const std::string &path, Backend *backend) {
  AIGC_CHECK(!path.empty(), Status::invalid_argument, "model path is empty");
  LoadedLanguageModel r;
  if (is_directory(path)) {
    const std::string index = path + "/model.safetensors.index.json";
    const std::string single = path + "/model.safetensors";
    AIGC_CHECK(std::ifstream(index).good() || std::ifstream(single).good(), Status::io_error,
               "'{}' is a directory without model.safetensors or model.safetensors.index.json", path);
    r = load_safetensors(path, path);
    r.directory = path;
  } else {
    const std::string magic = read_magic(path);
    if (magic == "GGUF") {
      r = load_gguf(path);
    } else if (ends_with(path, ".safetensors") || ends_with(path, ".json")) {
      r = load_safetensors(path, parent_dir(path));
    } else {
      r = load_llama2c(path);
    }
    r.directory = parent_dir(path);
  }
  r.path = path;
  if (backend) {
    // The model was created non-const a moment ago and nobody else holds it yet.
    const_cast<LanguageModel &>(*r.model).place_weights(*backend);
  }
  return r;
}

}  // namespace aigc::models
