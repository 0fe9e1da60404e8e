#include "experiments/data/standardize.hpp"

#include <cmath>

namespace normlab {

Standardization training_statistics(const Split& train) {
  const Shape shape = shape_of(train.x);
  const std::size_t n = shape[0], channels = shape.size() > 1 ? shape[1] : 1;
  const std::size_t inner = shape.size() > 2 ? shape_product(shape, 2) : 1;
  Standardization stats{std::vector<double>(channels, 0.0), std::vector<double>(channels, 1.0)};
  if (n == 0) return stats;
  const double count = double(n * inner);
  for (std::size_t c = 0; c < channels; ++c) {
    // Two passes in double: the tabular features have offsets far larger than their spread.
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float* x = train.x.data() + (i * channels + c) * inner;
      for (std::size_t s = 0; s < inner; ++s) sum += x[s];
    }
    const double mean = sum / count;
    double squares = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float* x = train.x.data() + (i * channels + c) * inner;
      for (std::size_t s = 0; s < inner; ++s) squares += (x[s] - mean) * (x[s] - mean);
    }
    const double std = std::sqrt(squares / count);
    stats.mean[c] = mean;
    stats.std[c] = std > 1e-12 * std::max(1.0, std::fabs(mean)) ? std : 1.0;
  }
  return stats;
}

void apply_standardization(const Standardization& stats, Split& split) {
  const Shape shape = shape_of(split.x);
  const std::size_t n = shape[0], channels = stats.mean.size();
  const std::size_t inner = shape.size() > 2 ? shape_product(shape, 2) : 1;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < channels; ++c) {
      float* x = split.x.data() + (i * channels + c) * inner;
      for (std::size_t s = 0; s < inner; ++s) x[s] = float((x[s] - stats.mean[c]) / stats.std[c]);
    }
}

void standardize(Dataset& data) {
  const Standardization stats = training_statistics(data.train);
  apply_standardization(stats, data.train);
  apply_standardization(stats, data.test);
}

}  // namespace normlab
