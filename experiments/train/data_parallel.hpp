// What the trainer does differently in a data-parallel run (the sweep key ranks = K > 1): every
// rank holds the same model and draws the same global batches of N samples; rank r trains on
// rows [r·B/K, (r+1)·B/K) of each batch of B (B = N except a kept final partial batch, whose
// shares then differ by at most one sample). Per step:
//   - the normalizers join the group for the training forward and backward (batch norm's sync);
//   - the loss gradient is scaled by n_r/B, so that the gradients summed over the ranks are those
//     of the global batch's mean loss (count-weighted when the shares differ);
//   - parameter gradients are summed over the ranks in rank order (sum_in_rank_order), so every
//     rank takes the same optimizer step and the run is the same bits every time;
//   - the reported loss and accuracy are those of the global batch;
//   - buffers are made rank 0's after every step (as DDP's broadcast_buffers), which keeps the
//     replicas identical whatever their normalizers do with them.
// Dropout masks differ per rank: rank r > 0 reseeds every random stream from the stream and r.
// Evaluation and the final metrics run whole on every rank, out of the group, and agree bit for bit;
// the training-mode accuracy shares its batches as training does (evaluation.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/models/model.hpp"
#include "norms/core/replica_group.hpp"

namespace normlab {

template <class T>
class DataParallel {
 public:
  // group: null or of size 1 for a one-process run, when every call below is a no-op.
  DataParallel(Model<T>& model, ReplicaGroup* group);
  bool active() const { return group_ != nullptr; }
  std::size_t ranks() const { return group_ ? group_->size() : 1; }

  // This rank's rows of a global batch x: (B, *sample) and labels: (B·L), L labels per sample,
  // into x_local: (n_r, *sample) and labels_local: (n_r·L). InputError when B < K.
  void take_share(const Tensor<float>& x, const std::vector<std::int32_t>& labels, Tensor<float>& x_local,
                  std::vector<std::int32_t>& labels_local);
  // The share's weight n_r/B in the global mean loss (1 when inactive).
  double share_weight() const { return share_weight_; }

  void join() { set_group(group_); }  // around the training forward and backward
  void leave() { set_group(nullptr); }

  void sum_gradients();
  void share_buffers();
  // The global batch's mean loss and accuracy from this rank's mean loss and correct count.
  struct BatchMetrics {
    double loss, accuracy;
  };
  BatchMetrics global_metrics(double local_loss, std::size_t local_correct, std::size_t local_labels);

 private:
  void set_group(ReplicaGroup* group);

  Model<T>& model_;
  ReplicaGroup* group_;
  std::vector<Normalizer<T>*> normalizers_;
  std::vector<ParameterRef<T>> parameters_;
  std::vector<BufferRef<T>> buffers_;
  double share_weight_ = 1;
  std::vector<double> flat_, gathered_;  // all gradients or buffers as one vector; the ranks' copies
};

}  // namespace normlab
