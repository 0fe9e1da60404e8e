// The synthetic datasets: shapes, labels, determinism per seed, and the properties that make
// them useful (scale spread of the tabular features, pixel ranges), plus standardization.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "experiments/data/make_dataset.hpp"
#include "experiments/data/standardize.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

bool same_split(const Split& a, const Split& b) {
  return a.labels == b.labels && a.x.size() == b.x.size() && std::equal(a.x.begin(), a.x.end(), b.x.begin());
}

// Population mean and std of feature/channel c over a split.
std::pair<double, double> channel_moments(const Split& split, std::size_t c) {
  const Shape shape = shape_of(split.x);
  const std::size_t channels = shape[1], inner = split.x.size() / (shape[0] * channels);
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < shape[0]; ++i)
    for (std::size_t s = 0; s < inner; ++s) sum += split.x.data()[(i * channels + c) * inner + s];
  const double count = double(shape[0] * inner), mean = sum / count;
  for (std::size_t i = 0; i < shape[0]; ++i)
    for (std::size_t s = 0; s < inner; ++s) {
      const double d = split.x.data()[(i * channels + c) * inner + s] - mean;
      squares += d * d;
    }
  return {mean, std::sqrt(squares / count)};
}

void check_labels(const Split& split, std::size_t classes) {
  std::vector<std::size_t> counts(classes, 0);
  for (auto label : split.labels) {
    REQUIRE(label >= 0);
    REQUIRE(std::size_t(label) < classes);
    ++counts[std::size_t(label)];
  }
  // Balanced: i mod classes.
  for (auto count : counts) CHECK(count >= split.size() / classes);
}

}  // namespace

TEST_CASE("synthetic datasets have the documented shapes and balanced labels") {
  const Dataset tabular = make_dataset("tabular:train=400,test=100", 1);
  CHECK(tabular.sample_shape == Shape{32});
  CHECK(tabular.num_classes == 4);
  CHECK(shape_of(tabular.train.x) == Shape{400, 32});
  CHECK(shape_of(tabular.test.x) == Shape{100, 32});
  check_labels(tabular.train, 4);

  const Dataset glyphs = make_dataset("glyphs:train=200,test=50", 1);
  CHECK(glyphs.sample_shape == Shape{1, 28, 28});
  CHECK(shape_of(glyphs.train.x) == Shape{200, 1, 28, 28});
  CHECK(glyphs.num_classes == 10);
  check_labels(glyphs.train, 10);
  CHECK(*std::min_element(glyphs.train.x.begin(), glyphs.train.x.end()) >= 0.0f);
  CHECK(*std::max_element(glyphs.train.x.begin(), glyphs.train.x.end()) <= 1.0f);

  const Dataset patches = make_dataset("patches:train=200,test=50", 1);
  CHECK(patches.sample_shape == Shape{3, 32, 32});
  CHECK(shape_of(patches.test.x) == Shape{50, 3, 32, 32});
  check_labels(patches.test, 10);
  CHECK(*std::min_element(patches.train.x.begin(), patches.train.x.end()) >= 0.0f);
  CHECK(*std::max_element(patches.train.x.begin(), patches.train.x.end()) <= 1.0f);
}

TEST_CASE("synthetic datasets are deterministic per seed and differ across seeds") {
  for (const std::string spec : {"tabular:train=300,test=50", "glyphs:train=100,test=20", "patches:train=50,test=20"}) {
    INFO(spec);
    const Dataset a = make_dataset(spec, 7), b = make_dataset(spec, 7), c = make_dataset(spec, 8);
    CHECK(same_split(a.train, b.train));
    CHECK(same_split(a.test, b.test));
    CHECK_FALSE(same_split(a.train, c.train));
    // Train and test are different samples of the same task.
    CHECK_FALSE(std::equal(a.test.x.begin(), a.test.x.end(), a.train.x.begin()));
  }
}

TEST_CASE("the tabular features span orders of magnitude in scale and offset") {
  const Dataset data = make_dataset("tabular:train=2000,test=10", 3);
  double smallest = INFINITY, largest = 0, largest_offset_ratio = 0;
  for (std::size_t f = 0; f < 32; ++f) {
    const auto [mean, std] = channel_moments(data.train, f);
    smallest = std::min(smallest, std);
    largest = std::max(largest, std);
    largest_offset_ratio = std::max(largest_offset_ratio, std::fabs(mean) / std);
  }
  CHECK(largest / smallest > 1e4);
  CHECK(largest_offset_ratio > 3);  // some features sit far from zero relative to their spread
  const Dataset flat = make_dataset("tabular:train=2000,test=10,scale_range=0", 3);
  double flat_smallest = INFINITY, flat_largest = 0;
  for (std::size_t f = 0; f < 32; ++f) {
    const double std = channel_moments(flat.train, f).second;
    flat_smallest = std::min(flat_smallest, std);
    flat_largest = std::max(flat_largest, std);
  }
  CHECK(flat_largest / flat_smallest < 20);
}

