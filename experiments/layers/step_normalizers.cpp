#include "experiments/layers/step_normalizers.hpp"

#include <algorithm>

#include "norms/registry.hpp"

namespace normlab {

template <class T>
StepNormalizers<T>::StepNormalizers(const std::string& spec, std::size_t steps, std::size_t features,
                                    double weight_init) {
  for (std::size_t t = 0; t < steps; ++t) {
    steps_.push_back(make_normalizer<T>(spec, {2, features}));
    parameters_.push_back(steps_.back()->parameters());
  }
  for (auto& p : parameters_[0])
    if (p.name == "weight") p.value->fill(T(weight_init));
  sync();
}

template <class T>
void StepNormalizers<T>::sync() {
  const auto& shared = parameters_[0];
  for (std::size_t t = 1; t < steps_.size(); ++t) {
    const auto& own = parameters_[t];
    for (std::size_t i = 0; i < own.size(); ++i)
      std::copy(shared[i].value->data(), shared[i].value->data() + shared[i].value->size(),
                own[i].value->data());
  }
}

template <class T>
void StepNormalizers<T>::fold_grads() {
  const auto& shared = parameters_[0];
  for (std::size_t t = 1; t < steps_.size(); ++t) {  // in step order: a fixed summation order
    const auto& own = parameters_[t];
    for (std::size_t i = 0; i < own.size(); ++i) {
      T* g = own[i].grad->data();
      T* total = shared[i].grad->data();
      for (std::size_t k = 0, n = own[i].grad->size(); k < n; ++k) {
        total[k] += g[k];
        g[k] = T(0);
      }
    }
  }
}

template <class T>
std::vector<BufferRef<T>> StepNormalizers<T>::buffers() {
  std::vector<BufferRef<T>> all;
  for (std::size_t t = 0; t < steps_.size(); ++t)
    for (auto& b : steps_[t]->buffers())
      all.push_back({std::to_string(t) + "." + b.name, b.value});
  return all;
}

template class StepNormalizers<float>;
template class StepNormalizers<double>;

}  // namespace normlab
