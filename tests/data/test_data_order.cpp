// Training sample orders (sweep key `order`): class_sorted and class_blocks:K batches have the
// class composition they promise, every epoch is still a permutation of the split, deterministic
// per seed, and a restored batcher state continues the exact sequence.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include "experiments/data/batcher.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

// Sample i has the single feature value i; labels cycle through `classes` (balanced when
// classes divides n), except that the first `extra` samples are all class 0.
Split labelled_split(std::size_t n, std::size_t classes, std::size_t extra = 0) {
  Split split;
  split.x = Tensor<float>::from_shape({n, 1});
  split.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    split.x(i, 0) = float(i);
    split.labels[i] = i < extra ? 0 : std::int32_t((i - extra) % classes);
  }
  return split;
}

// The batches (sample ids) of `epochs` epochs.
std::vector<std::vector<std::size_t>> batches_of(Batcher& batcher, std::size_t epochs) {
  Tensor<float> x;
  std::vector<std::int32_t> labels;
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t b = 0; b < epochs * batcher.batches_per_epoch(); ++b) {
    batcher.next(x, labels);
    out.emplace_back();
    for (std::size_t i = 0; i < labels.size(); ++i)
      out.back().push_back(std::size_t(x(i, 0)));
  }
  return out;
}

std::set<std::int32_t> classes_of(const Split& split, const std::vector<std::size_t>& batch) {
  std::set<std::int32_t> classes;
  for (const std::size_t id : batch)
    classes.insert(split.labels[id]);
  return classes;
}

// Each epoch's batches together are a permutation of the split (drop_last off, no remainder).
void check_permutations(const std::vector<std::vector<std::size_t>>& batches, std::size_t per_epoch,
                        std::size_t n) {
  for (std::size_t e = 0; e * per_epoch < batches.size(); ++e) {
    std::vector<std::size_t> ids;
    for (std::size_t b = e * per_epoch; b < (e + 1) * per_epoch; ++b)
      ids.insert(ids.end(), batches[b].begin(), batches[b].end());
    std::sort(ids.begin(), ids.end());
    std::vector<std::size_t> identity(n);
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(ids == identity);
  }
}

}  // namespace

TEST_CASE("order specs parse into typed orders and name themselves back") {
  CHECK(parse_data_order("shuffled").kind == DataOrder::Kind::shuffled);
  CHECK(parse_data_order("class_sorted").kind == DataOrder::Kind::class_sorted);
  const DataOrder blocks = parse_data_order("class_blocks:3");
  CHECK(blocks.kind == DataOrder::Kind::class_blocks);
  CHECK(blocks.classes_per_batch == 3);
  CHECK(data_order_name(blocks) == "class_blocks:3");
  for (const char* bad : {"", "sorted", "class_blocks", "class_blocks:", "class_blocks:0", "class_blocks:-2",
                          "class_blocks:2x", "class_blocks:99999999999999999999", "Shuffled"})
    CHECK_THROWS_AS(parse_data_order(bad), InputError);
}

TEST_CASE(
    "class_sorted serves the classes in ascending order, shuffled within each class, anew every epoch") {
  const Split split = labelled_split(120, 4);  // 30 per class
  Batcher a(split, 10, true, 3, parse_data_order("class_sorted"));
  Batcher b(split, 10, true, 3, parse_data_order("class_sorted"));
  Batcher c(split, 10, true, 4, parse_data_order("class_sorted"));
  const auto ea = batches_of(a, 3), eb = batches_of(b, 3), ec = batches_of(c, 3);
  CHECK(ea == eb);
  CHECK(ea != ec);
  check_permutations(ea, a.batches_per_epoch(), 120);
  for (std::size_t batch = 0; batch < ea.size(); ++batch) {
    // 30 samples per class in batches of 10: every batch is one class, class = batch / 3 in the epoch.
    const auto classes = classes_of(split, ea[batch]);
    REQUIRE(classes.size() == 1);
    CHECK(*classes.begin() == std::int32_t((batch % 12) / 3));
  }
  // The epochs differ in the order within each class.
  CHECK(ea[0] != ea[12]);
}

