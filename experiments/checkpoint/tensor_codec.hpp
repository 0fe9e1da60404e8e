// Conversions between normlab's values and safetensors entries: float tensors as F32, double
// tensors and vectors of doubles as F64, and integers and bit patterns (random-stream states) as I64. The
// readers check dtype and shape and throw InputErrors naming the file and the tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "norms/core/safetensors.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

template <class T>  // float or double
SafeTensor encode_tensor(const std::string& name, const Tensor<T>& tensor);
SafeTensor encode_f64(const std::string& name, const std::vector<double>& values);
SafeTensor encode_i64(const std::string& name, const std::vector<std::int64_t>& values);

// The entry `name` of `file` (read from `path`), which must exist.
const SafeTensor& require_tensor(const SafetensorsFile& file, const std::string& path,
                                 const std::string& name);
// Copies an F32 (float) or F64 (double) entry into `tensor`, whose dtype and shape it must have.
template <class T>
void decode_into(const SafeTensor& entry, const std::string& path, Tensor<T>& tensor);
// A one-dimensional (or scalar) entry of that dtype.
std::vector<double> decode_f64(const SafeTensor& entry, const std::string& path);
std::vector<std::int64_t> decode_i64(const SafeTensor& entry, const std::string& path);

}  // namespace normlab
