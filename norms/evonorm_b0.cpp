// EvoNorm-B0 (Liu et al., 2020), a normalization-plus-activation found by search:
//   y = x / max(sqrt(var_B + eps), v·x + sqrt(var_I + eps)) · weight + bias
// x: (N, C, *spatial) viewed as (N, C, S), at least one spatial dim.
//   var_B[c]     biased variance over N and S (training); running_var[c] in evaluation
//   var_I[n, c]  biased variance over S (the instance statistic, always from the input)
// Training updates running_var (unbiased, momentum) and num_batches_tracked as `batch` does.
// The backward pass goes through var_B (training), var_I and the max; PyTorch's max splits the
// gradient in half on a tie, and so does this.
// Forward caches only the small statistics; backward recomputes the denominator from x.
// sync=true (synced_statistics.hpp): var_B over the global batch of a data-parallel run, and the
// backward's Σ dd_B over the ranks.
#include <cmath>
#include <optional>

#include "norms/core/parallel.hpp"
#include "norms/core/reductions.hpp"
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"
#include "norms/shape_checks.hpp"
#include "norms/synced_statistics.hpp"

namespace normlab {

namespace {

struct EvoNormB0Options {
  double eps;
  std::optional<double> momentum;
  bool sync;
  static EvoNormB0Options parse(const Spec& spec) {
    return {positive_eps(spec), momentum_or_none(spec), spec.get_bool("sync")};
  }
};

// The share of the denominator's gradient that goes to the instance branch v·x + σ_I.
inline double share_of_instance(double batch_std, double instance_term) {
  return instance_term > batch_std ? 1.0 : (instance_term < batch_std ? 0.0 : 0.5);
}

template <class T>
class EvoNormB0 final : public Normalizer<T> {
 public:
  EvoNormB0(const EvoNormB0Options& options, const Shape& example)
      : options_(options),
        rank_(example.size()),
        channels_(spatial_channels_of_example("evonorm_b0", example)),
        synced_(options.sync) {
    const std::size_t C = channels_;
    weight_ = v_ = filled<T>({C}, 1);
    bias_ = weight_grad_ = bias_grad_ = v_grad_ = filled<T>({C}, 0);
    running_.momentum = options_.momentum;
    running_.reset(C);
    batch_mean_.resize(C), batch_var_.resize(C), batch_std_.resize(C), dd_batch_.resize(C);
  }

  std::string kind() const override { return "evonorm_b0"; }
  std::string describe() const override {
    return "EvoNormB0(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           (synced_.enabled() ? ", sync=true" : "") + ")";
  }
  bool has_shift() const override { return true; }
  bool includes_activation() const override { return true; }
  void join_replicas(ReplicaGroup* group) override { synced_.join(group); }

