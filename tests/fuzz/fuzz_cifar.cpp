// libFuzzer target: the CIFAR-10 loader (experiments/data/cifar10.cpp) with arbitrary contents,
// plain or gzip-compressed, as data_batch_1.bin beside valid one-record batches, loaded in full
// and with train=1. Beyond the contract (fuzz_contract.hpp): the splits have the sizes asked for.
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/data/real_datasets.hpp"
#include "fuzz_contract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace normlab;
  static const bool others_written = [] {
    std::vector<std::uint8_t> record(3073, 7);
    record[0] = 3;
    for (const char* name :
         {"data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"})
      fuzz::write_input_file(name, record.data(), record.size());
    return true;
  }();
  (void)others_written;
  const std::string path = fuzz::write_input_file("data_batch_1.bin", data, size);
  const std::string dir = path.substr(0, path.find_last_of('/'));
  for (const std::size_t train : {std::size_t(0), std::size_t(1)})
    fuzz::expect_success_or_input_error(
        [&] {
          const Dataset d = load_cifar10(dir, train, 1);
          if ((train != 0 && d.train.size() != train) || d.test.size() != 1)
            fuzz::finding("split sizes differ from those asked for");
        },
        "data_batch_1.bin");
  return 0;
}
