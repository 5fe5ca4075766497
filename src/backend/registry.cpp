#include "backend/registry.hpp"

#include <memory>
#include <mutex>

#include "backend/factories.hpp"
#include "core/check.hpp"

namespace aigc {
namespace {

struct Slot {
  std::once_flag once;
  std::unique_ptr<Backend> backend;
  std::string why;
};

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
    std::call_once(cuda.once, [] { cuda.backend = create_cuda_backend(&cuda.why); });
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

}  // namespace aigc
