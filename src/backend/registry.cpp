#include "backend/registry.hpp"

#include <memory>
#include <mutex>

#include "backend/factories.hpp"
#include "backend/module_loader.hpp"
#include "core/check.hpp"

namespace aigc {
namespace {

struct Slot {
  std::once_flag once;
  std::unique_ptr<Backend> backend;
  std::string why;
};

// A factory linked into the program (the static CUDA archive) wins over the module.
BackendFactory &linked_cuda_factory() {
  static BackendFactory factory = nullptr;
  return factory;
}

Slot *slot_for(std::string_view name) {
  static Slot ref, cpu, cuda;
  if (name == "ref") {
    std::call_once(ref.once, [] { ref.backend = create_ref_backend(); });
    return &ref;
  }
  if (name == "cpu") {
    std::call_once(cpu.once, [] { cpu.backend = create_cpu_backend(); });
    return &cpu;
  }
  if (name == "cuda") {
    std::call_once(cuda.once, [] {
      BackendFactory f = linked_cuda_factory();
      cuda.backend.reset(f ? f(&cuda.why) : load_backend_module("cuda", &cuda.why));
    });
    return &cuda;
  }
  return nullptr;
}

}  // namespace

bool backend_available(std::string_view name, std::string *why) {
  Slot *s = slot_for(name);
  if (!s) {
    if (why) *why = "unknown backend '" + std::string(name) + "'";
    return false;
  }
  if (!s->backend && why) *why = s->why;
  return s->backend != nullptr;
}

Backend &get_backend(std::string_view name) {
  std::string why;
  AIGC_CHECK(backend_available(name, &why), Status::backend_unavailable, "backend '{}': {}",
             name, why);
  return *slot_for(name)->backend;
}

std::vector<std::string> backend_names() { return {"ref", "cpu", "cuda"}; }

void register_backend_factory(std::string_view name, BackendFactory factory) {
  AIGC_CHECK(name == "cuda", Status::invalid_argument,
             "register_backend_factory: only 'cuda' comes from outside the core, not '{}'", name);
  linked_cuda_factory() = factory;
}

}  // namespace aigc
