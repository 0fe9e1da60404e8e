// Classification losses on logits and their gradient with respect to the logits.
//
//   cross_entropy  softmax cross-entropy, computed stably through log-sum-exp
//                  (torch.nn.CrossEntropyLoss, reduction='mean': averaged over the batch)
//   mse            squared error between the logits and one-hot targets
//                  (torch.nn.MSELoss, reduction='mean': averaged over all N·K elements)
//
// Both return the mean loss and, when `dlogits` is non-null, ASSIGN d(loss)/d(logits) to it
// (resized to the logits' shape; no allocation when the shape is unchanged). Sums are kept in
// double whatever T is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

enum class LossKind { cross_entropy, mse };

// "cross_entropy" | "mse"; anything else is an InputError listing both.
LossKind parse_loss(const std::string& name);
std::vector<std::string> loss_names();

// logits: (N, K); labels: N values in [0, K); dlogits: (N, K) or null.
template <class T>
double cross_entropy_loss(const Tensor<T>& logits, const std::vector<std::int32_t>& labels, Tensor<T>* dlogits);
template <class T>
double mse_loss(const Tensor<T>& logits, const std::vector<std::int32_t>& labels, Tensor<T>* dlogits);
template <class T>
double compute_loss(LossKind kind, const Tensor<T>& logits, const std::vector<std::int32_t>& labels,
                    Tensor<T>* dlogits);

// Number of rows whose largest logit (the first one on ties, as torch.argmax) is the label.
template <class T>
std::size_t count_correct(const Tensor<T>& logits, const std::vector<std::int32_t>& labels);

}  // namespace normlab
