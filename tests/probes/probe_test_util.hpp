// Helpers for the probe tests: a sink that keeps probe rows, one training step with probes run
// by hand exactly as the trainer runs them, and small models with set parameters.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "experiments/layers/activation.hpp"
#include "experiments/layers/linear.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/train/probes/probe_set.hpp"
#include "experiments/util/rng.hpp"

namespace normlab::test {

class ProbeRows : public MetricSink {
 public:
  void metric(std::size_t, double, const std::string&, const std::string&, double) override {}
  void layer_stat(std::size_t, const std::string&, const std::string&, double) override {}
  void probe(std::size_t step, const std::string& layer, const std::string& probe, const std::string& stat,
             double value) override {
    rows[{step, layer, probe, stat}] = value;
    ++count;
  }
  // The value of a row; fails the test (throws) when there is none.
  double at(std::size_t step, const std::string& layer, const std::string& probe,
            const std::string& stat) const {
    const auto found = rows.find({step, layer, probe, stat});
    if (found == rows.end())
      throw std::runtime_error("no probe row " + std::to_string(step) + "," + layer + "," + probe + "," +
                               stat);
    return found->second;
  }
  bool has(std::size_t step, const std::string& layer, const std::string& probe,
           const std::string& stat) const {
    return rows.count({step, layer, probe, stat}) > 0;
  }
  std::map<std::tuple<std::size_t, std::string, std::string, std::string>, double> rows;
  std::size_t count = 0;
};

// One training step of `model` on (x, labels) with the probes of `options`, called where the
// trainer calls them; the optimizer is options.optimizer at options.lr.
template <class T>
struct ProbedStep {
  ProbedStep(Model<T>& model, const TrainOptions& options, LossKind loss)
      : model(model),
        options(options),
        loss_kind(loss),
        probes(model, options, loss),
        parameters(model.parameters()),
        optimizer(make_optimizer<T>(options.optimizer, parameters)) {}

  double run(std::size_t step, const Tensor<T>& x, const std::vector<std::int32_t>& labels,
             MetricSink& sink) {
    probes.before_forward(step);
    const Tensor<T>& logits = model.forward(x, Mode::train);
    const double loss = compute_loss(loss_kind, logits, labels, &dlogits);
    model.zero_grad();
    model.backward(dlogits);
    probes.after_backward(step, x, labels, loss, options.lr, sink);
    optimizer->step(options.lr);
    probes.after_update(step, sink);
    return loss;
  }

  Model<T>& model;
  TrainOptions options;
  LossKind loss_kind;
  ProbeSet<T> probes;
  std::vector<ParameterRef<T>> parameters;
  std::unique_ptr<Optimizer<T>> optimizer;
  Tensor<T> dlogits;
};

template <class T>
Tensor<T> random_tensor(const Shape& shape, Rng& rng, double scale = 1) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  for (auto& v : t)
    v = T(scale * rng.normal());
  return t;
}

template <class T>
Tensor<T>& parameter(Model<T>& model, const std::string& name) {
  for (auto& p : model.parameters())
    if (p.name == name) return *p.value;
  throw std::runtime_error("no parameter " + name);
}

template <class T>
Tensor<T>& gradient(Model<T>& model, const std::string& name) {
  for (auto& p : model.parameters())
    if (p.name == name) return *p.grad;
  throw std::runtime_error("no parameter " + name);
}

inline TrainOptions probe_options(std::vector<std::string> probes, double lr = 0.1) {
  TrainOptions options;
  options.lr = lr;
  options.optimizer = "sgd";
  options.probes.probes = std::move(probes);
  options.probes.every = 1;
  return options;
}

}  // namespace normlab::test
