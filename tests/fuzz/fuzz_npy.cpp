// libFuzzer target: the .npy reader (norms/core/npy.cpp, npy_header.cpp) on arbitrary file
// contents, through the path `normlab apply` takes: read_npy_header, then read_npy in the
// header's dtype. Beyond the contract (fuzz_contract.hpp): the in-memory parser must agree with
// the file reader, and a tensor read must have the header's shape and exactly the file's bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_contract.hpp"
#include "norms/core/npy.hpp"

namespace {

template <class T>
void read_tensor(const std::string& path, const normlab::NpyHeader& header, std::size_t file_size) {
  const normlab::Tensor<T> t = normlab::read_npy<T>(path);
  if (normlab::shape_of(t) != header.shape) normlab::fuzz::finding("tensor shape differs from the header's");
  if (header.data_offset + t.size() * sizeof(T) != file_size) normlab::fuzz::finding("tensor size differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace normlab;
  const std::string path = fuzz::write_input_file("input.npy", data, size);
  fuzz::expect_success_or_input_error(
      [&] {
        const NpyHeader header = read_npy_header(path);
        const std::string_view bytes(reinterpret_cast<const char*>(data), size);
        const NpyHeader again = parse_npy_header(bytes, size, path);
        if (again.shape != header.shape || again.dtype != header.dtype ||
            again.data_offset != header.data_offset)
          fuzz::finding("parse_npy_header and read_npy_header disagree");
        if (header.dtype == Dtype::float32)
          read_tensor<float>(path, header, size);
        else
          read_tensor<double>(path, header, size);
      },
      path);
  return 0;
}
