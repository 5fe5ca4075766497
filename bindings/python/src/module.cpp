// aigc._aigc: registers the areas of the binding, nothing else (one file per area).
#include "common.hpp"

PYBIND11_MODULE(_aigc, m) {
  m.doc() = "Native core of the aigc package (pybind11 over the aigc C API). Use the "
            "Pythonic API in the `aigc` package rather than this module directly.";
  aigc_py::bind_errors(m);
  aigc_py::bind_model(m);
  aigc_py::bind_sampler(m);
  aigc_py::bind_generate(m);
  aigc_py::bind_images(m);
}
