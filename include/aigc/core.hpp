// The public C++ tensor core (link aigc::aigc_static). The C ABI is aigc.h.
#pragma once

#include "aigc/core/device.hpp"
#include "aigc/core/dtype.hpp"
#include "aigc/core/error.hpp"
#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"
#include "aigc/core/shape.hpp"
#include "aigc/core/storage.hpp"
#include "aigc/core/tensor.hpp"
