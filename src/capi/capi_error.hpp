// The boundary: every C function body runs inside guard(), which turns exceptions into
// an aigc_status and the thread-local last-error message.
#pragma once

#include <new>
#include <string>

#include "aigc/aigc.h"
#include "aigc/core/error.hpp"

namespace aigc::capi {

void set_last_error(const std::string &message);
void clear_last_error();

template <class Fn>
aigc_status guard(Fn &&fn) noexcept {
  try {
    fn();
    return AIGC_STATUS_OK;
  } catch (const Error &e) {
    set_last_error(e.what());
    return static_cast<aigc_status>(e.status());
  } catch (const std::bad_alloc &) {
    set_last_error("out of memory");
    return AIGC_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception &e) {
    set_last_error(std::string("internal error: ") + e.what());
    return AIGC_STATUS_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return AIGC_STATUS_INTERNAL;
  }
}

}  // namespace aigc::capi
