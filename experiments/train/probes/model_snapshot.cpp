#include "experiments/train/probes/model_snapshot.hpp"

#include <algorithm>

namespace normlab {

namespace {

template <class T>
void collect_streams(Layer<T>& layer, std::vector<Rng*>& out) {
  for (auto& [name, rng] : layer.random_streams())
    out.push_back(rng);
  for (auto& [name, sub] : layer.sublayers())
    collect_streams(*sub, out);
}

}  // namespace

template <class T>
ModelSnapshot<T>::ModelSnapshot(Model<T>& model)
    : parameter_refs_(model.parameters()), buffer_refs_(model.buffers()) {
  for (const auto& layer : model.layers())
    collect_streams(*layer, stream_refs_);
  offsets_.push_back(0);
  for (const auto& p : parameter_refs_)
    offsets_.push_back(offsets_.back() + p.value->size());
}

template <class T>
void ModelSnapshot<T>::capture(unsigned parts) {
  if (parts & parameters) {
    parameters_.resize(size());
    for (std::size_t i = 0; i < parameter_refs_.size(); ++i)
      std::copy_n(parameter_refs_[i].value->data(), parameter_refs_[i].value->size(),
                  parameters_.data() + offsets_[i]);
  }
  if (parts & gradients) read_gradients(parameter_refs_, gradients_);
  if (parts & buffers) {
    std::size_t total = 0;
    for (const auto& b : buffer_refs_)
      total += b.value->size();
    buffers_.resize(total);
    std::size_t at = 0;
    for (const auto& b : buffer_refs_) {
      std::copy_n(b.value->data(), b.value->size(), buffers_.data() + at);
      at += b.value->size();
    }
  }
  if (parts & streams) {
    streams_.resize(stream_refs_.size());
    for (std::size_t i = 0; i < stream_refs_.size(); ++i)
      streams_[i] = stream_refs_[i]->state();
  }
}

template <class T>
void ModelSnapshot<T>::restore(unsigned parts) const {
  if (parts & parameters) set_parameters<T, T>(parameter_refs_, parameters_, nullptr, 0);
  if (parts & gradients)
    for (std::size_t i = 0; i < parameter_refs_.size(); ++i)
      std::copy_n(gradients_.data() + offsets_[i], parameter_refs_[i].grad->size(),
                  parameter_refs_[i].grad->data());
  if (parts & buffers) {
    std::size_t at = 0;
    for (const auto& b : buffer_refs_) {
      std::copy_n(buffers_.data() + at, b.value->size(), b.value->data());
      at += b.value->size();
    }
  }
  if (parts & streams)
    for (std::size_t i = 0; i < stream_refs_.size(); ++i)
      stream_refs_[i]->restore(streams_[i]);
}

template <class T, class D>
void set_parameters(const std::vector<ParameterRef<T>>& parameters, const std::vector<T>& base,
                    const D* direction, double scale) {
  std::size_t at = 0;
  for (const auto& p : parameters) {
    T* out = p.value->data();
    const std::size_t n = p.value->size();
    if (direction)
      for (std::size_t j = 0; j < n; ++j)
        out[j] = T(double(base[at + j]) + scale * double(direction[at + j]));
    else
      std::copy_n(base.data() + at, n, out);
    at += n;
  }
}

template <class T>
void read_gradients(const std::vector<ParameterRef<T>>& parameters, std::vector<T>& out) {
  std::size_t total = 0;
  for (const auto& p : parameters)
    total += p.grad->size();
  out.resize(total);
  std::size_t at = 0;
  for (const auto& p : parameters) {
    std::copy_n(p.grad->data(), p.grad->size(), out.data() + at);
    at += p.grad->size();
  }
}

template class ModelSnapshot<float>;
template class ModelSnapshot<double>;
template void set_parameters<float, float>(const std::vector<ParameterRef<float>>&, const std::vector<float>&,
                                           const float*, double);
template void set_parameters<float, double>(const std::vector<ParameterRef<float>>&,
                                            const std::vector<float>&, const double*, double);
template void set_parameters<double, double>(const std::vector<ParameterRef<double>>&,
                                             const std::vector<double>&, const double*, double);
template void read_gradients<float>(const std::vector<ParameterRef<float>>&, std::vector<float>&);
template void read_gradients<double>(const std::vector<ParameterRef<double>>&, std::vector<double>&);

}  // namespace normlab
