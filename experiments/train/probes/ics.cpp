// ics: internal covariate shift as Santurkar et al. 2018 ("How Does Batch Normalization Help
// Optimization?", section 2.2) define it. For each layer i with parameters W_i:
//   G  = ∇_{W_i} L(W_1, ..., W_k; x, y)                        the step's gradient, before the update
//   G′ = ∇_{W_i} L(W′_1, ..., W′_{i−1}, W_i, ..., W_k; x, y)   the same batch after layers 1 … i−1
//                                                              took this step's update W → W′
// and reports ‖G − G′‖₂ ("ics_l2"), cos(G, G′) ("ics_cos") and ‖G‖₂ ("grad_l2"). A layer's W is
// all its parameters together (a normalization layer's γ and β are a layer too). The passes replay
// the step's dropout masks, so G′ differs from G only through the earlier layers' update. The
// first layer's G′ is G by definition (nothing below it moved), recorded without a pass; every
// other layer costs one forward and backward.
#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

template <class T>
class InternalCovariateShift final : public Probe<T> {
 public:
  explicit InternalCovariateShift(Model<T>& model) : groups_(parameter_groups(model)) {}

  void after_update(ProbeContext<T>& c) override {
    const std::vector<T>& w = c.at_step.parameter_values();
    const std::vector<T>& g = c.at_step.gradient_values();
    const std::vector<T>& updated = c.after_update->parameter_values();
    mixed_ = w;  // layers before the current one updated, the rest as at the step
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      const ParameterGroup& group = groups_[i];
      const double g_norm = distance<T, T>(g.data(), nullptr, group.begin, group.end);
      double diff = 0, cos = 1;
      if (i > 0) {
        const ParameterGroup& below = groups_[i - 1];
        std::copy(updated.begin() + std::ptrdiff_t(below.begin), updated.begin() + std::ptrdiff_t(below.end),
                  mixed_.begin() + std::ptrdiff_t(below.begin));
        set_parameters<T, T>(c.parameters, mixed_, nullptr, 0);
        c.loss_at(true);
        read_gradients(c.parameters, shifted_);
        diff = distance(g.data(), shifted_.data(), group.begin, group.end);
        cos = cosine(dot(g.data(), shifted_.data(), group.begin, group.end), g_norm,
                     distance<T, T>(shifted_.data(), nullptr, group.begin, group.end));
      }
      c.sink.probe(c.step, group.layer, name_, ics_l2_, diff);
      c.sink.probe(c.step, group.layer, name_, ics_cos_, cos);
      c.sink.probe(c.step, group.layer, name_, grad_l2_, g_norm);
    }
  }

 private:
  std::vector<ParameterGroup> groups_;
  std::vector<T> mixed_, shifted_;  // flat parameters and gradients, allocated once
  const std::string name_ = "ics", ics_l2_ = "ics_l2", ics_cos_ = "ics_cos", grad_l2_ = "grad_l2";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec&, Model<T>& model) {
  return std::make_unique<InternalCovariateShift<T>>(model);
}

}  // namespace

ProbeInfo ics_info() {
  ProbeTraits traits;
  traits.after_update = true;
  return kind_entry<ProbeInfo>(
      "ics",
      "internal covariate shift (Santurkar et al. 2018, 2.2): per layer, ||G - G'|| and "
      "cos(G, G') of its gradient before and after the layers below it took the step",
      {}, {make<float>, make<double>}, traits);
}

}  // namespace normlab
