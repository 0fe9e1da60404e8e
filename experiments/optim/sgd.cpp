#include "experiments/optim/sgd.hpp"

#include <sstream>
#include <type_traits>

namespace normlab {

template <class T>
Sgd<T>::Sgd(const std::vector<ParameterRef<T>>& parameters, const SgdOptions& options)
    : parameters_(parameters), options_(options) {
  if (options_.momentum != 0)
    for (const auto& p : parameters_) momentum_buffers_.emplace_back(Tensor<T>::from_shape(shape_of(*p.value)));
}

namespace {

// One parameter tensor's update, with the options as template arguments so that the loop has no
// branches and vectorizes: the per-element branches on the options kept it scalar (the update was
// 13 % of the MLP training step). p, grad and buffer are distinct tensors. Same arithmetic, in the
// same order, as the formulas in sgd.hpp.
template <bool kDecay, bool kMomentum, bool kNesterov, class T>
void sgd_update(T* __restrict p, const T* __restrict grad, T* __restrict buffer, std::size_t n, T weight_decay,
                T momentum, T damping, T step, bool first_step) {
  for (std::size_t j = 0; j < n; ++j) {
    T g = grad[j];
    if constexpr (kDecay) g += weight_decay * p[j];
    if constexpr (kMomentum) {
      // The first step initializes the buffer with the gradient itself, without dampening.
      buffer[j] = first_step ? g : momentum * buffer[j] + damping * g;
      g = kNesterov ? g + momentum * buffer[j] : buffer[j];
    }
    p[j] -= step * g;
  }
}

// Calls f(std::true_type) or f(std::false_type): a runtime flag turned into a template argument.
template <class F>
void with_flag(bool flag, F f) {
  if (flag)
    f(std::true_type{});
  else
    f(std::false_type{});
}

}  // namespace

template <class T>
void Sgd<T>::step(double lr) {
  ++steps_;
  const T momentum = T(options_.momentum);
  const T damping = T(1 - options_.dampening), step = T(lr);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    T* p = parameters_[i].value->data();
    const T* grad = parameters_[i].grad->data();
    T* buffer = options_.momentum != 0 ? momentum_buffers_[i].data() : nullptr;
    const std::size_t n = parameters_[i].value->size();
    const T weight_decay = T(weight_decay_of(parameters_[i], options_.weight_decay, options_.decay_1d));
    with_flag(weight_decay != 0, [&](auto decay) {
      with_flag(buffer != nullptr, [&](auto with_momentum) {
        with_flag(options_.nesterov, [&](auto nesterov) {
          sgd_update<decltype(decay)::value, decltype(with_momentum)::value, decltype(nesterov)::value>(
              p, grad, buffer, n, weight_decay, momentum, damping, step, steps_ == 1);
        });
      });
    });
  }
}

template <class T>
std::string Sgd<T>::describe() const {
  std::ostringstream out;
  out << "SGD(momentum=" << options_.momentum << ", dampening=" << options_.dampening
      << ", nesterov=" << (options_.nesterov ? "true" : "false") << ", weight_decay=" << options_.weight_decay
      << (options_.decay_1d ? "" : ", decay_1d=false") << ")";
  return out.str();
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace normlab