TEST_CASE("glyph classes differ in their mean images") {
  // A class-mean image is far from another class's mean (real class structure, not noise).
  const Dataset data = make_dataset("glyphs:train=1000,test=10", 2);
  std::vector<std::vector<double>> means(10, std::vector<double>(784, 0.0));
  for (std::size_t i = 0; i < data.train.size(); ++i)
    for (std::size_t p = 0; p < 784; ++p) means[std::size_t(data.train.labels[i])][p] += data.train.x.data()[i * 784 + p] / 100;
  // Vertical (1) and horizontal (2) bars: their mean images must differ markedly.
  double distance = 0;
  for (std::size_t p = 0; p < 784; ++p) distance += std::fabs(means[1][p] - means[2][p]);
  CHECK(distance > 20);
}

TEST_CASE("standardization uses training statistics for both splits") {
  const Dataset raw = make_dataset("tabular:train=1000,test=500", 4);
  const Dataset data = make_dataset("tabular:train=1000,test=500,standardize=true", 4);
  CHECK(data.description.find("standardized") != std::string::npos);
  for (std::size_t f = 0; f < 32; ++f) {
    const auto [mean, std] = channel_moments(data.train, f);
    CHECK(mean == Approx(0).margin(1e-4));
    CHECK(std == Approx(1).epsilon(1e-4));
  }
  // The test split is transformed with the training statistics, not its own.
  const auto train_moments = channel_moments(raw.train, 5), test_raw = channel_moments(raw.test, 5);
  const auto test_standardized = channel_moments(data.test, 5);
  CHECK(test_standardized.first ==
        Approx((test_raw.first - train_moments.first) / train_moments.second).epsilon(1e-4).margin(1e-5));
  CHECK(test_standardized.first != Approx(0).margin(1e-6));

  const Dataset images = make_dataset("patches:train=100,test=10,standardize=true", 4);
  for (std::size_t c = 0; c < 3; ++c) {
    const auto [mean, std] = channel_moments(images.train, c);
    CHECK(mean == Approx(0).margin(1e-5));
    CHECK(std == Approx(1).epsilon(1e-5));
  }
}

TEST_CASE("a constant feature is centred but not scaled") {
  Split split;
  split.x = Tensor<float>::from_shape({3, 2});
  split.x = {{5.0f, 1.0f}, {5.0f, 2.0f}, {5.0f, 3.0f}};
  split.labels = {0, 1, 0};
  const Standardization stats = training_statistics(split);
  CHECK(stats.mean[0] == 5.0);
  CHECK(stats.std[0] == 1.0);
  CHECK(stats.std[1] == Approx(std::sqrt(2.0 / 3.0)).epsilon(1e-15));
  apply_standardization(stats, split);
  CHECK(split.x(1, 0) == 0.0f);
  CHECK(split.x(2, 1) == Approx(std::sqrt(1.5)).epsilon(1e-6));
}

TEST_CASE("dataset specs are validated without generating") {
  CHECK_NOTHROW(validate_dataset_spec("glyphs:train=100,standardize=true"));
  CHECK_THROWS_WITH(validate_dataset_spec("imagenet"), Catch::Contains("tabular, glyphs, patches"));
  CHECK_THROWS_WITH(validate_dataset_spec("glyphs:size=3"), Catch::Contains("size"));
  CHECK_THROWS_WITH(validate_dataset_spec("tabular:train=0"), Catch::Contains(">= 1"));
  CHECK_THROWS_WITH(validate_dataset_spec("tabular:informative=40"), Catch::Contains("features"));
  CHECK_THROWS_WITH(validate_dataset_spec("mnist"), Catch::Contains("path"));
  CHECK_THROWS_WITH(validate_dataset_spec("mnist:path=/nonexistent/dir"), Catch::Contains("no such directory"));
  CHECK_THROWS_AS(validate_dataset_spec("patches:standardize=maybe"), InputError);
  CHECK_THROWS_AS(make_dataset("cifar10:path=/nonexistent", 0), InputError);
}
