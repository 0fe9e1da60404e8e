// What the instruments share: the model's layers with parameters as groups of its flat parameter
// vector, and reductions over flat vectors accumulated in double (float models included).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "experiments/models/model.hpp"

namespace normlab {

// A top-level layer that has parameters: its name ("<layer index>", as in layer_stats.csv) and
// the range [begin, end) of the flat parameter vector (ModelSnapshot order) its parameters fill.
struct ParameterGroup {
  std::string layer;
  std::size_t begin = 0, end = 0;
  bool normalization = false;  // a normalization layer (activation_normalizer() non-null)
};

template <class T>
std::vector<ParameterGroup> parameter_groups(Model<T>& model) {
  std::vector<ParameterGroup> groups;
  std::size_t at = 0;
  for (std::size_t i = 0; i < model.layers().size(); ++i) {
    Layer<T>& layer = *model.layers()[i];
    std::size_t size = 0;
    for (const auto& p : layer.parameters())
      size += p.value->size();
    if (size == 0) continue;
    groups.push_back({std::to_string(i), at, at + size, layer.activation_normalizer() != nullptr});
    at += size;
  }
  return groups;
}

// ‖a − b‖₂ over [begin, end) (b null: ‖a‖₂).
template <class A, class B>
double distance(const A* a, const B* b, std::size_t begin, std::size_t end) {
  double sum = 0;
  for (std::size_t j = begin; j < end; ++j) {
    const double d = double(a[j]) - (b ? double(b[j]) : 0.0);
    sum += d * d;
  }
  return std::sqrt(sum);
}

template <class A, class B>
double dot(const A* a, const B* b, std::size_t begin, std::size_t end) {
  double sum = 0;
  for (std::size_t j = begin; j < end; ++j)
    sum += double(a[j]) * double(b[j]);
  return sum;
}

// cos(a, b), with the convention 1 when both are zero and 0 when only one is (never NaN).
inline double cosine(double ab, double norm_a, double norm_b) {
  if (norm_a == 0 && norm_b == 0) return 1;
  if (norm_a == 0 || norm_b == 0) return 0;
  return ab / (norm_a * norm_b);
}

}  // namespace normlab
