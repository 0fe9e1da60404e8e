#include "experiments/data/make_dataset.hpp"

#include <sys/stat.h>

#include "experiments/data/real_datasets.hpp"
#include "experiments/data/standardize.hpp"
#include "experiments/data/synthetic.hpp"
#include "norms/errors.hpp"

namespace normlab {

namespace {

std::vector<KeyInfo> with_common_keys(std::vector<KeyInfo> keys, const std::string& train, const std::string& test) {
  keys.push_back({"train", train, "training samples (0 = all available)"});
  keys.push_back({"test", test, "test samples (0 = all available)"});
  keys.push_back({"standardize", "false", "standardize each feature/channel with training-set mean and std"});
  return keys;
}

const KeyInfo path_key{"path", "", "directory holding the dataset's files"};

bool is_synthetic(const std::string& kind) { return kind == "tabular" || kind == "glyphs" || kind == "patches"; }

Spec parsed_spec(const std::string& text) { return parse_spec_of(text, "dataset", dataset_kinds()); }

struct CommonValues {
  std::size_t train = 0, test = 0;
  bool standardize = false;
};

CommonValues common_values(const Spec& spec) {
  CommonValues v;
  const long minimum = is_synthetic(spec.kind()) ? 1 : 0;
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

std::string idx_title(const std::string& kind) { return kind == "mnist" ? "MNIST" : "Fashion-MNIST"; }

// Everything about a spec that can be checked without reading or generating data.
CommonValues check_spec(const Spec& spec) {
  const CommonValues v = common_values(spec);
  if (spec.kind() == "mnist" || spec.kind() == "fashion_mnist") check_idx_files(idx_title(spec.kind()), checked_directory(spec));
  if (spec.kind() == "cifar10") check_cifar10_files(checked_directory(spec));
  if (spec.kind() == "tabular") generate_tabular(spec, 0, 0, 0);  // validates the task's keys; no samples
  return v;
}

}  // namespace

const std::vector<DatasetKind>& dataset_kinds() {
  static const std::vector<DatasetKind> kinds = {
      {"tabular",
       "synthetic classification, features on very different scales (where normalization matters)",
       with_common_keys({{"features", "32", "number of features"},
                         {"informative", "8", "dimension of the latent class structure (<= features)"},
                         {"classes", "4", "number of classes"},
                         {"clusters", "2", "Gaussian clusters per class"},
                         {"scale_range", "3", "feature scales span 10^-r .. 10^r"}},
                        "8000", "2000")},
      {"glyphs", "synthetic 1x28x28 jittered stroke shapes with noise, 10 classes (MNIST-like)",
       with_common_keys({}, "10000", "2000")},
      {"patches", "synthetic 3x32x32 shapes, oriented textures and colours with noise, 10 classes (CIFAR-like)",
       with_common_keys({}, "10000", "2000")},
      {"mnist", "MNIST from IDX files (gz or raw); t10k files alone are split 8000/2000 by seed",
       with_common_keys({path_key}, "0", "0")},
      {"fashion_mnist", "Fashion-MNIST from IDX files (gz or raw); t10k files alone are split 8000/2000 by seed",
       with_common_keys({path_key}, "0", "0")},
      {"cifar10", "CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin)", with_common_keys({path_key}, "0", "0")},
  };
  return kinds;
}

Dataset make_dataset(const std::string& text, std::uint64_t seed) {
  const Spec spec = parsed_spec(text);
  const CommonValues v = check_spec(spec);
  Dataset data;
  const std::string& kind = spec.kind();
  if (kind == "tabular")
    data = generate_tabular(spec, v.train, v.test, seed);
  else if (kind == "glyphs")
    data = generate_glyphs(spec, v.train, v.test, seed);
  else if (kind == "patches")
    data = generate_patches(spec, v.train, v.test, seed);
  else if (kind == "cifar10")
    data = load_cifar10(spec.raw("path"), v.train, v.test);
  else
    data = load_idx_dataset(idx_title(kind), spec.raw("path"), v.train, v.test, seed);
  data.name = text;
  if (v.standardize) {
    standardize(data);
    data.description += "; standardized per " + std::string(data.sample_shape.size() == 1 ? "feature" : "channel") +
                        " with training-set statistics";
  }
  return data;
}

void validate_dataset_spec(const std::string& text) { check_spec(parsed_spec(text)); }

}  // namespace normlab
