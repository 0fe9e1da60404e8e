// init_gradients: gradient explosion at initialization (Yang et al. 2019, "A Mean Field Theory of
// Batch Normalization"): the gradient of the first step's loss at the initial weights, per weight
// layer l = 1 … L (the layers with parameters that are not normalization layers, in order; a
// layer's gradient is that of all its parameters, weight and bias together). Rows at step 0 (the
// initial weights): per layer "depth" l, "grad_norm" ‖∂L/∂W_l‖₂ and "log_grad_norm" its natural
// log; for layer "model", "slope" — the least-squares slope of log ‖∂L/∂W_l‖ against l over the
// layers with a non-zero gradient (0 with fewer than two): negative when gradients grow towards
// the input, as Yang et al. find for deep batch-normalized networks. No extra pass: the first
// step's own gradient is the one at initialization.
#include <cmath>

#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

template <class T>
class InitGradients final : public Probe<T> {
 public:
  explicit InitGradients(Model<T>& model) {
    for (const ParameterGroup& group : parameter_groups(model))
      if (!group.normalization) groups_.push_back(group);
  }

  void before_update(ProbeContext<T>& c) override {
    const std::vector<T>& g = c.at_step.gradient_values();
    double sum_l = 0, sum_y = 0, sum_ll = 0, sum_ly = 0;
    std::size_t count = 0;
    for (std::size_t l = 0; l < groups_.size(); ++l) {
      const double depth = double(l + 1);
      const double norm = distance<T, T>(g.data(), nullptr, groups_[l].begin, groups_[l].end);
      c.sink.probe(0, groups_[l].layer, name_, depth_, depth);
      c.sink.probe(0, groups_[l].layer, name_, grad_norm_, norm);
      if (!(norm > 0) || !std::isfinite(norm)) continue;
      const double y = std::log(norm);
      c.sink.probe(0, groups_[l].layer, name_, log_grad_norm_, y);
      sum_l += depth, sum_y += y, sum_ll += depth * depth, sum_ly += depth * y;
      ++count;
    }
    const double n = double(count), denominator = n * sum_ll - sum_l * sum_l;
    c.sink.probe(0, model_, name_, slope_,
                 count >= 2 && denominator > 0 ? (n * sum_ly - sum_l * sum_y) / denominator : 0);
  }

 private:
  std::vector<ParameterGroup> groups_;
  const std::string name_ = "init_gradients", model_ = "model", depth_ = "depth", grad_norm_ = "grad_norm",
                    log_grad_norm_ = "log_grad_norm", slope_ = "slope";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec&, Model<T>& model) {
  return std::make_unique<InitGradients<T>>(model);
}

}  // namespace

ProbeInfo init_gradients_info() {
  ProbeTraits traits;
  traits.first_step_only = true;
  return kind_entry<ProbeInfo>(
      "init_gradients",
      "gradient norm per weight layer at initialization (step 0) against depth, and the "
      "least-squares slope of its log (Yang et al. 2019)",
      {}, {make<float>, make<double>}, traits);
}

}  // namespace normlab
