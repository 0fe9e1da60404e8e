#include "experiments/optim/clip_grad_norm.hpp"

#include <cmath>

namespace normlab {

template <class T>
double clip_grad_norm(const std::vector<ParameterRef<T>>& parameters, double max_norm) {
  double sum = 0;
  for (const auto& p : parameters) {
    const T* g = p.grad->data();
    for (std::size_t i = 0, n = p.grad->size(); i < n; ++i)
      sum += double(g[i]) * double(g[i]);
  }
  const double total = std::sqrt(sum);
  const double coefficient = max_norm / (total + 1e-6);
  if (coefficient < 1)
    for (const auto& p : parameters) {
      T* g = p.grad->data();
      for (std::size_t i = 0, n = p.grad->size(); i < n; ++i)
        g[i] = T(double(g[i]) * coefficient);
    }
  return total;
}

template double clip_grad_norm<float>(const std::vector<ParameterRef<float>>&, double);
template double clip_grad_norm<double>(const std::vector<ParameterRef<double>>&, double);

}  // namespace normlab
