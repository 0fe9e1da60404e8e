// CIFAR-10 from its binary batches. Pixels are scaled to [0, 1].
#include <sstream>

#include "experiments/data/byte_stream.hpp"
#include "experiments/data/file_reading.hpp"
#include "experiments/data/real_datasets.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

constexpr std::size_t kClasses = 10, kPixels = 3 * 32 * 32, kRecord = 1 + kPixels;
constexpr std::size_t kMaxRecordsPerFile = 10000;  // the size of every official batch

std::vector<std::string> train_files(const std::string& dir) {
  std::vector<std::string> files;
  for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  return files;
}

// Reads one batch file record by record (gunzipped on the fly if compressed), appending the
// first `keep` records to `pixels` and `labels` and checking the labels and the length of the
// rest. A file of more than kMaxRecordsPerFile records is refused as soon as the next record
// arrives, so memory is bounded by the records kept, whatever the file holds.
void read_batch(const std::string& path, std::vector<std::uint8_t>& pixels, std::vector<std::int32_t>& labels,
                std::size_t keep) {
  ByteStream stream(path);
  std::vector<std::uint8_t> record(kRecord);
  std::size_t count = 0;
  for (;; ++count) {
    const std::size_t got = stream.read(record.data(), kRecord);
    if (got == 0) break;
    if (got < kRecord)
      throw InputError(path + ": wrong length: " + std::to_string(count * kRecord + got) +
                       " bytes is not a whole number of 3073-byte CIFAR-10 records (truncated or not a CIFAR-10 "
                       "batch)");
    if (count == kMaxRecordsPerFile)
      throw InputError(path + ": wrong length: more than " + std::to_string(kMaxRecordsPerFile) +
                       " records (a CIFAR-10 batch file holds " + std::to_string(kMaxRecordsPerFile) +
                       "; not a CIFAR-10 batch)");
    if (record[0] >= kClasses)
      throw InputError(path + ": bad label " + std::to_string(record[0]) + " in record " + std::to_string(count) +
                       "; labels must be in [0, 10)");
    if (count < keep) {
      labels.push_back(record[0]);
      pixels.insert(pixels.end(), record.begin() + 1, record.end());
    }
  }
  if (count == 0)
    throw InputError(path + ": wrong length: 0 bytes is not a whole number of 3073-byte CIFAR-10 records "
                     "(truncated or not a CIFAR-10 batch)");
}

Split make_split(const std::vector<std::string>& files, std::size_t requested, const char* what) {
  std::vector<std::uint8_t> pixels;
  std::vector<std::int32_t> labels;
  for (const auto& file : files) {
    if (requested != 0 && labels.size() >= requested) break;  // later batches are not needed
    read_batch(file, pixels, labels, requested == 0 ? kMaxRecordsPerFile : requested - labels.size());
  }
  if (requested > labels.size())  // only when every file was read in full
    throw InputError(std::string(what) + "=" + std::to_string(requested) + " exceeds the " +
                     std::to_string(labels.size()) + " samples available");
  const std::size_t count = requested == 0 ? labels.size() : requested;
  Split split;
  split.x = Tensor<float>::from_shape({count, 3, 32, 32});  // (count, 3, 32, 32), as stored
  for (std::size_t i = 0; i < count * kPixels; ++i) split.x.data()[i] = float(pixels[i]) / 255.0f;
  labels.resize(count);
  split.labels = std::move(labels);
  return split;
}

}  // namespace

void check_cifar10_files(const std::string& dir) {
  std::vector<std::string> files = train_files(dir);
  files.push_back(dir + "/test_batch.bin");
  for (const auto& file : files)
    if (!file_exists(file))
      throw InputError("cifar10: " + file + " is missing (expected data_batch_1..5.bin and test_batch.bin)");
}

Dataset load_cifar10(const std::string& dir, std::size_t train, std::size_t test) {
  check_cifar10_files(dir);
  Dataset data;
  data.sample_shape = {3, 32, 32};
  data.num_classes = kClasses;
  data.train = make_split(train_files(dir), train, "train");
  data.test = make_split({dir + "/test_batch.bin"}, test, "test");
  std::ostringstream description;
  description << "CIFAR-10 from " << dir << ": the first " << data.train.size() << " training and "
              << data.test.size() << " test images";
  data.description = description.str();
  return data;
}

}  // namespace normlab
