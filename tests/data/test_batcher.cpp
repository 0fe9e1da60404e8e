// Mini-batching: every epoch is a permutation of the split, deterministic per seed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "experiments/data/batcher.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

// Sample i has the single feature value i and label i mod 3.
Split numbered_split(std::size_t n) {
  Split split;
  split.x = Tensor<float>::from_shape({n, 1});
  split.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    split.x(i, 0) = float(i);
    split.labels[i] = std::int32_t(i % 3);
  }
  return split;
}

// The sample ids of `epochs` epochs of batches.
std::vector<std::vector<std::size_t>> epochs_of(Batcher& batcher, std::size_t epochs) {
  Tensor<float> x;
  std::vector<std::int32_t> labels;
  std::vector<std::vector<std::size_t>> out(epochs);
  for (std::size_t e = 0; e < epochs; ++e)
    for (std::size_t b = 0; b < batcher.batches_per_epoch(); ++b) {
      batcher.next(x, labels);
      for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto id = std::size_t(x(i, 0));
        CHECK(labels[i] == std::int32_t(id % 3));
        out[e].push_back(id);
      }
    }
  return out;
}

}  // namespace

TEST_CASE("every epoch is a fresh permutation, deterministic per seed") {
  const Split split = numbered_split(50);
  Batcher a(split, 10, true, 5), b(split, 10, true, 5), c(split, 10, true, 6);
  const auto ea = epochs_of(a, 3), eb = epochs_of(b, 3), ec = epochs_of(c, 3);
  CHECK(ea == eb);
  CHECK(ea[0] != ec[0]);
  CHECK(ea[0] != ea[1]);
  std::vector<std::size_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  for (auto epoch : ea) {
    CHECK(epoch != identity);
    std::sort(epoch.begin(), epoch.end());
    CHECK(epoch == identity);
  }
  CHECK(a.epoch() == Approx(3.0));
}

TEST_CASE("drop_last drops the final partial batch, otherwise it is served") {
  const Split split = numbered_split(23);
  Batcher dropping(split, 5, true, 1), keeping(split, 5, false, 1);
  CHECK(dropping.batches_per_epoch() == 4);
  CHECK(keeping.batches_per_epoch() == 5);
  const auto dropped = epochs_of(dropping, 2), kept = epochs_of(keeping, 2);
  CHECK(dropped[0].size() == 20);
  CHECK(kept[0].size() == 23);
  auto sorted = kept[1];
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  // The kept final batch has the remaining 3 samples.
  Tensor<float> x;
  std::vector<std::int32_t> labels;
  Batcher again(split, 5, false, 1);
  for (int i = 0; i < 5; ++i) again.next(x, labels);
  CHECK(shape_of(x) == Shape{3, 1});
  CHECK(labels.size() == 3);
}

TEST_CASE("batches that cannot be formed are InputErrors") {
  const Split split = numbered_split(4);
  CHECK_THROWS_WITH(Batcher(split, 5, true, 0), Catch::Contains("drop_last"));
  CHECK_NOTHROW(Batcher(split, 5, false, 0));
  CHECK_THROWS_AS(Batcher(split, 0, false, 0), InputError);
  CHECK_THROWS_AS(Batcher(Split{}, 2, false, 0), InputError);
}
