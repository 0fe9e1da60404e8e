// layer_norms: per-layer statistics of the step, beyond layer_stats.csv's feature 0. No extra pass:
// it reads the step's parameters, gradients and the layers' inputs of the step's own forward.
//   every parameter ("0.weight", ...)       "weight_norm" ‖W‖₂, "grad_norm" ‖∇W‖₂ (their ratio is
//                                           the effective learning rate of a scale-invariant weight)
//   every normalizer's parameters (γ, β)    also "mean" and "std" (population) of their entries
//   every normalization layer's input and   over all features (channels; over the batch and any
//   every activation layer's input          spatial dims per feature): "feature_mean_mean",
//                                           "feature_mean_std", "feature_std_mean", "feature_std_std"
//                                           (mean and std over features of the per-feature means and stds)
//   sigmoid and tanh activations            "saturated_fraction": of the units × samples whose local
//                                           derivative is below 1% of its maximum (σ(1−σ) < 0.0025,
//                                           1 − tanh² < 0.01)
//   relu activations                        "dead_fraction": of the features whose input is ≤ 0 for
//                                           every sample and position of the batch
// Layers are named as in layer_stats.csv ("<layer index>" or "<layer index>.<sublayer>").
#include <cmath>
#include <set>

#include "experiments/layers/activation.hpp"
#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

struct MeanStd {
  double mean = 0, std = 0;
};

// Two passes: the mean, then the squared deviations from it.
template <class V>
MeanStd mean_std(const V* values, std::size_t n) {
  if (n == 0) return {};
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j)
    sum += double(values[j]);
  const double mean = sum / double(n);
  double squares = 0;
  for (std::size_t j = 0; j < n; ++j)
    squares += (double(values[j]) - mean) * (double(values[j]) - mean);
  return {mean, std::sqrt(squares / double(n))};
}

template <class T>
class LayerNorms final : public Probe<T> {
 public:
  explicit LayerNorms(Model<T>& model) {
    for (std::size_t i = 0; i < model.layers().size(); ++i)
      watch(std::to_string(i), *model.layers()[i]);
    for (const auto& p : model.parameters())
      parameters_.push_back({p, normalizer_values_.count(p.value) > 0});
  }

  void before_update(ProbeContext<T>& c) override {
    for (const auto& [p, of_normalizer] : parameters_) {
      const std::size_t n = p.value->size();
      c.sink.probe(c.step, p.name, name_, weight_norm_, distance<T, T>(p.value->data(), nullptr, 0, n));
      c.sink.probe(c.step, p.name, name_, grad_norm_, distance<T, T>(p.grad->data(), nullptr, 0, n));
      if (!of_normalizer) continue;
      const MeanStd stats = mean_std(p.value->data(), n);
      c.sink.probe(c.step, p.name, name_, mean_, stats.mean);
      c.sink.probe(c.step, p.name, name_, std_, stats.std);
    }
    for (const Watched& watched : watched_)
      record(c, watched);
  }

 private:
  struct Watched {
    std::string name;
    Layer<T>* layer;
    const Activation<T>* activation;  // null for a normalization layer
  };

  void watch(const std::string& name, Layer<T>& layer) {
    if (Normalizer<T>* normalizer = layer.activation_normalizer()) {
      watched_.push_back({name, &layer, nullptr});
      for (const auto& p : normalizer->parameters())
        normalizer_values_.insert(p.value);
    }
    if (const auto* activation = dynamic_cast<const Activation<T>*>(&layer))
      watched_.push_back({name, &layer, activation});
    for (const auto& [sub_name, sublayer] : layer.sublayers())
      watch(name + "." + sub_name, *sublayer);
  }

  void record(ProbeContext<T>& c, const Watched& watched) {
    const Tensor<T>* x = watched.layer->last_input();  // (N, C) or (N, C, *spatial)
    if (!x || x->dimension() < 2 || x->size() == 0) return;
    const std::size_t n = x->shape()[0], channels = x->shape()[1], inner = x->size() / (n * channels);
    const T* data = x->data();
    means_.assign(channels, 0);
    stds_.assign(channels, 0);
    std::size_t dead = 0, saturated = 0;
    for (std::size_t f = 0; f < channels; ++f) {
      double sum = 0;
      bool all_off = true;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t s = 0; s < inner; ++s) {
          const double v = double(data[(i * channels + f) * inner + s]);
          sum += v;
          all_off = all_off && v <= 0;
          if (watched.activation) saturated += is_saturated(watched.activation->kind(), v);
        }
      const double mean = sum / double(n * inner);
      double squares = 0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t s = 0; s < inner; ++s) {
          const double d = double(data[(i * channels + f) * inner + s]) - mean;
          squares += d * d;
        }
      means_[f] = mean;
      stds_[f] = std::sqrt(squares / double(n * inner));
      dead += all_off;
    }
    const MeanStd of_means = mean_std(means_.data(), channels), of_stds = mean_std(stds_.data(), channels);
    c.sink.probe(c.step, watched.name, name_, feature_mean_mean_, of_means.mean);
    c.sink.probe(c.step, watched.name, name_, feature_mean_std_, of_means.std);
    c.sink.probe(c.step, watched.name, name_, feature_std_mean_, of_stds.mean);
    c.sink.probe(c.step, watched.name, name_, feature_std_std_, of_stds.std);
    if (!watched.activation) return;
    if (watched.activation->kind() == ActivationKind::relu)
      c.sink.probe(c.step, watched.name, name_, dead_fraction_, double(dead) / double(channels));
    else
      c.sink.probe(c.step, watched.name, name_, saturated_fraction_, double(saturated) / double(x->size()));
  }

  // The local derivative below 1% of its maximum (sigmoid: 1/4 at 0; tanh: 1 at 0).
  static bool is_saturated(ActivationKind kind, double x) {
    switch (kind) {
      case ActivationKind::sigmoid: {
        const double y = 1 / (1 + std::exp(-x));
        return y * (1 - y) < 0.0025;
      }
      case ActivationKind::tanh: {
        const double y = std::tanh(x);
        return 1 - y * y < 0.01;
      }
      case ActivationKind::relu:
        return false;
    }
    return false;
  }

  std::vector<std::pair<ParameterRef<T>, bool>> parameters_;  // (parameter, belongs to a normalizer)
  std::set<const Tensor<T>*> normalizer_values_;
  std::vector<Watched> watched_;
  std::vector<double> means_, stds_;  // (features), reused
  const std::string name_ = "layer_norms", weight_norm_ = "weight_norm", grad_norm_ = "grad_norm",
                    mean_ = "mean", std_ = "std", feature_mean_mean_ = "feature_mean_mean",
                    feature_mean_std_ = "feature_mean_std", feature_std_mean_ = "feature_std_mean",
                    feature_std_std_ = "feature_std_std", dead_fraction_ = "dead_fraction",
                    saturated_fraction_ = "saturated_fraction";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec&, Model<T>& model) {
  return std::make_unique<LayerNorms<T>>(model);
}

}  // namespace

ProbeInfo layer_norms_info() {
  ProbeTraits traits;
  traits.reads_step_activations = true;
  return kind_entry<ProbeInfo>(
      "layer_norms",
      "per-parameter weight and gradient norms, normalizer gamma/beta statistics, activation "
      "statistics over all features, saturated and dead units",
      {}, {make<float>, make<double>}, traits);
}

}  // namespace normlab
