// Reading and writing NumPy .npy files (format versions 1.0 to 3.0, little-endian float32 and
// float64, C order) for `normlab apply`, the PyTorch parity fixtures and the tests.
// Every problem with a file is an InputError that names the file and what was wrong.
#pragma once

#include <string>

#include "norms/core/tensor.hpp"

namespace normlab {

enum class Dtype { float32, float64 };

struct NpyHeader {
  Dtype dtype;
  Shape shape;
  std::size_t data_offset;  // bytes from the start of the file
};

NpyHeader read_npy_header(const std::string& path);

// Reads a file whose dtype must be T's (float or double).
template <class T>
Tensor<T> read_npy(const std::string& path);

// Writes atomically (a temporary file in the same directory, then a rename), so a reader never
// sees a half-written file.
template <class T>
void write_npy(const std::string& path, const Tensor<T>& tensor);

}  // namespace normlab
