// Conversions between normlab's values and safetensors entries: float tensors as F32, doubles as
// F64, and integers and bit patterns (random-stream states) as I64. The readers check dtype and
// shape and throw InputErrors naming the file and the tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "norms/core/safetensors.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

SafeTensor encode_tensor(const std::string& name, const Tensor<float>& tensor);
SafeTensor encode_f64(const std::string& name, const std::vector<double>& values);
SafeTensor encode_i64(const std::string& name, const std::vector<std::int64_t>& values);

// The entry `name` of `file` (read from `path`), which must exist.
const SafeTensor& require_tensor(const SafetensorsFile& file, const std::string& path,
                                 const std::string& name);
// Copies an F32 entry into `tensor`, whose shape it must have.
void decode_into(const SafeTensor& entry, const std::string& path, Tensor<float>& tensor);
// A one-dimensional (or scalar) entry of that dtype.
std::vector<double> decode_f64(const SafeTensor& entry, const std::string& path);
std::vector<std::int64_t> decode_i64(const SafeTensor& entry, const std::string& path);

}  // namespace normlab
