// sync=true of the normalizers with batch statistics (batch, batch_renorm, evonorm_b0 and
// switchable's batch part): in a data-parallel run's training forward, per-channel statistics
// over the global batch of every rank, as torch.nn.SyncBatchNorm computes them. Each rank's
// count, mean and M2 = count·variance are gathered in rank order and merged by Chan et al.'s
// parallel variance (count-weighted, so shares of unequal sizes are exact); the backward pass
// sums its per-channel sums over the ranks, in rank order. Every rank computes the same bits.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "norms/core/errors.hpp"
#include "norms/core/replica_group.hpp"
#include "norms/core/spec.hpp"
#include "norms/normalizer.hpp"

namespace normlab {

// The key, as every such normalizer lists it.
inline KeyInfo sync_key() {
  return {"sync", "false",
          "in a data-parallel run (ranks > 1), training statistics over the global batch of all ranks "
          "(torch.nn.SyncBatchNorm); false: each rank normalizes its own samples"};
}

class SyncedStatistics {
 public:
  explicit SyncedStatistics(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  void join(ReplicaGroup* group) { group_ = spans_processes(group) ? group : nullptr; }
  // Whether a forward in `mode` combines its statistics over the ranks (remembered for backward).
  bool begin_forward(Mode mode) { return active_ = enabled_ && group_ && mode == Mode::train; }
  bool active() const { return active_; }
  std::size_t ranks() const { return group_ ? group_->size() : 1; }
  // The step's group whether or not sync is on (per-device batch norm pools its running buffers
  // through it); null: this process alone.
  ReplicaGroup* group() const { return group_; }

  // mean, var: (C), this rank's moments (biased variance) over local_count values per channel
  // (ignored when 0), replaced by those of all ranks; returns the global count per channel.
  // InputError, on every rank alike, when that is <= 1.
  double merge_moments(double* mean, double* var, double local_count, std::size_t C, const char* who) {
    // exchange_: (1 + 2C): the count, then the means, then M2 = count·variance.
    exchange_.assign(1 + 2 * C, 0.0);
    exchange_[0] = local_count;
    if (local_count > 0)
      for (std::size_t c = 0; c < C; ++c)
        exchange_[1 + c] = mean[c], exchange_[1 + C + c] = var[c] * local_count;
    gathered_.resize(group_->size() * exchange_.size());
    group_->all_gather(exchange_.data(), exchange_.size(), gathered_.data());
    // Rank after rank: n = na + nb, δ = mb - ma, m = ma + δ·nb/n, M2 = M2a + M2b + δ²·na·nb/n.
    double count = 0;
    std::fill_n(mean, C, 0.0);
    std::fill_n(var, C, 0.0);  // M2 until the end
    for (std::size_t r = 0; r < group_->size(); ++r) {
      const double* rank_stats = gathered_.data() + r * exchange_.size();
      const double nb = rank_stats[0];
      if (nb == 0) continue;
      const double n = count + nb;
      for (std::size_t c = 0; c < C; ++c) {
        const double delta = rank_stats[1 + c] - mean[c];
        mean[c] += delta * (nb / n);
        var[c] += rank_stats[1 + C + c] + delta * delta * (count * nb / n);
      }
      count = n;
    }
    if (count <= 1)
      throw InputError(std::string(who) + ": expected more than 1 value per channel when training, got " +
                       std::to_string(std::size_t(count)) + " over the " + std::to_string(group_->size()) +
                       " ranks of a data-parallel run");
    for (std::size_t c = 0; c < C; ++c)
      var[c] /= count;
    return count;
  }

  // values: n per-channel sums of this rank, replaced by their totals over the ranks.
  void sum(double* values, std::size_t n) { sum_in_rank_order(*group_, values, n, gathered_); }

  // The backward's Σdy and Σdy·(x - μ), (C) each, totalled over the ranks: (2, C), owned here.
  const double* sum_grad_sums(const double* sum_dy, const double* sum_dy_centered, std::size_t C) {
    totals_.resize(2 * C);
    std::copy_n(sum_dy, C, totals_.data());
    std::copy_n(sum_dy_centered, C, totals_.data() + C);
    sum(totals_.data(), 2 * C);
    return totals_.data();
  }

 private:
  bool enabled_;
  ReplicaGroup* group_ = nullptr;  // the data-parallel group of the training step; null: alone
  bool active_ = false;            // the last forward used the global statistics
  std::vector<double> exchange_, gathered_, totals_;
};

}  // namespace normlab
