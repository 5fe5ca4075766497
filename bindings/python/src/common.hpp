// Shared declarations of the aigc._aigc extension: the handle types every area uses and
// one registration function per area (module.cpp calls them in order).
//
// Only the public interface is used: aigc/aigc.h and its C++ wrapper aigc/aigc.hpp.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>

#include "aigc/aigc.hpp"

namespace aigc_py {

namespace py = pybind11;

// Python's Model object owns a shared_ptr<aigc::Model>; every Context made from it holds
// another reference, so the model outlives its contexts whatever Python frees first.
using ModelPtr = std::shared_ptr<aigc::Model>;

// A context plus the model it was made from. `busy` guards the one-thread-at-a-time rule:
// a second thread entering decode/generate while the first runs gets InvalidArgument
// instead of a data race.
struct ContextHandle {
  ModelPtr model;
  aigc::Context ctx;
  std::atomic<bool> busy{false};
};
using ContextPtr = std::shared_ptr<ContextHandle>;

// Marks a context busy for the scope; throws StatusError(INVALID_ARGUMENT) if it already is.
class BusyGuard {
 public:
  explicit BusyGuard(ContextHandle &h) : h_(h) {
    bool expected = false;
    if (!h_.busy.compare_exchange_strong(expected, true))
      throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                              "context is in use by another thread (a context serves one call "
                              "at a time; make one context per thread)");
  }
  ~BusyGuard() { h_.busy.store(false); }
  BusyGuard(const BusyGuard &) = delete;
  BusyGuard &operator=(const BusyGuard &) = delete;

 private:
  ContextHandle &h_;
};

// UTF-8 bytes -> str, invalid sequences replaced by U+FFFD (never raises).
py::str decode_utf8(const char *data, size_t size);

void bind_errors(py::module_ &m);
void bind_model(py::module_ &m);
void bind_sampler(py::module_ &m);
void bind_generate(py::module_ &m);
void bind_images(py::module_ &m);

}  // namespace aigc_py
