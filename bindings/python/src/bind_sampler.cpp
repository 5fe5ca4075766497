// Area: token samplers (aigc::Sampler of aigc.hpp; semantics in docs/SAMPLING.md).
//
// Sampler(**params) is the library's standard chain; the static methods make single stages
// that Sampler.chain() combines with add(). sample() reads a float32 numpy row without
// copying it (other dtypes are converted once).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <vector>

#include "common.hpp"

namespace aigc_py {

namespace {

aigc::Sampler &live(aigc::Sampler &s) {
  if (!s)
    throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                            "this sampler was added to a chain: use the chain instead");
  return s;
}

}  // namespace

void bind_sampler(py::module_ &m) {
  py::class_<aigc::Sampler>(
      m, "Sampler",
      "Picks token ids from logits. Sampler(temperature=0.8, top_k=40, top_p=0.95, "
      "min_p=0.05, typical_p=1.0, penalty_last_n=64, repeat_penalty=1.0, "
      "frequency_penalty=0.0, presence_penalty=0.0, seed=0) builds the standard chain "
      "(penalties, top-k, typical, top-p, min-p, temperature, dist; temperature 0 is "
      "greedy); arguments left as None take the library's defaults. Out-of-range values "
      "raise InvalidArgument naming the parameter. A sampler is used by one thread at a time.")
      .def(py::init([](std::optional<float> temperature, std::optional<int32_t> top_k,
                       std::optional<float> top_p, std::optional<float> min_p,
                       std::optional<float> typical_p, std::optional<int32_t> penalty_last_n,
                       std::optional<float> repeat_penalty, std::optional<float> frequency_penalty,
                       std::optional<float> presence_penalty, std::optional<uint64_t> seed) {
             aigc_sampler_params p = aigc::sampler_params();
             if (temperature) p.temperature = *temperature;
             if (top_k) p.top_k = *top_k;
             if (top_p) p.top_p = *top_p;
             if (min_p) p.min_p = *min_p;
             if (typical_p) p.typical_p = *typical_p;
             if (penalty_last_n) p.penalty_last_n = *penalty_last_n;
             if (repeat_penalty) p.repeat_penalty = *repeat_penalty;
             if (frequency_penalty) p.frequency_penalty = *frequency_penalty;
             if (presence_penalty) p.presence_penalty = *presence_penalty;
             if (seed) p.seed = *seed;
             return aigc::Sampler(p);
           }),
           py::kw_only(), py::arg("temperature") = py::none(), py::arg("top_k") = py::none(),
           py::arg("top_p") = py::none(), py::arg("min_p") = py::none(),
           py::arg("typical_p") = py::none(), py::arg("penalty_last_n") = py::none(),
           py::arg("repeat_penalty") = py::none(), py::arg("frequency_penalty") = py::none(),
           py::arg("presence_penalty") = py::none(), py::arg("seed") = py::none())
      .def_static("chain", &aigc::Sampler::chain, "An empty chain; add stages with add().")
      .def_static("greedy", &aigc::Sampler::greedy, "Stage: the highest logit (ties: lowest id).")
      .def_static("temperature", &aigc::Sampler::temperature, py::arg("t"),
                  "Stage: logits /= t (t >= 0; 0 keeps only the argmax).")
      .def_static("top_k", &aigc::Sampler::top_k, py::arg("k"),
                  "Stage: keeps the k best (k <= 0: off).")
      .def_static("top_p", &aigc::Sampler::top_p, py::arg("p"), py::arg("min_keep") = 1,
                  "Stage: nucleus sampling, 0 < p <= 1.")
      .def_static("min_p", &aigc::Sampler::min_p, py::arg("p"), py::arg("min_keep") = 1,
                  "Stage: drops tokens below p x the top probability, 0 <= p <= 1.")
      .def_static("typical", &aigc::Sampler::typical, py::arg("p"), py::arg("min_keep") = 1,
                  "Stage: locally typical sampling, 0 < p <= 1.")
      .def_static("penalties", &aigc::Sampler::penalties, py::arg("last_n"), py::arg("repeat"),
                  py::arg("frequency") = 0.0f, py::arg("presence") = 0.0f,
                  "Stage: repetition (CTRL) and frequency/presence (OpenAI) penalties over "
                  "the last `last_n` accepted tokens.")
      .def_static(
          "logit_bias",
          [](const std::map<int32_t, float> &bias) {
            std::vector<int32_t> ids;
            std::vector<float> values;
            for (const auto &kv : bias) {
              ids.push_back(kv.first);
              values.push_back(kv.second);
            }
            return aigc::Sampler::logit_bias(ids, values);
          },
          py::arg("bias"), "Stage: logit += bias[id] for each {id: bias} (-inf bans).")
      .def_static("dist", &aigc::Sampler::dist, py::arg("seed"),
                  "Stage: softmax, then draws a token with the seeded RNG.")
      .def(
          "add",
          [](aigc::Sampler &self, aigc::Sampler &stage) -> aigc::Sampler & {
            if (&self == &stage)
              throw aigc::StatusError(AIGC_STATUS_INVALID_ARGUMENT,
                                      "a sampler cannot be added to itself");
            live(stage);
            return live(self).add(std::move(stage));
          },
          py::arg("stage"), py::return_value_policy::reference_internal,
          "Appends `stage` to this chain and returns the chain. The chain takes the stage "
          "over: the stage object is empty afterwards.")
      .def(
          "sample",
          [](aigc::Sampler &self,
             py::array_t<float, py::array::c_style | py::array::forcecast> logits) {
            if (logits.ndim() != 1)
              throw aigc::StatusError(
                  AIGC_STATUS_INVALID_ARGUMENT,
                  "sample: logits must be one row (1-D); pass logits[i] for row i");
            aigc::Sampler &s = live(self);
            const float *data = logits.data();
            const auto n = static_cast<int32_t>(logits.shape(0));
            py::gil_scoped_release release;
            return s.sample(data, n);
          },
          py::arg("logits"),
          "Picks a token id from one row of logits (not modified; float32 rows are read in "
          "place). Does not call accept().")
      .def("accept", [](aigc::Sampler &self, int32_t token) { live(self).accept(token); },
           py::arg("token"), "Tells the sampler a token joined the sequence (penalty history).")
      .def("reset", [](aigc::Sampler &self) { live(self).reset(); },
           "Clears the history and re-seeds the RNG.")
      .def("__bool__", [](const aigc::Sampler &self) { return static_cast<bool>(self); },
           "False once the sampler was added to a chain.");
}

}  // namespace aigc_py
