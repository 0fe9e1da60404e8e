// predictiveness: gradient predictiveness and effective β-smoothness (Santurkar et al. 2018,
// section 3.1). At the step's parameters w and gradient g = ∇L(w), for η = m × lr (m in probe_lrs):
//   "grad_diff@m"     ‖∇L(w) − ∇L(w − η g)‖₂                 how well g predicts the gradient ahead
//   "beta_smoothness" max_η ‖∇L(w) − ∇L(w − η g)‖₂ / ‖η g‖₂  over the finite points of the grid
//   "grad_l2"         ‖g‖₂
// (layer "model"), all on the step's batch. A zero gradient has nothing ahead to predict: its
// β-smoothness is recorded as 0. One forward and backward per grid point.
#include <algorithm>
#include <cmath>

#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

template <class T>
class Predictiveness final : public Probe<T> {
 public:
  void before_update(ProbeContext<T>& c) override {
    if (names_.size() != c.lrs.size())
      for (double m : c.lrs)
        names_.push_back(at_multiple("grad_diff", m));  // once: the grid is fixed for a run
    const std::vector<T>& g = c.at_step.gradient_values();
    const double g_norm = distance<T, T>(g.data(), nullptr, 0, g.size());
    double beta = 0;
    for (std::size_t k = 0; k < c.lrs.size(); ++k) {
      const double eta = c.lrs[k] * c.lr;
      set_parameters(c.parameters, c.at_step.parameter_values(), g.data(), -eta);
      c.loss_at(true);
      read_gradients(c.parameters, ahead_);
      const double diff = distance(g.data(), ahead_.data(), 0, g.size());
      c.sink.probe(c.step, model_, name_, names_[k], diff);
      if (g_norm > 0 && std::isfinite(diff)) beta = std::max(beta, diff / (eta * g_norm));
    }
    c.sink.probe(c.step, model_, name_, beta_, beta);
    c.sink.probe(c.step, model_, name_, grad_l2_, g_norm);
  }

 private:
  std::vector<std::string> names_;
  std::vector<T> ahead_;  // ∇L(w − η g), flat, allocated once
  const std::string name_ = "predictiveness", model_ = "model", beta_ = "beta_smoothness",
                    grad_l2_ = "grad_l2";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec&, Model<T>&) {
  return std::make_unique<Predictiveness<T>>();
}

}  // namespace

ProbeInfo predictiveness_info() {
  return kind_entry<ProbeInfo>(
      "predictiveness",
      "gradient predictiveness (Santurkar et al. 2018, 3.1): ||grad L(w) - grad L(w - eta g)|| "
      "for eta = probe_lrs x lr, and the effective beta-smoothness",
      {}, {make<float>, make<double>});
}

}  // namespace normlab
