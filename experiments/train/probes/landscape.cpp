// landscape: the loss along the gradient (Santurkar et al. 2018, section 3.1): at the step's
// parameters w and gradient g, L(w − η g) on the step's batch for η = m × lr, m in probe_lrs.
// Rows (layer "model"): "loss@m" per grid point, "loss" at w itself (the step's loss),
// "loss_min", "loss_max" and "spread" = max − min over the grid and w (the width of their
// Figure 4's band at one step; inf when a point is not finite). One forward per grid point.
#include <algorithm>
#include <cmath>
#include <limits>

#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

template <class T>
class Landscape final : public Probe<T> {
 public:
  void before_update(ProbeContext<T>& c) override {
    if (names_.size() != c.lrs.size())
      for (double m : c.lrs)
        names_.push_back(at_multiple("loss", m));  // once: the grid is fixed for a run
    double low = c.loss, high = c.loss;
    bool finite = std::isfinite(c.loss);
    for (std::size_t k = 0; k < c.lrs.size(); ++k) {
      set_parameters(c.parameters, c.at_step.parameter_values(), c.at_step.gradient_values().data(),
                     -c.lrs[k] * c.lr);
      const double loss = c.loss_at(false);
      c.sink.probe(c.step, model_, name_, names_[k], loss);
      finite = finite && std::isfinite(loss);
      low = std::min(low, loss);
      high = std::max(high, loss);
    }
    const double inf = std::numeric_limits<double>::infinity();
    c.sink.probe(c.step, model_, name_, loss_, c.loss);
    c.sink.probe(c.step, model_, name_, loss_min_, finite ? low : -inf);
    c.sink.probe(c.step, model_, name_, loss_max_, finite ? high : inf);
    c.sink.probe(c.step, model_, name_, spread_, finite ? high - low : inf);
  }

 private:
  std::vector<std::string> names_;
  const std::string name_ = "landscape", model_ = "model", loss_ = "loss", loss_min_ = "loss_min",
                    loss_max_ = "loss_max", spread_ = "spread";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec&, Model<T>&) {
  return std::make_unique<Landscape<T>>();
}

}  // namespace

ProbeInfo landscape_info() {
  return kind_entry<ProbeInfo>("landscape",
                               "loss along the gradient (Santurkar et al. 2018, 3.1): L(w - eta g) for eta = "
                               "probe_lrs x lr, and its spread max - min",
                               {}, {make<float>, make<double>});
}

}  // namespace normlab
