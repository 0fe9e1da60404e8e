#include "experiments/data/make_dataset.hpp"

#include <sys/stat.h>

#include "experiments/data/real_datasets.hpp"
#include "experiments/data/standardize.hpp"
#include "experiments/data/synthetic.hpp"
#include "experiments/data/text_dataset.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

std::vector<KeyInfo> with_common_keys(std::vector<KeyInfo> keys, const std::string& train, const std::string& test) {
  keys.push_back({"train", train, "training samples (0 = all available)"});
  keys.push_back({"test", test, "test samples (0 = all available)"});
  keys.push_back({"standardize", "false", "standardize each feature/channel with training-set mean and std"});
  return keys;
}

const KeyInfo path_key{"path", "", "directory holding the dataset's files"};

struct CommonValues {
  std::size_t train = 0, test = 0;
  bool standardize = false;
};

CommonValues common_values(const Spec& spec, const DatasetTraits& traits) {
  CommonValues v;
  const long minimum = traits.generated ? 1 : 0;
  const std::string rule = minimum ? "expected >= 1" : "expected >= 0 (0 = all)";
  const long train = spec.get_int("train"), test = spec.get_int("test");
  if (train < minimum) spec.fail("train", rule);
  if (test < minimum) spec.fail("test", rule);
  v.train = std::size_t(train);
  v.test = std::size_t(test);
  v.standardize = spec.get_bool("standardize");
  return v;
}

std::string checked_directory(const Spec& spec) {
  const std::string& dir = spec.raw("path");
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) spec.fail("path", "no such directory");
  return dir;
}

// A kind read from files in path=DIR; check_files checks that they are there.
DatasetInfo file_kind(std::string kind, std::string doc, DatasetFactory load,
                      std::function<void(const std::string& dir)> check_files) {
  auto validate = [check_files](const Spec& spec) { check_files(checked_directory(spec)); };
  return kind_entry<DatasetInfo>(std::move(kind), std::move(doc), with_common_keys({path_key}, "0", "0"),
                                 std::move(load), {/*generated=*/false}, validate);
}

DatasetInfo generated_kind(std::string kind, std::string doc, std::vector<KeyInfo> keys, DatasetFactory generate,
                           const std::string& train, const std::string& test) {
  return kind_entry<DatasetInfo>(std::move(kind), std::move(doc), with_common_keys(std::move(keys), train, test),
                                 generate, {/*generated=*/true});
}

DatasetInfo idx_kind(const std::string& kind, const std::string& title) {
  return file_kind(
      kind, title + " from IDX files (gz or raw); t10k files alone are split 8000/2000 by seed",
      [title](const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed) {
        return load_idx_dataset(title, spec.raw("path"), train, test, seed);
      },
      [title](const std::string& dir) { check_idx_files(title, dir); });
}

// Everything about a spec that can be checked without reading or generating data.
CommonValues check_spec(const Spec& spec) {
  const DatasetInfo& info = dataset_registry().find(spec.kind());
  const CommonValues v = common_values(spec, info.traits);
  if (info.validate) info.validate(spec);
  return v;
}

}  // namespace

const KindRegistry<DatasetInfo>& dataset_registry() {
  static const KindRegistry<DatasetInfo> registry(
      "dataset",
      {
          kind_entry<DatasetInfo>(
              "tabular", "synthetic classification, features on very different scales (where normalization matters)",
              with_common_keys({{"features", "32", "number of features"},
                                {"informative", "8", "dimension of the latent class structure (<= features)"},
                                {"classes", "4", "number of classes"},
                                {"clusters", "2", "Gaussian clusters per class"},
                                {"scale_range", "3", "feature scales span 10^-r .. 10^r"}},
                               "8000", "2000"),
              generate_tabular, {/*generated=*/true},
              [](const Spec& spec) { generate_tabular(spec, 0, 0, 0); }),  // checks the task's keys; no samples
          generated_kind("glyphs", "synthetic 1x28x28 jittered stroke shapes with noise, 10 classes (MNIST-like)", {},
                         generate_glyphs, "10000", "2000"),
          generated_kind("patches",
                         "synthetic 3x32x32 shapes, oriented textures and colours with noise, 10 classes (CIFAR-like)",
                         {}, generate_patches, "10000", "2000"),
          idx_kind("mnist", "MNIST"),
          idx_kind("fashion_mnist", "Fashion-MNIST"),
          file_kind(
              "cifar10", "CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin)",
              [](const Spec& spec, std::size_t train, std::size_t test, std::uint64_t) {
                return load_cifar10(spec.raw("path"), train, test);
              },
              check_cifar10_files),
          kind_entry<DatasetInfo>(
              "text",
              "characters of a UTF-8 (or byte) text file, gz or plain: first train_fraction for training (windows "
              "at every offset, shuffled by seed), the rest as non-overlapping validation windows; train/test "
              "limit the windows",
              with_common_keys({{"path", "", "the text file (.gz or plain)"},
                                {"context", "64", "characters a model sees (windows of context+1)"},
                                {"train_fraction", "0.9", "the leading part of the text used for training"},
                                {"encoding", "utf8", "utf8 (characters) | bytes"}},
                               "0", "0"),
              load_text_dataset, {/*generated=*/false}, check_text_spec),
          generated_kind("markov",
                         "synthetic token sequences of a random second-order Markov chain (for sequence models); "
                         "train/test count windows",
                         {{"context", "32", "tokens a model sees (windows of context+1)"},
                          {"symbols", "16", "vocabulary size"},
                          {"branching", "3", "possible successors of every pair of symbols"}},
                         generate_markov, "2000", "100"),
      });
  return registry;
}

Dataset make_dataset(const std::string& text, std::uint64_t seed) {
  const Spec spec = dataset_registry().parse(text);
  const CommonValues v = check_spec(spec);
  Dataset data = dataset_registry().find(spec.kind()).make(spec, v.train, v.test, seed);
  data.name = text;
  if (v.standardize) {
    standardize(data);
    data.description += "; standardized per " + std::string(data.sample_shape.size() == 1 ? "feature" : "channel") +
                        " with training-set statistics";
  }
  return data;
}

void validate_dataset_spec(const std::string& text) { check_spec(dataset_registry().parse(text)); }

}  // namespace normlab
