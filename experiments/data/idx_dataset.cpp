// MNIST and Fashion-MNIST from IDX files. Pixels are scaled to [0, 1].
#include <numeric>
#include <sstream>

#include "experiments/data/file_reading.hpp"
#include "experiments/data/real_datasets.hpp"
#include "experiments/util/rng.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

constexpr std::size_t kClasses = 10;
constexpr std::size_t kSplitTrain = 8000;  // of the 10,000 t10k samples, when no training files exist

// "<dir>/<prefix>-images-idx3-ubyte.gz" if it exists, else the raw name if it exists, else "".
std::string find_file(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name + ".gz", dir + "/" + name})
    if (file_exists(candidate)) return candidate;
  return "";
}

struct IdxPair {
  std::string images, labels;  // paths, "" if absent
};

IdxPair find_pair(const std::string& dir, const std::string& prefix) {
  return {find_file(dir, prefix + "-images-idx3-ubyte"), find_file(dir, prefix + "-labels-idx1-ubyte")};
}

// Exactly one of a pair present is an error naming the missing file.
bool pair_present(const IdxPair& pair, const std::string& title, const std::string& dir, const std::string& prefix) {
  if (pair.images.empty() && pair.labels.empty()) return false;
  if (pair.images.empty() || pair.labels.empty())
    throw InputError(title + ": " + dir + "/" + prefix + (pair.images.empty() ? "-images-idx3" : "-labels-idx1") +
                     "-ubyte[.gz] is missing (its partner file exists)");
  return true;
}

// Samples `order[begin, end)` of the images as an (n, 1, rows, cols) split.
Split make_split(const IdxImages& images, const std::vector<std::uint8_t>& labels,
                 const std::vector<std::size_t>& order, std::size_t begin, std::size_t end) {
  Split split;
  const std::size_t pixels = images.rows * images.cols;
  split.x = Tensor<float>::from_shape({end - begin, 1, images.rows, images.cols});
  split.labels.resize(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint8_t* source = images.pixels.data() + order[i] * pixels;
    float* target = split.x.data() + (i - begin) * pixels;
    for (std::size_t p = 0; p < pixels; ++p) target[p] = float(source[p]) / 255.0f;
    split.labels[i - begin] = labels[order[i]];
  }
  return split;
}

struct LoadedIdx {
  IdxImages images;
  std::vector<std::uint8_t> labels;
};

LoadedIdx load_pair(const IdxPair& pair) {
  LoadedIdx loaded{read_idx_images(pair.images), read_idx_labels(pair.labels, kClasses)};
  if (loaded.images.count != loaded.labels.size())
    throw InputError(pair.images + " has " + std::to_string(loaded.images.count) + " images but " + pair.labels +
                     " has " + std::to_string(loaded.labels.size()) + " labels");
  return loaded;
}

std::size_t resolve_count(std::size_t requested, std::size_t available, const std::string& what) {
  if (requested > available)
    throw InputError(what + "=" + std::to_string(requested) + " exceeds the " + std::to_string(available) +
                     " samples available");
  return requested == 0 ? available : requested;
}

}  // namespace

void check_idx_files(const std::string& title, const std::string& dir) {
  const bool has_train = pair_present(find_pair(dir, "train"), title, dir, "train");
  const bool has_test = pair_present(find_pair(dir, "t10k"), title, dir, "t10k");
  if (!has_test)
    throw InputError(title + ": no t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in " + dir +
                     (has_train ? " (the training files alone are not enough)" : ""));
}

Dataset load_idx_dataset(const std::string& title, const std::string& dir, std::size_t train, std::size_t test,
                         std::uint64_t seed) {
  check_idx_files(title, dir);
  const IdxPair train_pair = find_pair(dir, "train"), test_pair = find_pair(dir, "t10k");
  Dataset data;
  data.num_classes = kClasses;
  std::ostringstream description;
  const LoadedIdx test_files = load_pair(test_pair);
  if (!train_pair.images.empty()) {
    const LoadedIdx train_files = load_pair(train_pair);
    if (train_files.images.rows != test_files.images.rows || train_files.images.cols != test_files.images.cols)
      throw InputError(train_pair.images + " and " + test_pair.images + " hold images of different sizes");
    train = resolve_count(train, train_files.images.count, "train");
    test = resolve_count(test, test_files.images.count, "test");
    std::vector<std::size_t> train_order(train_files.images.count), test_order(test_files.images.count);
    std::iota(train_order.begin(), train_order.end(), 0);
    std::iota(test_order.begin(), test_order.end(), 0);
    data.train = make_split(train_files.images, train_files.labels, train_order, 0, train);
    data.test = make_split(test_files.images, test_files.labels, test_order, 0, test);
    description << title << " from " << dir << ": the first " << train << " training and " << test << " test images";
  } else {
    // Only the official test split: a seeded permutation, 8000 for training and 2000 for testing.
    const std::size_t total = test_files.images.count;
    const std::size_t train_available = total * kSplitTrain / 10000;
    train = resolve_count(train, train_available, "train");
    test = resolve_count(test, total - train_available, "test");
    std::vector<std::size_t> order(total);
    std::iota(order.begin(), order.end(), 0);
    Rng rng = Rng::stream(seed, "data/split");
    for (std::size_t i = total; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    data.train = make_split(test_files.images, test_files.labels, order, 0, train);
    data.test = make_split(test_files.images, test_files.labels, order, train_available, train_available + test);
    description << title << " test split (t10k) from " << dir << " as " << train_available << " train / "
                << total - train_available << " test by a permutation with seed " << seed << " (using " << train
                << " / " << test << ")";
  }
  data.sample_shape = {1, test_files.images.rows, test_files.images.cols};
  data.description = description.str();
  return data;
}

}  // namespace normlab
