#include "experiments/optim/optimizer.hpp"

#include "experiments/optim/adam.hpp"
#include "experiments/optim/sgd.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

double in_unit_interval(const Spec& spec, const std::string& key, bool include_one) {
  const double v = spec.get_double(key);
  if (v < 0 || v > 1 || (!include_one && v == 1)) spec.fail(key, include_one ? "expected [0, 1]" : "expected [0, 1)");
  return v;
}

double non_negative(const Spec& spec, const std::string& key) {
  const double v = spec.get_double(key);
  if (v < 0) spec.fail(key, "expected >= 0");
  return v;
}

SgdOptions sgd_options(const Spec& spec) {
  SgdOptions o;
  o.momentum = in_unit_interval(spec, "momentum", false);
  o.dampening = in_unit_interval(spec, "dampening", true);
  o.nesterov = spec.get_bool("nesterov");
  o.weight_decay = non_negative(spec, "weight_decay");
  o.decay_1d = spec.get_bool("decay_1d");
  // PyTorch refuses the same combination.
  if (o.nesterov && (o.momentum == 0 || o.dampening != 0))
    spec.fail("nesterov", "Nesterov momentum needs momentum > 0 and dampening = 0");
  return o;
}

AdamOptions adam_options(const Spec& spec, bool decoupled_weight_decay) {
  AdamOptions o;
  o.beta1 = in_unit_interval(spec, "beta1", false);
  o.beta2 = in_unit_interval(spec, "beta2", false);
  o.eps = spec.get_double("eps");
  if (o.eps <= 0) spec.fail("eps", "expected > 0");
  o.weight_decay = non_negative(spec, "weight_decay");
  o.decoupled_weight_decay = decoupled_weight_decay;
  o.decay_1d = spec.get_bool("decay_1d");
  return o;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_sgd(const Spec& spec, const std::vector<ParameterRef<T>>& parameters) {
  return std::make_unique<Sgd<T>>(parameters, sgd_options(spec));
}

template <class T>
std::unique_ptr<Optimizer<T>> make_adam(const Spec& spec, const std::vector<ParameterRef<T>>& parameters) {
  return std::make_unique<Adam<T>>(parameters, adam_options(spec, /*decoupled_weight_decay=*/false));
}

template <class T>
std::unique_ptr<Optimizer<T>> make_adamw(const Spec& spec, const std::vector<ParameterRef<T>>& parameters) {
  return std::make_unique<Adam<T>>(parameters, adam_options(spec, /*decoupled_weight_decay=*/true));
}

}  // namespace

// The key every optimizer takes alike (read by sgd_options and adam_options).
const KeyInfo decay_1d_key{
    "decay_1d", "true",
    "false: no weight decay on parameters of fewer than two dims (biases, norm gains), "
    "as nanoGPT"};

const KindRegistry<OptimizerInfo>& optimizer_registry() {
  static const KindRegistry<OptimizerInfo> registry(
      "optimizer",
      {kind_entry<OptimizerInfo>(
           "sgd", "stochastic gradient descent (torch.optim.SGD)",
           {{"momentum", "0", "momentum factor, in [0, 1)"},
            {"dampening", "0", "dampening of the momentum, in [0, 1]"},
            {"nesterov", "false", "Nesterov momentum (needs momentum > 0 and dampening = 0)"},
            {"weight_decay", "0", "L2 penalty added to the gradient, >= 0"},
            decay_1d_key},
           {make_sgd<float>, make_sgd<double>}, {}, [](const Spec& s) { sgd_options(s); }),
       kind_entry<OptimizerInfo>("adam", "Adam with bias correction (torch.optim.Adam)",
                                 {{"beta1", "0.9", "decay of the first moment, in [0, 1)"},
                                  {"beta2", "0.999", "decay of the second moment, in [0, 1)"},
                                  {"eps", "1e-8", "added to the denominator, > 0"},
                                  {"weight_decay", "0", "L2 penalty added to the gradient, >= 0"},
                                  decay_1d_key},
                                 {make_adam<float>, make_adam<double>}, {},
                                 [](const Spec& s) { adam_options(s, false); }),
       kind_entry<OptimizerInfo>(
           "adamw", "Adam with decoupled weight decay (torch.optim.AdamW)",
           {{"beta1", "0.9", "decay of the first moment, in [0, 1)"},
            {"beta2", "0.999", "decay of the second moment, in [0, 1)"},
            {"eps", "1e-8", "added to the denominator, > 0"},
            {"weight_decay", "0.01", "decoupled decay: p *= 1 - lr * weight_decay each step, >= 0"},
            decay_1d_key},
           {make_adamw<float>, make_adamw<double>}, {}, [](const Spec& s) { adam_options(s, true); })});
  return registry;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& text, const std::vector<ParameterRef<T>>& parameters) {
  const Spec spec = optimizer_registry().check(text);
  return optimizer_registry().find(spec.kind()).make.template get<T>()(spec, parameters);
}

void validate_optimizer_spec(const std::string& text) { optimizer_registry().check(text); }

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const std::string&,
                                                                  const std::vector<ParameterRef<float>>&);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const std::string&,
                                                                    const std::vector<ParameterRef<double>>&);

}  // namespace normlab
