#include "norms/core/npy.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>

#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"

namespace normlab {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw InputError("'" + path + "' is not a usable .npy file: " + why);
}

const char* dtype_descr(Dtype d) { return d == Dtype::float32 ? "<f4" : "<f8"; }

template <class T>
constexpr Dtype dtype_of() {
  return std::is_same_v<T, float> ? Dtype::float32 : Dtype::float64;
}

}  // namespace

NpyHeader read_npy_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) bad(path, "no NumPy magic string");
  const int major = static_cast<unsigned char>(magic[6]);
  std::size_t header_len = 0, prefix = 0;
  if (major == 1) {
    unsigned char len[2];
    if (!in.read(reinterpret_cast<char*>(len), 2)) bad(path, "truncated header");
    header_len = len[0] | (std::size_t(len[1]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    unsigned char len[4];
    if (!in.read(reinterpret_cast<char*>(len), 4)) bad(path, "truncated header");
    header_len = len[0] | (std::size_t(len[1]) << 8) | (std::size_t(len[2]) << 16) | (std::size_t(len[3]) << 24);
    prefix = 12;
  } else {
    bad(path, "unsupported format version " + std::to_string(major));
  }
  if (header_len > (1u << 20)) bad(path, "header too long");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), std::streamsize(header_len))) bad(path, "truncated header");

  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex order_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(header, m, descr_re)) bad(path, "header has no 'descr'");
  const std::string descr = m[1];
  NpyHeader h;
  if (descr == "<f4" || descr == "=f4" || descr == "f4")
    h.dtype = Dtype::float32;
  else if (descr == "<f8" || descr == "=f8" || descr == "f8")
    h.dtype = Dtype::float64;
  else
    bad(path, "dtype '" + descr + "' is not supported; use float32 (<f4) or float64 (<f8)");
  if (!std::regex_search(header, m, order_re)) bad(path, "header has no 'fortran_order'");
  if (m[1] == "True") bad(path, "Fortran-ordered arrays are not supported; save a C-contiguous array");
  if (!std::regex_search(header, m, shape_re)) bad(path, "header has no 'shape'");
  const std::string dims = m[1];
  static const std::regex dim_re(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), dim_re); it != std::sregex_iterator(); ++it)
    h.shape.push_back(std::stoul(it->str()));
  h.data_offset = prefix + header_len;

  const std::size_t item = h.dtype == Dtype::float32 ? 4 : 8;
  in.seekg(0, std::ios::end);
  const std::size_t file_size = std::size_t(in.tellg());
  const std::size_t expected = h.data_offset + shape_product(h.shape) * item;
  if (file_size != expected)
    bad(path, "expected " + std::to_string(expected) + " bytes for shape " + shape_string(h.shape) + ", found " +
                  std::to_string(file_size));
  return h;
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
  if (!in.read(reinterpret_cast<char*>(t.data()), std::streamsize(t.size() * sizeof(T)))) bad(path, "truncated data");
  return t;
}

template <class T>
void write_npy(const std::string& path, const Tensor<T>& tensor) {
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
  write_file_atomically(path, bytes);
}

template Tensor<float> read_npy<float>(const std::string&);
template Tensor<double> read_npy<double>(const std::string&);
template void write_npy<float>(const std::string&, const Tensor<float>&);
template void write_npy<double>(const std::string&, const Tensor<double>&);

}  // namespace normlab
