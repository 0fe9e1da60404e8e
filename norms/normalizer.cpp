#include "norms/normalizer.hpp"

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

namespace {

template <class T>
std::vector<std::string> names_of(Normalizer<T>& n) {
  std::vector<std::string> names;
  for (auto& p : n.parameters()) names.push_back(p.name);
  for (auto& b : n.buffers()) names.push_back(b.name);
  return names;
}

template <class T>
[[noreturn]] void unknown(Normalizer<T>& n, const std::string& name) {
  const auto names = names_of(n);
  throw InputError(n.kind() + " normalizer has no parameter or buffer '" + name +
                   "'; it has: " + (names.empty() ? std::string("none") : join(names, ", ")));
}

}  // namespace

template <class T>
Tensor<T>& Normalizer<T>::parameter(const std::string& name) {
  for (auto& p : parameters())
    if (p.name == name) return *p.value;
  unknown(*this, name);
}

template <class T>
Tensor<T>& Normalizer<T>::buffer(const std::string& name) {
  for (auto& b : buffers())
    if (b.name == name) return *b.value;
  unknown(*this, name);
}

template <class T>
void Normalizer<T>::set(const std::string& name, const Tensor<T>& value) {
  Tensor<T>* target = nullptr;
  for (auto& p : parameters())
    if (p.name == name) target = p.value;
  for (auto& b : buffers())
    if (b.name == name) target = b.value;
  if (!target) unknown(*this, name);
  if (shape_of(*target) != shape_of(value))
    throw InputError(kind() + " normalizer: '" + name + "' must have shape " + shape_string(shape_of(*target)) +
                     ", got " + shape_string(shape_of(value)));
  *target = value;
  on_set(name);
}

template <class T>
void Normalizer<T>::zero_grad() {
  for (auto& p : parameters()) p.grad->fill(T(0));
}

template <class T>
std::size_t Normalizer<T>::parameter_count() {
  std::size_t n = 0;
  for (auto& p : parameters()) n += p.value->size();
  return n;
}

template <class T>
std::size_t Normalizer<T>::buffer_count() {
  std::size_t n = 0;
  for (auto& b : buffers())
    if (b.name != "num_batches_tracked") n += b.value->size();
  return n;
}

template class Normalizer<float>;
template class Normalizer<double>;

}  // namespace normlab
