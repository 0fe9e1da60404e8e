#include "experiments/losses/loss.hpp"

#include <cmath>

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

namespace {

// logits must be (N, K) with N == labels.size() and every label in [0, K).
template <class T>
void check_logits(const Tensor<T>& logits, const std::vector<std::int32_t>& labels, const char* loss) {
  if (logits.dimension() != 2 || logits.shape()[0] != labels.size())
    throw InputError(std::string(loss) + ": logits of shape " + shape_string(shape_of(logits)) +
                     " do not match " + std::to_string(labels.size()) + " labels; expected (N, num_classes)");
  const std::size_t num_classes = logits.shape()[1];
  for (const auto label : labels)
    if (label < 0 || std::size_t(label) >= num_classes)
      throw InputError(std::string(loss) + ": label " + std::to_string(label) + " is outside [0, " +
                       std::to_string(num_classes) + ")");
}

// Gives dlogits the logits' (N, K) shape without building a shape vector when it already has it.
template <class T>
void match_shape(const Tensor<T>& logits, Tensor<T>& dlogits) {
  if (dlogits.dimension() != 2 || dlogits.shape()[0] != logits.shape()[0] || dlogits.shape()[1] != logits.shape()[1])
    dlogits.resize({logits.shape()[0], logits.shape()[1]});
}

}  // namespace

std::vector<std::string> loss_names() { return {"cross_entropy", "mse"}; }

LossKind parse_loss(const std::string& name) {
  if (name == "cross_entropy") return LossKind::cross_entropy;
  if (name == "mse") return LossKind::mse;
  throw InputError("unknown loss '" + name + "'; valid: " + join(loss_names(), ", "));
}

template <class T>
double cross_entropy_loss(const Tensor<T>& logits, const std::vector<std::int32_t>& labels, Tensor<T>* dlogits) {
  check_logits(logits, labels, "cross_entropy");
  const std::size_t n = logits.shape()[0], k = logits.shape()[1];
  if (dlogits) match_shape(logits, *dlogits);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T* z = logits.data() + i * k;
    // log Σ exp(z) = max + log Σ exp(z - max): no overflow for large logits.
    double max = z[0];
    for (std::size_t j = 1; j < k; ++j) max = std::max(max, double(z[j]));
    double sum_exp = 0;
    for (std::size_t j = 0; j < k; ++j) sum_exp += std::exp(double(z[j]) - max);
    const double log_sum_exp = max + std::log(sum_exp);
    total += log_sum_exp - double(z[labels[i]]);
    if (dlogits) {
      // d/dz_j of the mean loss: (softmax_j - onehot_j) / N.
      T* dz = dlogits->data() + i * k;
      for (std::size_t j = 0; j < k; ++j) dz[j] = T(std::exp(double(z[j]) - log_sum_exp) / double(n));
      dz[labels[i]] -= T(1.0 / double(n));
    }
  }
  return total / double(n);
}

template <class T>
double mse_loss(const Tensor<T>& logits, const std::vector<std::int32_t>& labels, Tensor<T>* dlogits) {
  check_logits(logits, labels, "mse");
  const std::size_t n = logits.shape()[0], k = logits.shape()[1];
  if (dlogits) match_shape(logits, *dlogits);
  const double count = double(n * k);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      const double residual = double(logits.data()[i * k + j]) - (std::int32_t(j) == labels[i] ? 1.0 : 0.0);
      total += residual * residual;
      // d/dz of mean((z - t)^2) over N·K elements.
      if (dlogits) dlogits->data()[i * k + j] = T(2.0 * residual / count);
    }
  }
  return total / count;
}

template <class T>
double compute_loss(LossKind kind, const Tensor<T>& logits, const std::vector<std::int32_t>& labels,
                    Tensor<T>* dlogits) {
  return kind == LossKind::cross_entropy ? cross_entropy_loss(logits, labels, dlogits)
                                         : mse_loss(logits, labels, dlogits);
}

template <class T>
std::size_t count_correct(const Tensor<T>& logits, const std::vector<std::int32_t>& labels) {
  check_logits(logits, labels, "accuracy");
  const std::size_t n = logits.shape()[0], k = logits.shape()[1];
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T* z = logits.data() + i * k;
    std::size_t best = 0;
    for (std::size_t j = 1; j < k; ++j)
      if (z[j] > z[best]) best = j;
    correct += std::int32_t(best) == labels[i];
  }
  return correct;
}

#define NORMLAB_INSTANTIATE_LOSSES(T)                                                                        \
  template double cross_entropy_loss<T>(const Tensor<T>&, const std::vector<std::int32_t>&, Tensor<T>*);     \
  template double mse_loss<T>(const Tensor<T>&, const std::vector<std::int32_t>&, Tensor<T>*);               \
  template double compute_loss<T>(LossKind, const Tensor<T>&, const std::vector<std::int32_t>&, Tensor<T>*); \
  template std::size_t count_correct<T>(const Tensor<T>&, const std::vector<std::int32_t>&);
NORMLAB_INSTANTIATE_LOSSES(float)
NORMLAB_INSTANTIATE_LOSSES(double)

}  // namespace normlab
