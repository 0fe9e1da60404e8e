#include "experiments/train/layer_stats.hpp"

#include <algorithm>
#include <cmath>

#include "experiments/layers/activation.hpp"
#include "norms/registry.hpp"

namespace normlab {

double sorted_percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double position = q * double(sorted.size() - 1);
  const std::size_t below = std::size_t(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - double(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

template <class T>
LayerStatsRecorder<T>::LayerStatsRecorder(Model<T>& model) {
  for (std::size_t i = 0; i < model.layers().size(); ++i) watch(std::to_string(i), model.layers()[i].get());
  if (!layers_.empty()) return;
  // No normalization layer (norm none, placement none, weight norm or a reparam alone): watch the activations'
  // inputs instead, where a pre-activation normalizer would sit (the sigmoid inputs of Ioffe &
  // Szegedy's Figure 1). Recorded only if the activation layer keeps its last input.
  for (std::size_t i = 0; i < model.layers().size(); ++i) {
    Layer<T>* layer = model.layers()[i].get();
    if (dynamic_cast<Activation<T>*>(layer)) layers_.push_back({std::to_string(i), layer});
  }
}

template <class T>
void LayerStatsRecorder<T>::watch(const std::string& name, Layer<T>* layer) {
  if (Normalizer<T>* normalizer = layer->activation_normalizer()) {
    Watched watched{name, layer};
    // Running against batch statistics: for every normalizer that keeps running estimates of
    // statistics it computes over the batch (batch norm and its relatives).
    const NormalizerTraits& traits = normalizer_registry().find(normalizer->kind()).traits;
    watched.batch_norm = traits.batch_statistics && traits.running_buffers;
    for (const auto& buffer : normalizer->buffers()) {
      if (buffer.name == "running_mean") watched.running_mean = buffer.value;
      if (buffer.name == "running_var") watched.running_var = buffer.value;
    }
    layers_.push_back(watched);
  }
  for (const auto& [sub_name, sublayer] : layer->sublayers()) watch(name + "." + sub_name, sublayer);
}

template <class T>
void LayerStatsRecorder<T>::record(std::size_t step, MetricSink& sink) {
  for (const auto& watched : layers_) {
    const Tensor<T>* x = watched.layer->last_input();  // (N, C) or (N, C, *spatial)
    if (!x || x->dimension() < 2 || x->size() == 0) continue;
    const Shape shape = shape_of(*x);
    const std::size_t n = shape[0], channels = shape[1], inner = x->size() / (n * channels);
    values_.resize(n * inner);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t s = 0; s < inner; ++s) values_[i * inner + s] = x->data()[i * channels * inner + s];
    double sum = 0;
    for (double v : values_) sum += v;
    const double mean = sum / double(values_.size());
    double squares = 0;
    for (double v : values_) squares += (v - mean) * (v - mean);
    const double variance = squares / double(values_.size());
    std::sort(values_.begin(), values_.end());
    sink.layer_stat(step, watched.name, "mean", mean);
    sink.layer_stat(step, watched.name, "std", std::sqrt(variance));
    sink.layer_stat(step, watched.name, "p15", sorted_percentile(values_, 0.15));
    sink.layer_stat(step, watched.name, "p50", sorted_percentile(values_, 0.50));
    sink.layer_stat(step, watched.name, "p85", sorted_percentile(values_, 0.85));
    if (watched.batch_norm) {
      if (watched.running_mean) sink.layer_stat(step, watched.name, "running_mean", watched.running_mean->data()[0]);
      if (watched.running_var) sink.layer_stat(step, watched.name, "running_var", watched.running_var->data()[0]);
      sink.layer_stat(step, watched.name, "batch_mean", mean);
      sink.layer_stat(step, watched.name, "batch_var", variance);
    }
  }
}

template class LayerStatsRecorder<float>;
template class LayerStatsRecorder<double>;

}  // namespace normlab
