#include "experiments/optim/adam.hpp"

#include <cmath>
#include <sstream>

namespace normlab {

template <class T>
Adam<T>::Adam(const std::vector<ParameterRef<T>>& parameters, const AdamOptions& options)
    : parameters_(parameters), options_(options) {
  for (const auto& p : parameters_) {
    first_moments_.emplace_back(Tensor<T>::from_shape(shape_of(*p.value)));
    second_moments_.emplace_back(Tensor<T>::from_shape(shape_of(*p.value)));
    first_moments_.back().fill(T(0));
    second_moments_.back().fill(T(0));
  }
}

template <class T>
void Adam<T>::step(double lr) {
  ++steps_;
  const double t = double(steps_);
  // Scalars in double, as PyTorch computes them in Python floats.
  const double bias_correction1 = 1 - std::pow(options_.beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(options_.beta2, t));
  const T step_size = T(lr / bias_correction1);
  const T beta1 = T(options_.beta1), beta2 = T(options_.beta2), eps = T(options_.eps);
  const T bias_correction2_root = T(bias_correction2_sqrt);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const double weight_decay = weight_decay_of(parameters_[i], options_.weight_decay, options_.decay_1d);
    const T l2_penalty = options_.decoupled_weight_decay ? T(0) : T(weight_decay);
    const T decay_factor = options_.decoupled_weight_decay ? T(1 - lr * weight_decay) : T(1);
    // Distinct tensors: __restrict lets the loop vectorize without runtime overlap checks.
    T* __restrict p = parameters_[i].value->data();
    const T* __restrict grad = parameters_[i].grad->data();
    T* __restrict m = first_moments_[i].data();
    T* __restrict v = second_moments_[i].data();
    const std::size_t n = parameters_[i].value->size();
    for (std::size_t j = 0; j < n; ++j) {
      p[j] *= decay_factor;
      const T g = grad[j] + l2_penalty * p[j];
      // m moves toward g by 1 - beta1, written as PyTorch's exp_avg.lerp_(grad, 1 - beta1).
      m[j] += (T(1) - beta1) * (g - m[j]);
      v[j] = beta2 * v[j] + (T(1) - beta2) * g * g;
      const T denom = std::sqrt(v[j]) / bias_correction2_root + eps;
      p[j] -= step_size * m[j] / denom;
    }
  }
}

template <class T>
std::string Adam<T>::describe() const {
  std::ostringstream out;
  out << (options_.decoupled_weight_decay ? "AdamW" : "Adam") << "(beta1=" << options_.beta1
      << ", beta2=" << options_.beta2 << ", eps=" << options_.eps
      << ", weight_decay=" << options_.weight_decay << (options_.decay_1d ? "" : ", decay_1d=false") << ")";
  return out.str();
}

template class Adam<float>;
template class Adam<double>;

}  // namespace normlab
