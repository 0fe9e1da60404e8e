#include "norms/core/npy.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include <sys/stat.h>

#include "norms/core/checked_size.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"
#include "norms/core/npy_header.hpp"

namespace normlab {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw_npy_error(path, why);
}

const char* dtype_descr(Dtype d) {
  return d == Dtype::float32 ? "<f4" : "<f8";
}

template <class T>
constexpr Dtype dtype_of() {
  return std::is_same_v<T, float> ? Dtype::float32 : Dtype::float64;
}

}  // namespace

std::size_t npy_header_size(std::string_view file_start, std::uint64_t file_size, const std::string& path) {
  if (file_start.size() < 8 || file_start.compare(0, 6, "\x93NUMPY") != 0) bad(path, "no NumPy magic string");
  const int major = static_cast<unsigned char>(file_start[6]),
            minor = static_cast<unsigned char>(file_start[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    bad(path, "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                  " (1.0, 2.0 and 3.0 are supported)");
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (file_start.size() < prefix) bad(path, "truncated header: the file ends inside the header length");
  const auto byte = [&](std::size_t i) { return std::size_t(static_cast<unsigned char>(file_start[8 + i])); };
  const std::size_t header_len =
      major == 1 ? byte(0) | byte(1) << 8 : byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
  if (header_len > kMaxHeaderBytes)
    bad(path, "header length " + std::to_string(header_len) + " exceeds the limit of " +
                  std::to_string(kMaxHeaderBytes) + " bytes");
  if (prefix + header_len > file_size)
    bad(path, "truncated header: it declares " + std::to_string(header_len) + " bytes, the file has " +
                  std::to_string(file_size) + " in all");
  return prefix + header_len;
}

NpyHeader parse_npy_header(std::string_view file_start, std::uint64_t file_size, const std::string& path) {
  const std::size_t header_end = npy_header_size(file_start, file_size, path);
  if (file_start.size() < header_end) bad(path, "truncated header");
  const std::size_t prefix = file_start[6] == 1 ? 10 : 12;
  const NpyHeaderDict dict = parse_npy_header_dict(file_start.substr(prefix, header_end - prefix), path);
  NpyHeader h;
  const std::string& descr = dict.descr;
  if (descr == "<f4" || descr == "=f4" || descr == "f4")
    h.dtype = Dtype::float32;
  else if (descr == "<f8" || descr == "=f8" || descr == "f8")
    h.dtype = Dtype::float64;
  else
    bad(path,
        "dtype '" + printable_excerpt(descr) + "' is not supported; use float32 (<f4) or float64 (<f8)");
  if (dict.fortran_order) bad(path, "Fortran-ordered arrays are not supported; save a C-contiguous array");
  h.shape = dict.shape;
  h.data_offset = header_end;

  // The byte size, checked before anything trusts it: it must fit in a signed 64-bit offset
  // (xtensor's strides are signed), and then match the file's real size exactly.
  const std::size_t item = h.dtype == Dtype::float32 ? 4 : 8;
  const auto data_bytes =
      checked_product(h.shape, item, std::size_t(std::numeric_limits<std::ptrdiff_t>::max()));
  if (!data_bytes)
    bad(path, "shape " + shape_string(h.shape) + " of " + std::to_string(item) +
                  "-byte values is too large: its byte size overflows 64 bits");
  const std::uint64_t expected = std::uint64_t(h.data_offset) + *data_bytes;  // both below 2^63
  if (file_size != expected)
    bad(path, "expected " + std::to_string(expected) + " bytes for shape " + shape_string(h.shape) +
                  ", found " + std::to_string(file_size));
  return h;
}

NpyHeader read_npy_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) bad(path, "not a regular file");
  const std::uint64_t file_size = std::uint64_t(info.st_size);
  // The fixed prefix first, then exactly the header it declares (bounded by the file's size).
  std::string start(std::size_t(std::min<std::uint64_t>(file_size, 12)), '\0');
  if (!in.read(start.data(), std::streamsize(start.size()))) bad(path, "cannot read the header");
  const std::size_t header_end = npy_header_size(start, file_size, path);
  start.resize(header_end);
  if (header_end > 12 && !in.read(start.data() + 12, std::streamsize(header_end - 12)))
    bad(path, "truncated header");
  return parse_npy_header(start, file_size, path);
}

template <class T>
Tensor<T> read_npy(const std::string& path) {
  const NpyHeader h = read_npy_header(path);
  if (h.dtype != dtype_of<T>())
    bad(path, std::string("dtype is ") + dtype_descr(h.dtype) + ", expected " + dtype_descr(dtype_of<T>()) +
                  " like the input");
  Tensor<T> t = Tensor<T>::from_shape(h.shape);
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(h.data_offset));
  if (!in.read(reinterpret_cast<char*>(t.data()), std::streamsize(t.size() * sizeof(T))))
    bad(path, "truncated data");
  return t;
}

template <class T>
std::string encode_npy(const Tensor<T>& tensor) {
  const std::string shape = shape_string(shape_of(tensor));
  std::string header = std::string("{'descr': '") + dtype_descr(dtype_of<T>()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(1);
  bytes += char(0);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(tensor.data()), tensor.size() * sizeof(T));
  return bytes;
}

template <class T>
void write_npy(const std::string& path, const Tensor<T>& tensor) {
  write_file_atomically(path, encode_npy(tensor));
}

template Tensor<float> read_npy<float>(const std::string&);
template Tensor<double> read_npy<double>(const std::string&);
template std::string encode_npy<float>(const Tensor<float>&);
template std::string encode_npy<double>(const Tensor<double>&);
template void write_npy<float>(const std::string&, const Tensor<float>&);
template void write_npy<double>(const std::string&, const Tensor<double>&);

}  // namespace normlab
