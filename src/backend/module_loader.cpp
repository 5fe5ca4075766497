#include "backend/module_loader.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "aigc/aigc.h"

namespace aigc {
namespace {

using VersionFn = const char *(*)();
using CreateFn = Backend *(*)(char *why, size_t why_size);

// The file this code was loaded from: libaigc.so.N when it runs inside the shared
// library, the program (or a Python extension) when it was linked statically.
std::string own_file() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void *>(&load_backend_module), &info) || !info.dli_fname)
    return {};
  return info.dli_fname;
}

bool is_shared_library(const std::string &file) {
  const size_t slash = file.rfind('/');
  const std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
  return base.rfind("libaigc.so", 0) == 0;
}

std::string folder_of(const std::string &file) {
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? std::string(".") : file.substr(0, slash);
}

bool is_folder(const std::string &path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string &path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// The candidate files, in search order: AIGC_BACKEND_PATH, then beside libaigc.so.
std::vector<std::string> candidates(const std::string &file_name, const std::string &library) {
  std::vector<std::string> out;
  if (const char *env = std::getenv("AIGC_BACKEND_PATH"); env && *env) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      std::string entry = list.substr(start, end - start);
      if (!entry.empty()) out.push_back(is_folder(entry) ? entry + "/" + file_name : entry);
      start = end + 1;
    }
  }
  out.push_back(folder_of(library) + "/" + file_name);
  return out;
}

}  // namespace

std::string backend_module_file_name(std::string_view name) {
  return "libaigc-" + std::string(name) + ".so";
}

Backend *load_backend_module(std::string_view name, std::string *why) {
  const std::string file_name = backend_module_file_name(name);
  const std::string library = own_file();
  if (!is_shared_library(library)) {
    *why = "this program links the static library, which has no " + std::string(name) +
           " backend unless it is linked in (aigc::aigc_" + std::string(name) +
           "_static, whole archive); " + file_name + " modules load only into libaigc.so";
    return nullptr;
  }
  std::string looked;
  for (const std::string &path : candidates(file_name, library)) {
    if (!exists(path)) {
      looked += (looked.empty() ? "" : ", ") + path;
      continue;
    }
    // RTLD_LOCAL: the module's symbols stay private; it resolves the core's against
    // libaigc.so, already loaded. Never closed: its backend lives for the process.
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *err = dlerror();
      *why = "cannot load " + path + ": " + (err ? err : "unknown dlopen error");
      return nullptr;
    }
    auto version = reinterpret_cast<VersionFn>(dlsym(handle, "aigc_backend_module_version"));
    auto create = reinterpret_cast<CreateFn>(dlsym(handle, "aigc_backend_module_create"));
    if (!version || !create) {
      *why = path + " is not an aigc backend module (no aigc_backend_module_create)";
      return nullptr;
    }
    if (std::strcmp(version(), AIGC_VERSION_STRING) != 0) {
      *why = path + " was built for aigc " + version() + ", this is aigc " AIGC_VERSION_STRING;
      return nullptr;
    }
    char message[512] = {};
    Backend *backend = create(message, sizeof message);
    if (!backend) *why = message[0] ? message : "the module could not create its backend";
    return backend;
  }
  *why = file_name + " not found (looked in: " + looked +
         "; set AIGC_BACKEND_PATH to the folder that has it)";
  return nullptr;
}

}  // namespace aigc