  std::vector<ParameterRef<T>> parameters() override {
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}, {"v", &v_, &v_grad_}};
  }
  // B0 keeps no running mean: the shared running-statistics path updates one, but it is not a buffer.
  void begin_precise_statistics() override { running_.begin_precise(); }
  void end_precise_statistics() override { running_.end_precise(); }
  std::vector<BufferRef<T>> buffers() override {
    return {{"running_var", &running_.var}, {"num_batches_tracked", &running_.num_batches_tracked}};
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    check_channels("evonorm_b0", x.shape(), rank_, channels_);
    L_ = {x.shape()[0], channels_, shape_product(x.shape(), 2)};
    training_ = mode == Mode::train;
    const std::size_t rows = L_.N * L_.C;
    double count = double(L_.count_per_channel());
    if (synced_.begin_forward(mode)) {  // the global batch's moments
      if (count > 0) kernels::channel_moments(batch_mean_.data(), batch_var_.data(), x.data(), L_);
      count = global_count_ =
          synced_.merge_moments(batch_mean_.data(), batch_var_.data(), count, channels_, "evonorm_b0");
    } else if (training_) {
      if (count <= 1)
        throw InputError(
            "evonorm_b0: expected more than 1 value per channel when training, got input of shape " +
            shape_string(x.shape()));
      kernels::channel_moments(batch_mean_.data(), batch_var_.data(), x.data(), L_);
    }
    if (training_) {
      for (std::size_t c = 0; c < channels_; ++c)
        batch_std_[c] = std::sqrt(batch_var_[c] + options_.eps);
      // batch_var_ becomes the unbiased variance here; it is not needed afterwards.
      for (std::size_t c = 0; c < channels_; ++c)
        batch_var_[c] *= count / (count - 1);
      running_.update(batch_mean_.data(), batch_var_.data());
    } else {
      for (std::size_t c = 0; c < channels_; ++c)
        batch_std_[c] = std::sqrt(double(running_.var.data()[c]) + options_.eps);
    }
    instance_mean_.resize(rows), instance_std_.resize(rows);  // no-op once the batch size is steady
    const std::size_t S = L_.S;
    parallel_for(rows, S, [&](std::size_t row) {
      double var;
      kernels::moments(x.data() + row * S, S, instance_mean_[row], var);
      instance_std_[row] = std::sqrt(var + options_.eps);
    });
    ensure_shape(y, x.shape());
    // y = x / max(σ_B, v·x + σ_I) · γ + β, per element in double.
    parallel_for(rows, S, [&](std::size_t row) {
      const std::size_t c = row % channels_;
      const double v = double(v_.data()[c]), g = double(weight_.data()[c]), b = double(bias_.data()[c]);
      const double sb = batch_std_[c], si = instance_std_[row];
      const T* __restrict xr = x.data() + row * S;
      T* __restrict yr = y.data() + row * S;
      for (std::size_t s = 0; s < S; ++s) {
        const double xs = double(xr[s]);
        yr[s] = T(xs / std::max(sb, v * xs + si) * g + b);
      }
    });
  }

  // dx assigned; dweight, dbias, dv accumulated. With dŷ = dy·γ and d = max(σ_B, v·x + σ_I):
  //   dd = -dŷ·x/d², split by the max into dd_I (instance branch) and dd_B (batch branch);
  //   dx = dŷ/d                              (the direct term)
  //      + v·dd_I                             (the instance branch's v·x)
  //      + Σ_s dd_I/σ_I · (x - μ_I)/S         (through var_I)
  //      + Σ_{n,s} dd_B/σ_B · (x - μ_B)/(N·S) (through var_B; training only)
  //   dweight = Σ dy·x/d,  dbias = Σ dy,  dv = Σ dd_I·x.
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("evonorm_b0 backward", "dy", dy.shape(), x.shape());
    if (x.shape()[0] != L_.N || shape_product(x.shape(), 2) != L_.S)
      throw InputError("evonorm_b0 backward: x of shape " + shape_string(x.shape()) +
                       " is not the last forward's input");
    const std::size_t rows = L_.N * L_.C, S = L_.S, C = channels_;
    row_sums_.resize(5 * rows);
    double* sum_dy_yhat = row_sums_.data();  // (N·C): Σ_s dy·x/d
    double* sum_dy = sum_dy_yhat + rows;     // (N·C): Σ_s dy
    double* sum_ddi_x = sum_dy + rows;       // (N·C): Σ_s dd_I·x
    double* sum_ddi = sum_ddi_x + rows;      // (N·C): Σ_s dd_I
    double* sum_ddb = sum_ddi + rows;        // (N·C): Σ_s dd_B
    parallel_for(rows, S, [&](std::size_t row) {
      const std::size_t c = row % C;
      const double v = double(v_.data()[c]), g = double(weight_.data()[c]);
      const double sb = batch_std_[c], si = instance_std_[row];
      const T* __restrict xr = x.data() + row * S;
      const T* __restrict dyr = dy.data() + row * S;
      // A SIMD reduction: its order is fixed by the binary (not by the thread count), and it
      // vectorizes for float too (GCC 12 judges a float loop over fixed double lanes unprofitable).
      double a = 0, b = 0, e = 0, f = 0, h = 0;
#pragma omp simd reduction(+ : a, b, e, f, h)
      for (std::size_t s = 0; s < S; ++s) {
        const double xs = double(xr[s]), d_y = double(dyr[s]);
        const double inst = v * xs + si, d = std::max(sb, inst), share = share_of_instance(sb, inst);
        const double yhat = xs / d, dd = -d_y * g * yhat / d;
        a += d_y * yhat, b += d_y, e += share * dd * xs, f += share * dd, h += dd - share * dd;
      }
      const double sums[5] = {a, b, e, f, h};
      sum_dy_yhat[row] = sums[0], sum_dy[row] = sums[1], sum_ddi_x[row] = sums[2], sum_ddi[row] = sums[3],
      sum_ddb[row] = sums[4];
    });
    // Per channel over n, in order: the parameter gradients and the batch branch's Σ dd_B.
    double* dd_batch = dd_batch_.data();  // (C): Σ_{n,s} dd_B
    parallel_for(C, L_.N, [&](std::size_t c) {
      double acc_weight = 0, acc_bias = 0, acc_v = 0, acc_batch = 0;
      for (std::size_t n = 0; n < L_.N; ++n) {
        const std::size_t row = n * C + c;
        acc_weight += sum_dy_yhat[row], acc_bias += sum_dy[row], acc_v += sum_ddi_x[row],
            acc_batch += sum_ddb[row];
      }
      weight_grad_.data()[c] = T(double(weight_grad_.data()[c]) + acc_weight);
      bias_grad_.data()[c] = T(double(bias_grad_.data()[c]) + acc_bias);
      v_grad_.data()[c] = T(double(v_grad_.data()[c]) + acc_v);
      dd_batch[c] = acc_batch;
    });
    ensure_shape(dx, x.shape());
    double count = double(L_.count_per_channel());
    if (synced_.active()) {  // through var_B of the global batch: Σ dd_B over all ranks
      synced_.sum(dd_batch, C);
      count = global_count_;
    }
    parallel_for(rows, S, [&](std::size_t row) {
      const std::size_t c = row % C;
      const double v = double(v_.data()[c]), g = double(weight_.data()[c]);
      const double sb = batch_std_[c], si = instance_std_[row], mi = instance_mean_[row];
      // through var_I: dσ_I/σ_I per element of (x - μ_I)/S; through var_B likewise over N·S.
      const double k_instance = sum_ddi[row] / si / double(S);
      const double k_batch = training_ ? dd_batch[c] / sb / count : 0.0;
      const double mb = training_ ? batch_mean_[c] : 0.0;
      const T* __restrict xr = x.data() + row * S;
      const T* __restrict dyr = dy.data() + row * S;
      T* __restrict dxr = dx.data() + row * S;
      for (std::size_t s = 0; s < S; ++s) {
        const double xs = double(xr[s]), dyhat = double(dyr[s]) * g;
        const double inst = v * xs + si, d = std::max(sb, inst), share = share_of_instance(sb, inst);
        const double inv_d = 1.0 / d, dd = -dyhat * xs * inv_d * inv_d;
        dxr[s] = T(dyhat * inv_d + v * share * dd + k_instance * (xs - mi) + k_batch * (xs - mb));
      }
    });
  }

 private:
  EvoNormB0Options options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, v_, weight_grad_, bias_grad_, v_grad_;  // (C) each
  RunningStats<T> running_;
  kernels::ChannelLayout L_{0, 0, 0};
  bool training_ = true;
  std::vector<double> batch_mean_, batch_var_, batch_std_, dd_batch_;  // (C) each
  std::vector<double> instance_mean_, instance_std_;                   // (N·C)
  std::vector<double> row_sums_;                                       // (5·N·C): backward scratch
  SyncedStatistics synced_;
  double global_count_ = 0;  // values per channel over all ranks in a synchronized forward
};

}  // namespace

NormalizerInfo evonorm_b0_info() {
  return normalizer_info<EvoNormB0, EvoNormB0Options>(
      "evonorm_b0",
      "EvoNorm-B0 (Liu et al. 2020): x/max(sqrt(var_B+eps), v*x+sqrt(var_I+eps))*weight+bias, var_B over the "
      "batch (running_var in eval); includes its activation",
      {{"eps", "1e-5", "added to both variances"},
       {"momentum", "0.1", "running_var factor, or none for a cumulative average"},
       sync_key()},
      {NormRole::activation,
       /*batch_statistics=*/true,
       /*running_buffers=*/true,
       /*min_rank=*/3,
       "",
       {"evonorm_b0", "evonorm_b0:momentum=none,eps=1e-3"},
       [](const Spec&) { return true; }});
}

}  // namespace normlab
