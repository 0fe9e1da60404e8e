// libFuzzer target: the IDX readers (experiments/data/file_reading.cpp) on arbitrary file
// contents, plain or gzip-compressed, read both as an images file and as a labels file. Beyond
// the contract (fuzz_contract.hpp): what is read must match its header exactly.
#include <cstdint>
#include <string>

#include "experiments/data/file_reading.hpp"
#include "fuzz_contract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace normlab;
  const std::string path = fuzz::write_input_file("input-idx-ubyte", data, size);
  fuzz::expect_success_or_input_error(
      [&] {
        const IdxImages images = read_idx_images(path);
        if (images.pixels.size() != images.count * images.rows * images.cols)
          fuzz::finding("pixel count differs from the header's");
      },
      path);
  fuzz::expect_success_or_input_error(
      [&] {
        const auto labels = read_idx_labels(path, 10);
        for (const auto label : labels)
          if (label >= 10) fuzz::finding("a label out of range was accepted");
      },
      path);
  return 0;
}
