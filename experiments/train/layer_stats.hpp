// Statistics of every normalization layer's input for layer_stats.csv: after a training-mode
// forward, the values of feature 0 (the first feature or channel, over the batch and any spatial
// dims) give mean, std (population), p15, p50, p85 (linear interpolation, as numpy.percentile);
// batch-norm layers add running_mean and running_var of feature 0 (after this step's update)
// and batch_mean and batch_var (population variance, the one batch norm normalizes with).
#pragma once

#include <string>
#include <vector>

#include "experiments/models/model.hpp"
#include "experiments/train/trainer.hpp"

namespace normlab {

template <class T>  // the model's dtype, float or double
class LayerStatsRecorder {
 public:
  // Finds the normalization layers (activation_normalizer() non-null), including those inside
  // composite layers, named "<layer index>" or "<layer index>.<sublayer name>". A model without
  // any gets its top-level activation layers (ReLU, Sigmoid, Tanh) watched instead.
  explicit LayerStatsRecorder(Model<T>& model);
  void record(std::size_t step, MetricSink& sink);
  std::size_t layer_count() const { return layers_.size(); }

 private:
  struct Watched {
    std::string name;
    Layer<T>* layer;
    const Tensor<T>* running_mean = nullptr;  // batch norm with running statistics only
    const Tensor<T>* running_var = nullptr;
    bool batch_norm = false;
  };
  void watch(const std::string& name, Layer<T>* layer);

  std::vector<Watched> layers_;
  std::vector<double> values_;  // feature 0 of the last input, reused
};

// numpy.percentile's default (linear) on sorted values; q in [0, 1].
double sorted_percentile(const std::vector<double>& sorted, double q);

}  // namespace normlab
