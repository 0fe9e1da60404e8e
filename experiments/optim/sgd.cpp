#include "experiments/optim/sgd.hpp"

#include <sstream>

namespace normlab {

template <class T>
Sgd<T>::Sgd(const std::vector<ParameterRef<T>>& parameters, const SgdOptions& options)
    : parameters_(parameters), options_(options) {
  if (options_.momentum != 0)
    for (const auto& p : parameters_) momentum_buffers_.emplace_back(Tensor<T>::from_shape(shape_of(*p.value)));
}

template <class T>
void Sgd<T>::step(double lr) {
  ++steps_;
  const T weight_decay = T(options_.weight_decay), momentum = T(options_.momentum);
  const T damping = T(1 - options_.dampening), step = T(lr);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    T* p = parameters_[i].value->data();
    const T* grad = parameters_[i].grad->data();
    T* buffer = options_.momentum != 0 ? momentum_buffers_[i].data() : nullptr;
    const std::size_t n = parameters_[i].value->size();
    for (std::size_t j = 0; j < n; ++j) {
      T g = grad[j];
      if (weight_decay != 0) g += weight_decay * p[j];
      if (buffer) {
        // The first step initializes the buffer with the gradient itself, without dampening.
        buffer[j] = steps_ == 1 ? g : momentum * buffer[j] + damping * g;
        g = options_.nesterov ? g + momentum * buffer[j] : buffer[j];
      }
      p[j] -= step * g;
    }
  }
}

template <class T>
std::string Sgd<T>::describe() const {
  std::ostringstream out;
  out << "SGD(momentum=" << options_.momentum << ", dampening=" << options_.dampening
      << ", nesterov=" << (options_.nesterov ? "true" : "false") << ", weight_decay=" << options_.weight_decay << ")";
  return out.str();
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace normlab
