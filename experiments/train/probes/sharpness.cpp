// sharpness: the largest eigenvalue of the Hessian of the step's batch loss at w, by power
// iteration on Hessian-vector products. Hv is a central finite difference of gradients,
//   H v ≈ (∇L(w + ε v) − ∇L(w − ε v)) / (2ε),   ‖v‖₂ = 1,   ε = ∛(machine epsilon of T) · max(1, ‖w‖₂),
// which is exact for a quadratic loss and otherwise O(ε²) off (the step balances that against
// the rounding error of the gradients, O(epsilon/ε)); the passes replay the step's dropout masks,
// so the loss is one function of w. Power iteration finds the eigenvalue of largest magnitude
// (the top one wherever the curvature is mostly positive): v₀ is a normal vector from the probe's
// own stream (seed, step), v ← Hv/‖Hv‖, λ = vᵀHv, stopping when λ changes by less than
// `tolerance` × |λ| or after `iterations`. Rows (layer "model"): "lambda_max", "iterations" and
// "residual" = ‖Hv − λv‖₂ / |λ| (how far v is from an eigenvector). Two passes per iteration.
#include <cmath>
#include <limits>

#include "experiments/train/probes/probe_math.hpp"
#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

namespace {

template <class T>
class Sharpness final : public Probe<T> {
 public:
  explicit Sharpness(const Spec& spec)
      : iterations_(std::size_t(spec.get_int("iterations"))), tolerance_(spec.get_double("tolerance")) {}

  void before_update(ProbeContext<T>& c) override {
    const std::vector<T>& w = c.at_step.parameter_values();
    const std::size_t n = w.size();
    v_.resize(n), hv_.resize(n);
    Rng rng = Rng::stream(c.seed, "probe.sharpness");
    rng = Rng(rng.next_u64() ^ (std::uint64_t(c.step) * 0x9e3779b97f4a7c15ull));
    for (double& value : v_)
      value = rng.normal();
    normalize(v_);
    const double epsilon = std::cbrt(double(std::numeric_limits<T>::epsilon())) *
                           std::max(1.0, distance<T, T>(w.data(), nullptr, 0, n));
    double lambda = 0, residual = 0;
    std::size_t done = 0;
    while (done < iterations_) {
      hessian_times_v(c, epsilon);
      ++done;
      const double next = dot(v_.data(), hv_.data(), 0, n);
      double r = 0;
      for (std::size_t j = 0; j < n; ++j)
        r += (hv_[j] - next * v_[j]) * (hv_[j] - next * v_[j]);
      residual = next != 0 ? std::sqrt(r) / std::abs(next) : 0;
      const bool converged = done > 1 && std::abs(next - lambda) <= tolerance_ * std::abs(next);
      lambda = next;
      if (converged || !std::isfinite(lambda)) break;
      const double norm = distance<double, double>(hv_.data(), nullptr, 0, n);
      if (norm == 0) break;  // v is in the null space: λ = 0
      for (std::size_t j = 0; j < n; ++j)
        v_[j] = hv_[j] / norm;
    }
    c.sink.probe(c.step, model_, name_, lambda_, lambda);
    c.sink.probe(c.step, model_, name_, iterations_name_, double(done));
    c.sink.probe(c.step, model_, name_, residual_, residual);
  }

 private:
  // hv_ = (∇L(w + εv) − ∇L(w − εv)) / (2ε)
  void hessian_times_v(ProbeContext<T>& c, double epsilon) {
    const std::vector<T>& w = c.at_step.parameter_values();
    set_parameters(c.parameters, w, v_.data(), epsilon);
    c.loss_at(true);
    read_gradients(c.parameters, plus_);
    set_parameters(c.parameters, w, v_.data(), -epsilon);
    c.loss_at(true);
    read_gradients(c.parameters, minus_);
    for (std::size_t j = 0; j < w.size(); ++j)
      hv_[j] = (double(plus_[j]) - double(minus_[j])) / (2 * epsilon);
  }

  static void normalize(std::vector<double>& v) {
    const double norm = distance<double, double>(v.data(), nullptr, 0, v.size());
    if (norm > 0)
      for (double& value : v)
        value /= norm;
  }

  std::size_t iterations_;
  double tolerance_;
  std::vector<double> v_, hv_;  // (parameters), allocated once
  std::vector<T> plus_, minus_;
  const std::string name_ = "sharpness", model_ = "model", lambda_ = "lambda_max",
                    iterations_name_ = "iterations", residual_ = "residual";
};

template <class T>
std::unique_ptr<Probe<T>> make(const Spec& spec, Model<T>&) {
  return std::make_unique<Sharpness<T>>(spec);
}

void validate(const Spec& spec) {
  if (spec.get_int("iterations") < 1 || spec.get_int("iterations") > 10000)
    spec.fail("iterations", "must be an integer in [1, 10000]");
  if (!(spec.get_double("tolerance") >= 0)) spec.fail("tolerance", "must be a number >= 0");
}

}  // namespace

ProbeInfo sharpness_info() {
  return kind_entry<ProbeInfo>(
      "sharpness",
      "largest Hessian eigenvalue of the batch loss by power iteration on finite-difference Hessian-vector "
      "products",
      {{"iterations", "20", "most power iterations (two forward/backward passes each)"},
       {"tolerance", "0.001", "stop when lambda changes by less than this relative amount"}},
      {make<float>, make<double>}, {}, validate);
}

}  // namespace normlab
