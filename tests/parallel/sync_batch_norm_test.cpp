// Batch statistics across the ranks of a data-parallel group (norms/synced_statistics.hpp), against
// the one-process normalizer each rank also computes on the whole batch:
//   - sync=true of batch, batch_renorm, evonorm_b0 and switchable on shares of unequal sizes
//     equals the normalizer on the whole batch: outputs, input gradients, running buffers; the
//     parameter gradients summed over the ranks (count-weighted, not a mean of per-rank means);
//   - without sync, each rank's share is normalized alone, and the running buffers of every rank
//     equal ghost batch norm's with one virtual batch per rank, bit for bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "experiments/util/rng.hpp"
#include "norms/core/replica_group.hpp"
#include "norms/registry.hpp"
#include "world_group.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

constexpr std::size_t kN = 8, kC = 3, kS = 5;  // the global batch: (8, 3, 5)

// The same values on every rank: channels 0, 1, 2 offset by -offset, 0, +offset (as a layer's
// outputs may be), so that a merge that loses precision would show, and so that EvoNorm-B0's max
// takes its batch branch in channel 0 and its instance branch in channel 2.
Tensor<double> values(std::uint64_t seed, double offset) {
  Tensor<double> t = filled<double>({kN, kC, kS}, 0);
  Rng rng(seed);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = offset * (double((i / kS) % kC) - 1) + 2 * rng.uniform() - 1;
  return t;
}

Tensor<double> rows(const Tensor<double>& t, std::size_t begin, std::size_t end) {
  Tensor<double> out = filled<double>({end - begin, kC, kS}, 0);
  std::copy(t.data() + begin * kC * kS, t.data() + end * kC * kS, out.data());
  return out;
}

double max_abs_difference(const double* a, const double* b, std::size_t n) {
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

Tensor<double>* grad_of(Normalizer<double>& norm, const std::string& name) {
  for (const auto& p : norm.parameters())
    if (p.name == name) return p.grad;
  FAIL("no parameter " << name);
  return nullptr;
}

// Rank r's share of the batch: rows [begin, end).
struct Share {
  std::size_t begin, end;
};

}  // namespace

TEST_CASE("sync=true over ranks of unequal shares equals the normalizer on the whole batch") {
  ReplicaGroup& group = world_group();
  REQUIRE(group.size() == 2);
  const Share share = group.rank() == 0 ? Share{0, 3} : Share{3, kN};  // 3 and 5 samples
  const Tensor<double> x = values(1, 100), dy = values(2, 0);
  const std::size_t share_size = (share.end - share.begin) * kC * kS;
  // Every normalizer with the key (synced_statistics.hpp); batch_renorm after a first step, so
  // that r and d are not 1 and 0.
  for (const std::string kind : {"batch", "batch_renorm", "evonorm_b0", "switchable"}) {
    CAPTURE(kind);
    auto whole = make_normalizer<double>(kind, {kN, kC, kS});
    auto synced = make_normalizer<double>(kind + ":sync=true", {kN, kC, kS});
    synced->join_replicas(&group);
    const Tensor<double> x_share = rows(x, share.begin, share.end),
                         dy_share = rows(dy, share.begin, share.end);
    Tensor<double> y_whole, dx_whole, y, dx;
    for (int step = 0; step < 2; ++step) {
      whole->forward(x, y_whole, Mode::train);
      synced->forward(x_share, y, Mode::train);
    }
    whole->backward(x, dy, dx_whole);
    synced->backward(x_share, dy_share, dx);

    CHECK(max_abs_difference(y.data(), y_whole.data() + share.begin * kC * kS, share_size) < 1e-13);
    CHECK(max_abs_difference(dx.data(), dx_whole.data() + share.begin * kC * kS, share_size) < 1e-13);
    for (const auto& buffer : whole->buffers())
      CHECK(max_abs_difference(synced->buffer(buffer.name).data(), buffer.value->data(),
                               buffer.value->size()) < 1e-11);
    // Parameter gradients are the rank's own sums; over the ranks they are the whole batch's.
    std::vector<double> scratch;
    for (const auto& parameter : whole->parameters()) {
      CAPTURE(parameter.name);
      const Tensor<double>& own = *grad_of(*synced, parameter.name);
      std::vector<double> summed(own.data(), own.data() + own.size());
      sum_in_rank_order(group, summed.data(), summed.size(), scratch);
      CHECK(max_abs_difference(summed.data(), parameter.grad->data(), summed.size()) < 1e-11);
    }
    // Normalizing the share alone differs by far more than rounding on these unequal shares.
    auto alone = make_normalizer<double>(kind, {kN, kC, kS});
    Tensor<double> y_alone;
    alone->forward(x_share, y_alone, Mode::train);
    CHECK(max_abs_difference(y_alone.data(), y.data(), share_size) > 1e-4);
  }
}

