// Reading and writing NumPy .npy files (format versions 1.0 to 3.0, little-endian float32 and
// float64, C order) for `normlab apply`, the PyTorch parity fixtures and the tests.
// Every problem with a file is an InputError that names the file and what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "norms/core/tensor.hpp"

namespace normlab {

enum class Dtype { float32, float64 };

struct NpyHeader {
  Dtype dtype;
  Shape shape;
  std::size_t data_offset;  // bytes from the start of the file
};

// Headers longer than this are refused (NumPy writes a few dozen bytes; versions 2.0 and 3.0
// allow up to 4 GiB). The parser is linear, so the limit bounds memory only.
inline constexpr std::size_t kMaxHeaderBytes = std::size_t(1) << 24;

// Reads and checks the header: the dict (npy_header.hpp), the dtype, C order, and a byte size
// computed with overflow checks that must equal the file's real size. Reads at most the header.
NpyHeader read_npy_header(const std::string& path);

// The same from memory: `file_start` holds the file's first bytes (at least npy_header_size of
// them) and `file_size` is the file's total size.
NpyHeader parse_npy_header(std::string_view file_start, std::uint64_t file_size, const std::string& path);

// The size of the magic string, version, length field and header together, from the first 12
// bytes (or all of a shorter file); checks the magic, version and that the header fits the file.
std::size_t npy_header_size(std::string_view file_start, std::uint64_t file_size, const std::string& path);

// Reads a file whose dtype must be T's (float or double).
template <class T>
Tensor<T> read_npy(const std::string& path);

// The bytes of a version 1.0 .npy file holding `tensor` (C order, little-endian, header padded
// so that the data starts on a 64-byte boundary).
template <class T>
std::string encode_npy(const Tensor<T>& tensor);

// Writes atomically (a temporary file in the same directory, then a rename), so a reader never
// sees a half-written file.
template <class T>
void write_npy(const std::string& path, const Tensor<T>& tensor);

}  // namespace normlab
