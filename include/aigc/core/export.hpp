// Symbol visibility for the C++ core. The shared library exports only the C ABI
// (aigc.h); the C++ core is consumed through the static library, so AIGC_CXX_API
// is empty by default and exists to keep one place to change that decision.
#pragma once

#ifndef AIGC_CXX_API
#define AIGC_CXX_API
#endif