TEST_CASE("sync=true in evaluation mode uses the running buffers and no communication") {
  ReplicaGroup& group = world_group();
  const Tensor<double> x = values(3, 1);
  auto synced = make_normalizer<double>("batch:sync=true", {kN, kC, kS});
  auto plain = make_normalizer<double>("batch", {kN, kC, kS});
  synced->join_replicas(&group);
  Tensor<double> a, b;
  // Different data on the ranks: an evaluation that communicated would mix them.
  const Tensor<double> mine = values(10 + group.rank(), 1);
  synced->forward(mine, a, Mode::eval);
  plain->forward(mine, b, Mode::eval);
  CHECK(max_abs_difference(a.data(), b.data(), a.size()) == 0);
}

TEST_CASE(
    "without sync each rank normalizes its share alone and the running buffers equal ghost batch norm's") {
  ReplicaGroup& group = world_group();
  const std::size_t half = kN / group.size();
  const Share share{group.rank() * half, (group.rank() + 1) * half};
  const Tensor<double> x = values(4, 10), dy = values(5, 0);

  auto ghost = make_normalizer<double>("batch:virtual_batch_size=" + std::to_string(half), {kN, kC, kS});
  Tensor<double> y_ghost, dx_ghost;
  for (int step = 0; step < 3; ++step)
    ghost->forward(x, y_ghost, Mode::train);
  ghost->backward(x, dy, dx_ghost);

  auto per_device = make_normalizer<double>("batch", {kN, kC, kS});
  per_device->join_replicas(&group);
  const Tensor<double> x_share = rows(x, share.begin, share.end), dy_share = rows(dy, share.begin, share.end);
  Tensor<double> y, dx;
  for (int step = 0; step < 3; ++step)
    per_device->forward(x_share, y, Mode::train);
  per_device->backward(x_share, dy_share, dx);

  const std::size_t share_size = half * kC * kS;
  CHECK(max_abs_difference(y.data(), y_ghost.data() + share.begin * kC * kS, share_size) == 0);
  CHECK(max_abs_difference(dx.data(), dx_ghost.data() + share.begin * kC * kS, share_size) == 0);
  for (const char* name : {"running_mean", "running_var", "num_batches_tracked"})
    CHECK(max_abs_difference(per_device->buffer(name).data(), ghost->buffer(name).data(),
                             per_device->buffer(name).size()) == 0);
}

TEST_CASE("sync=true and virtual_batch_size cannot be combined") {
  CHECK_THROWS_WITH(make_normalizer<double>("batch:sync=true,virtual_batch_size=4", {kN, kC, kS}),
                    Catch::Contains("sync") && Catch::Contains("virtual_batch_size"));
}

TEST_CASE("sync=true outside a data-parallel group is the normalizer without it, bit for bit") {
  const Tensor<double> x = values(6, 10), dy = values(7, 0);
  for (const std::string kind : {"batch", "batch_renorm", "evonorm_b0", "switchable"}) {
    CAPTURE(kind);
    auto plain = make_normalizer<double>(kind, {kN, kC, kS});
    auto synced = make_normalizer<double>(kind + ":sync=true", {kN, kC, kS});
    Tensor<double> y_plain, y, dx_plain, dx;
    for (int step = 0; step < 2; ++step) {
      plain->forward(x, y_plain, Mode::train);
      synced->forward(x, y, Mode::train);
    }
    plain->backward(x, dy, dx_plain);
    synced->backward(x, dy, dx);
    CHECK(max_abs_difference(y.data(), y_plain.data(), y.size()) == 0);
    CHECK(max_abs_difference(dx.data(), dx_plain.data(), dx.size()) == 0);
  }
}
