// CIFAR-10 from its binary batches. Pixels are scaled to [0, 1].
#include <sstream>

#include "experiments/data/file_reading.hpp"
#include "experiments/data/real_datasets.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

constexpr std::size_t kClasses = 10, kPixels = 3 * 32 * 32, kRecord = 1 + kPixels;

std::vector<std::string> train_files(const std::string& dir) {
  std::vector<std::string> files;
  for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  return files;
}

// Appends the records of one batch file to `pixels` and `labels`.
void read_batch(const std::string& path, std::vector<std::uint8_t>& pixels, std::vector<std::int32_t>& labels) {
  const std::vector<std::uint8_t> bytes = read_maybe_gzipped(path);
  if (bytes.empty() || bytes.size() % kRecord != 0)
    throw InputError(path + ": wrong length: " + std::to_string(bytes.size()) +
                     " bytes is not a whole number of 3073-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)");
  for (std::size_t offset = 0; offset < bytes.size(); offset += kRecord) {
    if (bytes[offset] >= kClasses)
      throw InputError(path + ": bad label " + std::to_string(bytes[offset]) + " in record " +
                       std::to_string(offset / kRecord) + "; labels must be in [0, 10)");
    labels.push_back(bytes[offset]);
    pixels.insert(pixels.end(), bytes.begin() + long(offset) + 1, bytes.begin() + long(offset + kRecord));
  }
}

Split make_split(const std::vector<std::string>& files, std::size_t requested, const char* what) {
  std::vector<std::uint8_t> pixels;
  std::vector<std::int32_t> labels;
  for (const auto& file : files) {
    if (requested != 0 && labels.size() >= requested) break;  // later batches are not needed
    read_batch(file, pixels, labels);
  }
  if (requested > labels.size())
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
