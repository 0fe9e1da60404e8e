#include "experiments/checkpoint/tensor_codec.hpp"

#include <cstring>
#include <type_traits>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

template <class V>
SafeTensor encode_raw(const std::string& name, SafeDtype dtype, const std::vector<std::size_t>& shape,
                      const V* values, std::size_t count) {
  SafeTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = shape;
  t.bytes.assign(reinterpret_cast<const char*>(values), count * sizeof(V));
  return t;
}

template <class V>
std::vector<V> decode_vector(const SafeTensor& entry, const std::string& path, SafeDtype dtype) {
  if (entry.dtype != dtype || entry.shape.size() > 1)
    throw InputError(path + ": tensor '" + entry.name + "' is " + safe_dtype_name(entry.dtype) + " of rank " +
                     std::to_string(entry.shape.size()) + "; expected a vector of " + safe_dtype_name(dtype));
  std::vector<V> values(entry.bytes.size() / sizeof(V));
  if (!values.empty()) std::memcpy(values.data(), entry.bytes.data(), entry.bytes.size());
  return values;
}

template <class T>
constexpr SafeDtype safe_dtype_of() {
  return std::is_same_v<T, double> ? SafeDtype::F64 : SafeDtype::F32;
}

}  // namespace

template <class T>
SafeTensor encode_tensor(const std::string& name, const Tensor<T>& tensor) {
  return encode_raw(name, safe_dtype_of<T>(), shape_of(tensor), tensor.data(), tensor.size());
}

SafeTensor encode_f64(const std::string& name, const std::vector<double>& values) {
  return encode_raw(name, SafeDtype::F64, {values.size()}, values.data(), values.size());
}

SafeTensor encode_i64(const std::string& name, const std::vector<std::int64_t>& values) {
  return encode_raw(name, SafeDtype::I64, {values.size()}, values.data(), values.size());
}

const SafeTensor& require_tensor(const SafetensorsFile& file, const std::string& path,
                                 const std::string& name) {
  const SafeTensor* entry = file.find(name);
  if (!entry) throw InputError(path + ": the checkpoint has no tensor '" + name + "'");
  return *entry;
}

template <class T>
void decode_into(const SafeTensor& entry, const std::string& path, Tensor<T>& tensor) {
  if (entry.dtype != safe_dtype_of<T>())
    throw InputError(path + ": tensor '" + entry.name + "' is " + safe_dtype_name(entry.dtype) +
                     "; expected " + safe_dtype_name(safe_dtype_of<T>()) + " (the run's dtype)");
  if (!shapes_equal(entry.shape, tensor.shape()))
    throw InputError(path + ": tensor '" + entry.name + "' has shape " + shape_string(entry.shape) +
                     " but the model's has shape " + shape_string(tensor.shape()));
  if (!entry.bytes.empty()) std::memcpy(tensor.data(), entry.bytes.data(), entry.bytes.size());
}

template SafeTensor encode_tensor<float>(const std::string&, const Tensor<float>&);
template SafeTensor encode_tensor<double>(const std::string&, const Tensor<double>&);
template void decode_into<float>(const SafeTensor&, const std::string&, Tensor<float>&);
template void decode_into<double>(const SafeTensor&, const std::string&, Tensor<double>&);

std::vector<double> decode_f64(const SafeTensor& entry, const std::string& path) {
  return decode_vector<double>(entry, path, SafeDtype::F64);
}

std::vector<std::int64_t> decode_i64(const SafeTensor& entry, const std::string& path) {
  return decode_vector<std::int64_t>(entry, path, SafeDtype::I64);
}

}  // namespace normlab