TEST_CASE(
    "class_sorted batches straddle at most two classes when class sizes are not multiples of the batch") {
  const Split split = labelled_split(70, 3, 4);  // class 0: 26 samples, classes 1 and 2: 22 each
  Batcher batcher(split, 8, true, 1, parse_data_order("class_sorted"));
  const auto batches = batches_of(batcher, 2);
  std::int32_t previous = 0;
  for (const auto& batch : batches) {
    const auto classes = classes_of(split, batch);
    CHECK(classes.size() <= 2);
    // Within an epoch the labels never decrease.
    std::int32_t last = -1;
    for (const std::size_t id : batch) {
      CHECK(split.labels[id] >= last);
      last = split.labels[id];
    }
    previous = last;
  }
  CHECK(previous <= 2);
}

TEST_CASE("class_blocks:K gives every batch exactly K classes in equal shares") {
  const Split split = labelled_split(600, 10);  // 60 per class
  for (const std::size_t k : {1, 2, 3, 5, 10}) {
    const std::size_t batch = 30;  // divisible by every k
    Batcher batcher(split, batch, false, 7, DataOrder{DataOrder::Kind::class_blocks, k});
    const auto batches = batches_of(batcher, 3);
    check_permutations(batches, batcher.batches_per_epoch(), 600);
    std::set<std::set<std::int32_t>> groupings;
    for (const auto& ids : batches) {
      const auto classes = classes_of(split, ids);
      CHECK(classes.size() == k);
      for (const std::int32_t c : classes)
        CHECK(std::size_t(std::count_if(ids.begin(), ids.end(),
                                        [&](std::size_t id) { return split.labels[id] == c; })) == batch / k);
      groupings.insert(classes);
    }
    // The pairings change: more distinct class sets than one epoch's 20 / (10 / k) rotations.
    if (k > 1 && k < 10) CHECK(groupings.size() > 10 / k);
  }
}

TEST_CASE("class_blocks is deterministic per seed and differs between seeds") {
  const Split split = labelled_split(200, 5);
  const DataOrder order{DataOrder::Kind::class_blocks, 2};
  Batcher a(split, 8, true, 11, order), b(split, 8, true, 11, order), c(split, 8, true, 12, order);
  const auto ea = batches_of(a, 2), eb = batches_of(b, 2), ec = batches_of(c, 2);
  CHECK(ea == eb);
  CHECK(ea != ec);
  for (const auto& ids : ea)
    CHECK(classes_of(split, ids).size() <= 3);  // 2, or 3 where a class ran short
}

TEST_CASE("class_blocks with unbalanced classes still serves every sample once per epoch") {
  const Split split = labelled_split(97, 4, 30);  // class 0 has 30 + 17 samples, the others 17 each
  Batcher batcher(split, 7, false, 2, DataOrder{DataOrder::Kind::class_blocks, 2});
  check_permutations(batches_of(batcher, 2), batcher.batches_per_epoch(), 97);
}

TEST_CASE("a restored batcher continues a class order exactly, across epoch boundaries") {
  const Split split = labelled_split(90, 3);
  for (const char* text : {"class_sorted", "class_blocks:2", "shuffled"}) {
    const DataOrder order = parse_data_order(text);
    Batcher uninterrupted(split, 9, true, 5, order);
    const auto all = batches_of(uninterrupted, 4);  // 10 batches per epoch
    Batcher first(split, 9, true, 5, order);
    Tensor<float> x;
    std::vector<std::int32_t> labels;
    for (int i = 0; i < 15; ++i)
      first.next(x, labels);                     // 1.5 epochs
    Batcher resumed(split, 9, true, 99, order);  // another seed: the state replaces it
    resumed.restore(first.state());
    const auto rest = batches_of(resumed, 2);  // 20 more batches, through two epoch boundaries
    for (std::size_t i = 0; i + 5 < rest.size(); ++i)
      CHECK(rest[i] == all[15 + i]);
  }
}

TEST_CASE("class_blocks asking for more classes than the split or a batch holds is an InputError") {
  const Split split = labelled_split(40, 4);
  CHECK_THROWS_WITH(Batcher(split, 8, true, 0, DataOrder{DataOrder::Kind::class_blocks, 5}),
                    Catch::Contains("4 classes") && Catch::Contains("K <= 4"));
  CHECK_THROWS_WITH(Batcher(split, 2, true, 0, DataOrder{DataOrder::Kind::class_blocks, 3}),
                    Catch::Contains("K <= 2"));
  Split negative = labelled_split(10, 2);
  negative.labels[3] = -1;
  CHECK_THROWS_AS(Batcher(negative, 2, true, 0, parse_data_order("class_sorted")), InputError);
}
